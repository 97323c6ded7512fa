#!/usr/bin/env bash
# Writes Isoloir's nginx configuration from the templates beside this script:
#   OUT/conf.d/isoloir.conf          isoloir.conf with the @NAMES@ filled in
#   OUT/snippets/isoloir-*.conf      the snippets, as they are
#   OUT/isoloir-exempt.conf          the addresses exempt from the per-address
#                                    limits: created empty once, never overwritten
# With OUT=/etc/nginx, Debian's nginx.conf includes conf.d/*.conf in its http
# block and the includes resolve against /etc/nginx. The browser test renders
# into a temporary prefix the same way (tests/browser/nginx.spec.mjs).
#
#   deploy/nginx/render.sh --out /etc/nginx --server-name vote.example.org \
#     --cert /etc/letsencrypt/live/vote.example.org/fullchain.pem \
#     --key /etc/letsencrypt/live/vote.example.org/privkey.pem \
#     --upstream 127.0.0.1:8081 --upstream 127.0.0.1:8082
#   nginx -t && systemctl reload nginx
#
# Options (repeatable ones may be given several times):
#   --out DIR              where to write (required)
#   --server-name NAME     the election's host name (required)
#   --cert FILE, --key FILE  the TLS certificate chain and key, PEM (required)
#   --upstream HOST:PORT   an isoloir-server instance (required, repeatable)
#   --listen ADDR          an address to listen on (repeatable; default 0.0.0.0 and [::])
#   --https-port N         default 443
#   --http-port N          default 80 (redirects to https)
#   --public-url URL       default https://NAME, with :PORT when not 443; must be
#                          the servers' public_url
#   --log-dir DIR          default /var/log/nginx
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
usage() { sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d; s/^# \{0,1\}//' >&2; exit 2; }

out='' name='' cert='' key='' https_port=443 http_port=80 public_url='' log_dir=/var/log/nginx
listens=() upstreams=()
while [ $# -gt 0 ]; do
  [ $# -ge 2 ] || usage
  case $1 in
    --out) out=$2 ;;
    --server-name) name=$2 ;;
    --cert) cert=$2 ;;
    --key) key=$2 ;;
    --upstream) upstreams+=("$2") ;;
    --listen) listens+=("$2") ;;
    --https-port) https_port=$2 ;;
    --http-port) http_port=$2 ;;
    --public-url) public_url=$2 ;;
    --log-dir) log_dir=$2 ;;
    *) usage ;;
  esac
  shift 2
done
[ -n "$out" ] && [ -n "$name" ] && [ -n "$cert" ] && [ -n "$key" ] && [ ${#upstreams[@]} -gt 0 ] || usage
[ ${#listens[@]} -gt 0 ] || listens=(0.0.0.0 '[::]')
if [ -z "$public_url" ]; then
  public_url="https://$name"
  [ "$https_port" = 443 ] || public_url="$public_url:$https_port"
fi

# Every value lands inside an nginx directive: refuse what could end one
# (; { } quotes, spaces, #, $) rather than quote it.
for v in "$name" "$cert" "$key" "$https_port" "$http_port" "$public_url" "$log_dir" "${listens[@]}" "${upstreams[@]}"; do
  case $v in
    *[\;\{\}\"\'\ \#\$\\\&]* | '') echo "render.sh: refused value '$v'" >&2; exit 2 ;;
  esac
done
case $https_port$http_port in *[!0-9]*) echo "render.sh: ports are numbers" >&2; exit 2 ;; esac
case $public_url in https://*) ;; *) echo "render.sh: --public-url must be https://..." >&2; exit 2 ;; esac

mkdir -p "$out/conf.d" "$out/snippets"
tmp=$(mktemp "$out/conf.d/.isoloir.conf.XXXXXX")
trap 'rm -f "$tmp"' EXIT
# A line with @LISTEN@ (or @UPSTREAM@) once per value, then the other names.
awk -v listens="${listens[*]}" -v upstreams="${upstreams[*]}" \
  -v name="$name" -v url="$public_url" -v cert="$cert" -v key="$key" \
  -v https="$https_port" -v http="$http_port" -v logs="$log_dir" '
  function fill(s) {
    gsub(/@SERVER_NAME@/, name, s); gsub(/@PUBLIC_URL@/, url, s)
    gsub(/@TLS_CERT@/, cert, s); gsub(/@TLS_KEY@/, key, s)
    gsub(/@HTTPS_PORT@/, https, s); gsub(/@HTTP_PORT@/, http, s); gsub(/@LOG_DIR@/, logs, s)
    return s
  }
  # Template lines only: the header comment names the placeholders.
  /^[[:space:]]*#/ { print; next }
  /@LISTEN@/ { n = split(listens, a, " "); for (i = 1; i <= n; i++) { s = $0; gsub(/@LISTEN@/, a[i], s); print fill(s) } next }
  /@UPSTREAM@/ { n = split(upstreams, a, " "); for (i = 1; i <= n; i++) { s = $0; gsub(/@UPSTREAM@/, a[i], s); print fill(s) } next }
  { print fill($0) }
' "$here/isoloir.conf" >"$tmp"
if grep -v '^[[:space:]]*#' "$tmp" | grep -q '@[A-Z_]*@'; then
  echo "render.sh: a placeholder was left unfilled" >&2
  exit 1
fi
chmod 0644 "$tmp"
mv "$tmp" "$out/conf.d/isoloir.conf"
trap - EXIT
install -m 0644 "$here"/snippets/isoloir-*.conf "$out/snippets/"
[ -e "$out/isoloir-exempt.conf" ] || install -m 0644 "$here/isoloir-exempt.conf" "$out/isoloir-exempt.conf"
echo "wrote $out/conf.d/isoloir.conf (servers: ${upstreams[*]}; origin $public_url)"

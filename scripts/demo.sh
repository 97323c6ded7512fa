#!/usr/bin/env bash
# The demo: the urn server on 127.0.0.1 with the sample election
# (examples/sample-election/manifest.json, opened now for eight days) and
# three voters, mail written to an outbox directory, the voter pages served
# (--web-root web: the portal at http://127.0.0.1:PORT/). It then walks one
# voter through the portal's API over HTTP (activation link, password, login,
# a ballot made with the vote code, the cast, the receipts checked, the
# board's inclusion proof), mails the other two their activation links and
# prints the portal's URL, the demo voter's login and those links. The server
# keeps running until Ctrl-C.
#
# Logins and link requests carry a proof of work (GET /api/v1/pow), solved
# here by the booth in Node as the pages solve it in the browser, at
# difficulty 16 (a few milliseconds); ISOLOIR_DEMO_POW sets another
# (pow_difficulty; 0 turns it off, 19 is the production default). The
# voters have a NUMEN, social-security digits and a phone, so that the vote
# code's re-issue (/reassort) can be tried: its links land in the
# outbox too (.eml, and .sms for text messages).
#
#   bash scripts/demo.sh            (installs and builds what is missing first)
#   bash scripts/demo.sh --once     (stop the server after the walk-through)
#   ISOLOIR_DEMO_PORT=8080 ISOLOIR_DEMO_DIR=/tmp/isoloir-demo ISOLOIR_DEMO_POW=16 bash scripts/demo.sh
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$repo"
once=0
for arg in "$@"; do
  case "$arg" in
    --once) once=1 ;;
    *) echo "usage: bash scripts/demo.sh [--once]" >&2; exit 2 ;;
  esac
done
port=${ISOLOIR_DEMO_PORT:-8080}
pow_difficulty=${ISOLOIR_DEMO_POW:-16}
case "$pow_difficulty" in
  '' | *[!0-9]*) echo "demo: ISOLOIR_DEMO_POW must be a number of bits (0 = off)" >&2; exit 2 ;;
esac
dir=${ISOLOIR_DEMO_DIR:-$(mktemp -d /tmp/isoloir-demo.XXXXXX)}
sample=examples/sample-election/manifest.json

bash scripts/setup.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build -j"$(nproc)" --target isoloir isoloir-admin isoloir-server
for p in isoloir isoloir-admin isoloir-server; do
  [ -x "build/$p" ] || { echo "demo: build/$p was not built" >&2; exit 1; }
done
cli=$repo/build/isoloir
admin=$repo/build/isoloir-admin

# The pages' booth (/vote, /verifier) runs the WebAssembly module that the
# wasm build puts in web/booth/wasm/: built here if missing (a few minutes).
if [ ! -f web/booth/wasm/isoloir_booth.mjs ]; then
  sodium_prefix=$(bash scripts/build-libsodium-wasm.sh --check 2>/dev/null || true)
  if [ -n "$sodium_prefix" ] && command -v emcmake >/dev/null; then
    emcmake cmake -S . -B build-wasm -DCMAKE_BUILD_TYPE=Release -DSODIUM_WASM_PREFIX="$sodium_prefix" >/dev/null
    cmake --build build-wasm -j"$(nproc)" || true
  fi
  [ -f web/booth/wasm/isoloir_booth.mjs ] ||
    echo "demo: web/booth/wasm/ was not built: the pages load, but voting and checking a ballot need it" >&2
fi

if [ -t 1 ]; then bold=$'\033[1m' plain=$'\033[0m'; else bold='' plain=''; fi
say() { printf '\n%s== %s%s\n' "$bold" "$*" "$plain"; }
json() { node -e "$1" "${@:2}"; }   # a line of JavaScript over the arguments

# A fresh directory each run: the demo's election starts now.
rm -rf "$dir/data" "$dir/outbox"
mkdir -p "$dir"
data=$dir/data outbox=$dir/outbox

say "Setting up the sample election in $data"
server_key=$("$admin" --data-dir "$data" server-key)
json '
  const fs = require("fs");
  const m = JSON.parse(fs.readFileSync(process.argv[1], "utf8"));
  const now = Math.floor(Date.now() / 1000);
  const iso = (t) => new Date(t * 1000).toISOString().replace(/\.\d+Z$/, "Z");
  m.server_key = process.argv[2];
  m.opens_at = iso(now - 3600);
  m.closes_at = iso(now + 8 * 86400);
  fs.writeFileSync(process.argv[3], JSON.stringify(m, null, 2));' "$sample" "$server_key" "$dir/manifest.json"
"$admin" --data-dir "$data" election import "$dir/manifest.json" examples/sample-election/trustees.json >/dev/null
election_id=$(json 'console.log(JSON.parse(require("fs").readFileSync(process.argv[1])).id)' "$dir/manifest.json")
scrutins=$(json 'console.log(JSON.parse(require("fs").readFileSync(process.argv[1])).scrutins.map(s => s.id).join(" "))' "$dir/manifest.json")

# The registrar's part: one vote code per voter (issue 5 prints them on
# notices); the urn gets only the public credentials.
# The identity data a code re-issue checks (NUMEN, the social-security
# number's first 10 digits) and the phone its link may be texted to.
names=("Jeanne Dupont" "Élodie Martin" "Marc Durand")
emails=("jeanne.dupont@ac-demo.fr" "elodie.martin@ac-demo.fr" "marc.durand@ac-demo.fr")
numens=("08E0612300ABC" "08E0612301ABC" "08E0612302ABC")
nirs=("2850675100" "2850675101" "1850675102")
phones=("06 12 34 56 00" "06 12 34 56 01" "06 12 34 56 02")
codes=()
{
  echo "identifier,name,scrutins,credential,pseudonym,numen,challenge,phone"
  for i in 0 1 2; do
    code=$("$cli" code new)
    codes+=("$code")
    echo "${emails[$i]},${names[$i]},$scrutins,$("$cli" code credential --election "$election_id" "$code"),demo-$i,${numens[$i]},${nirs[$i]},${phones[$i]}"
  done
} >"$dir/voters.csv"
"$admin" --data-dir "$data" voters import "$dir/voters.csv" >/dev/null
"$admin" --data-dir "$data" status | head -2

say "Starting isoloir-server on 127.0.0.1:$port"
# The config holds what has no flag: the help desk that /pratique shows.
json '
  require("fs").writeFileSync(process.argv[2], JSON.stringify({ data_dir: process.argv[1],
    pow_difficulty: Number(process.argv[3]),
    practical_info: { help_desk: { hours: "du lundi au vendredi, de 8 h à 20 h (démo)",
      phone: "0 800 000 000", email: "assistance@ac-demo.fr" } } }, null, 2));' "$data" "$dir/server.json" "$pow_difficulty"
build/isoloir-server --config "$dir/server.json" --port "$port" --outbox "$outbox" --web-root web \
  >"$dir/server.log" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null || true; wait $server 2>/dev/null || true' EXIT
base=http://127.0.0.1:$port
for _ in $(seq 100); do
  curl -s -o /dev/null "$base/api/v1/board/election" && break
  kill -0 $server 2>/dev/null || { cat "$dir/server.log" >&2; exit 1; }
  sleep 0.1
done
cat "$dir/server.log"
echo "the voter pages (portal): $base/"

api() { # METHOD PATH [BODY]: one request with the demo voter's cookie jar and CSRF token
  curl -s -b "$dir/cookies" -c "$dir/cookies" -X "$1" -H 'Content-Type: application/json' \
    -H "X-CSRF-Token: ${csrf:-}" ${3:+--data-binary "$3"} -w '\n' "$base$2"
}
pow() { # PURPOSE: '"pow_challenge":"...","pow_nonce":"..."', a challenge of the server solved
  # by the booth (WebAssembly in Node), to put in a request's JSON body
  curl -s "$base/api/v1/pow?purpose=$1" | node --input-type=module -e '
    let text = "";
    for await (const chunk of process.stdin) text += chunk;
    const { challenge, difficulty } = JSON.parse(text);
    let nonce = 0;
    if (difficulty > 0) {
      const { loadBooth } = await import(process.argv[1]);
      nonce = await (await loadBooth()).solvePow(challenge, difficulty);
    }
    console.log(`"pow_challenge":${JSON.stringify(challenge)},"pow_nonce":"${nonce}"`);' "$repo/web/booth/index.js"
}
latest_link() { # EMAIL: the token of the last link mailed to EMAIL, from the outbox
  # quoted-printable: CRLF lines, long ones cut by a soft break "=" at the end
  grep -l "^To: $1" "$outbox"/*.eml 2>/dev/null | sort | tail -1 | xargs -r cat | tr -d '\r' |
    sed -e ':a' -e '/=$/N; s/=\n//; ta' | grep -o '#[A-Za-z0-9_-]\{43\}' | tail -1 | cut -c2- || true
}
mailed_link() { # EMAIL PREVIOUS: waits for a link newer than PREVIOUS (the server
  # answers before it mails, so that the time tells nobody who is an elector)
  local t
  for _ in $(seq 600); do
    t=$(latest_link "$1")
    if [ -n "$t" ] && [ "$t" != "$2" ]; then echo "$t"; return 0; fi
    sleep 0.1
  done
  echo "no link came for $1" >&2; return 1
}

voter=${emails[0]} password='Demo-Password-2026!'
say "Voter ${names[0]} asks for her activation link"
previous=$(latest_link "$voter")
api POST /api/v1/account/activation-link "{\"identifier\":\"$voter\",$(pow link)}"
token=$(mailed_link "$voter" "$previous")
echo "the mail is in $outbox; its link: $base/activation#$token"

say "She sets her password and challenge answer, then logs in"
api POST /api/v1/account/activate \
  "{\"token\":\"$token\",\"password\":\"$password\",\"question\":\"Ville de naissance ?\",\"answer\":\"Saint-Étienne\"}"
session=$(api POST /api/v1/session "{\"identifier\":\"$voter\",\"password\":\"$password\",$(pow login)}")
echo "$session"
csrf=$(json 'console.log(JSON.parse(process.argv[1]).csrf_token)' "$session")
api GET /api/v1/me/scrutins | head -c 400; echo "..."

scrutin=capn-2d
say "She votes in $scrutin (the browser's work, done here by the CLI with her vote code)"
"$cli" ballot create --manifest "$dir/manifest.json" --scrutin "$scrutin" --choice fsu --code "${codes[0]}" >"$dir/ballot.json"
local_ref=$(json 'console.log(require("crypto").createHash("sha256").update(require("fs").readFileSync(process.argv[1])).digest("base64url"))' "$dir/ballot.json")
receipt=$(api POST /api/v1/ballots "$(cat "$dir/ballot.json")")
json '
  const r = JSON.parse(process.argv[1]);
  if (!r.reference) { console.log(process.argv[1]); process.exit(1); }
  require("fs").writeFileSync(process.argv[2], r.deposit);
  require("fs").writeFileSync(process.argv[3], r.emargement);
  console.log("server reference  " + r.reference + "\nbrowser reference " + process.argv[4]);
  if (r.reference !== process.argv[4]) { console.log("MISMATCH"); process.exit(1); }' \
  "$receipt" "$dir/deposit.json" "$dir/emargement.json" "$local_ref"
"$cli" receipt verify --manifest "$dir/manifest.json" "$dir/deposit.json"
"$cli" receipt verify --manifest "$dir/manifest.json" "$dir/emargement.json"
echo "the deposit proof again? $(api GET "/api/v1/me/scrutins/$scrutin/deposit")"
echo "a second ballot?        $(api POST /api/v1/ballots "$(cat "$dir/ballot.json")")"

say "Anyone can find her ballot on the public board"
curl -s "$base/api/v1/board/ballots/$local_ref" | head -c 200; echo "..."

say "The other two voters ask for their activation links"
links=()
for i in 1 2; do
  previous=$(latest_link "${emails[$i]}")
  api POST /api/v1/account/activation-link "{\"identifier\":\"${emails[$i]}\",$(pow link)}" >/dev/null
  links+=("$base/activation#$(mailed_link "${emails[$i]}" "$previous")")
done
echo "${#links[@]} links mailed to $outbox"

say "The demo is running"
cat <<EOF
Portal      $base/   (the voter pages, in French; English with ?lang=en)
  log in as   ${emails[0]}   password $password
              (she voted in $scrutin; for the two other scrutins, her vote code ${codes[0]})
  her ballot  $base/verifier#$local_ref
  a new code  $base/reassort (logged in): answer Saint-Étienne, NUMEN ${numens[0]}
              or social-security digits ${nirs[0]}; the link goes to $outbox
              (an .sms file for ${phones[0]}, or an .eml to a personal address)
  the others  open the activation link mailed to them, choose a password, log in, vote:
EOF
for i in 1 2; do
  echo "              ${names[$i]}, vote code ${codes[$i]}"
  echo "                ${links[$((i - 1))]}"
done
cat <<EOF

Server      $base   (log: $dir/server.log, data: $data)
Board       $base/api/v1/board/manifest
            $base/api/v1/board/ballots
            $base/api/v1/board/tree-head
Outbox      $outbox   (every mail the server sends lands here)
API         docs/api.md ("HTTP API"); the pages: docs/booth-ui.md.

Without a browser, over the API (a new link replaces the one above; unless
ISOLOIR_DEMO_POW=0, the link request and the login also need "pow_challenge"
and "pow_nonce" from GET /api/v1/pow, solved: docs/api.md):
  curl -s -X POST -H 'Content-Type: application/json' \\
       -d '{"identifier":"${emails[1]}"}' $base/api/v1/account/activation-link
  # the link's token is in the newest file of $outbox, after "/activation#"
  curl -s -X POST -H 'Content-Type: application/json' \\
       -d '{"token":"TOKEN","password":"Choose-A-Passw0rd","question":"Q ?","answer":"A"}' \\
       $base/api/v1/account/activate
  curl -s -c jar -X POST -H 'Content-Type: application/json' \\
       -d '{"identifier":"${emails[1]}","password":"Choose-A-Passw0rd"}' $base/api/v1/session
EOF
if [ "$once" = 1 ]; then
  echo; echo "--once: stopping the server."
  exit 0
fi
echo; echo "Ctrl-C stops the server."
wait $server

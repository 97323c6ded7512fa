#!/usr/bin/env bash
# The demo: a whole election (docs/election-end.md). Three trustees make the
# election key in a key ceremony with `isoloir trustee` (threshold 2); the
# urn server runs on 127.0.0.1 with the sample election
# (examples/sample-election/manifest.json with the trustees' key, opened now
# for eight days) and three voters, mail written to an outbox directory, the
# voter pages served (--web-root web: the portal at http://127.0.0.1:PORT/).
# It walks one voter through the portal's API over HTTP (activation link,
# password, login, a ballot made with the vote code, the cast, the receipts
# checked, the board's inclusion proof) and lets the other two vote; then the
# admin closes the vote, two of the trustees decrypt from the board's files,
# the count is combined, published, and verified by `isoloir record verify`
# from the board's archive. The server keeps serving the results
# (/resultats) until Ctrl-C.
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

# The trustees' passphrases (in a real ceremony each types their own, on
# their own offline machine; here they are piped in).
passphrase() { printf 'demo passphrase of trustee %s\n' "$1"; }
ceremony=$dir/ceremony
rm -rf "$ceremony"
mkdir -p "$ceremony"
say "The key ceremony: 3 trustees, any 2 of them can count (files in $ceremony)"
# --kdf interactive: the key files' Argon2id at its quick level, for the
# demo's speed; trustees keep the default (moderate).
election_id=$(json 'console.log(JSON.parse(require("fs").readFileSync(process.argv[1])).id)' "$sample")
trustee_names=("Présidente du bureau de vote" "Délégué de la liste FSU" "Déléguée de la liste UNSA")
for i in 1 2 3; do
  passphrase $i | "$cli" trustee init --election-id "$election_id" --index $i --trustees 3 --threshold 2 \
    --name "${trustee_names[$((i - 1))]}" --key-file "$ceremony/ceremony-$i.key" \
    --out "$ceremony/commitment-$i.json" --kdf interactive >/dev/null
done
for i in 1 2 3; do
  passphrase $i | "$cli" trustee shares --key-file "$ceremony/ceremony-$i.key" \
    --out "$ceremony/shares-$i.json" "$ceremony"/commitment-*.json >/dev/null
done
for i in 1 2 3; do
  passphrase $i | "$cli" trustee finish --key-file "$ceremony/ceremony-$i.key" \
    --share-key-file "$ceremony/share-$i.key" --out "$ceremony/verification-key-$i.json" \
    --kdf interactive "$ceremony"/commitment-*.json "$ceremony"/shares-*.json >/dev/null
done
"$cli" trustees combine --out "$ceremony/trustees.json" "$ceremony"/commitment-*.json \
  "$ceremony"/shares-*.json "$ceremony"/verification-key-*.json | tee "$ceremony/combine.txt"
public_key=$(sed -n 's/^public_key: //p' "$ceremony/combine.txt")

say "Setting up the sample election in $data"
server_key=$("$admin" --data-dir "$data" server-key)
json '
  const fs = require("fs");
  const m = JSON.parse(fs.readFileSync(process.argv[1], "utf8"));
  const now = Math.floor(Date.now() / 1000);
  const iso = (t) => new Date(t * 1000).toISOString().replace(/\.\d+Z$/, "Z");
  m.server_key = process.argv[2];
  m.public_key = process.argv[4];
  m.opens_at = iso(now - 3600);
  m.closes_at = iso(now + 8 * 86400);
  fs.writeFileSync(process.argv[3], JSON.stringify(m, null, 2));' "$sample" "$server_key" "$dir/manifest.json" "$public_key"
"$admin" --data-dir "$data" election import "$dir/manifest.json" "$ceremony/trustees.json" >/dev/null
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

jar=$dir/cookies
api() { # METHOD PATH [BODY]: one request with the current voter's cookie jar and CSRF token
  curl -s -b "$jar" -c "$jar" -X "$1" -H 'Content-Type: application/json' \
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

say "The other two voters activate their accounts and vote in $scrutin"
other_choice=(unsa fsu)
for i in 1 2; do
  jar=$dir/cookies-$i csrf=''
  previous=$(latest_link "${emails[$i]}")
  api POST /api/v1/account/activation-link "{\"identifier\":\"${emails[$i]}\",$(pow link)}" >/dev/null
  token=$(mailed_link "${emails[$i]}" "$previous")
  api POST /api/v1/account/activate \
    "{\"token\":\"$token\",\"password\":\"$password\",\"question\":\"Ville ?\",\"answer\":\"Lyon\"}" >/dev/null
  session=$(api POST /api/v1/session "{\"identifier\":\"${emails[$i]}\",\"password\":\"$password\",$(pow login)}")
  csrf=$(json 'console.log(JSON.parse(process.argv[1]).csrf_token)' "$session")
  "$cli" ballot create --manifest "$dir/manifest.json" --scrutin "$scrutin" \
    --choice "${other_choice[$((i - 1))]}" --code "${codes[$i]}" >"$dir/ballot-$i.json"
  json 'const r = JSON.parse(process.argv[1]); if (!r.reference) { console.log(process.argv[1]); process.exit(1); }
    console.log(process.argv[2] + ": ballot " + r.reference + " at log index " + r.log_index)' \
    "$(api POST /api/v1/ballots "$(cat "$dir/ballot-$i.json")")" "${names[$i]}"
done
"$admin" --data-dir "$data" turnout

say "The bureau de vote closes the vote (isoloir-admin close, while the server runs)"
"$admin" --data-dir "$data" close
"$cli" ballot create --manifest "$dir/manifest.json" --scrutin csa-ministeriel --choice fsu \
  --code "${codes[2]}" >"$dir/ballot-late.json"
echo "${names[2]} votes in csa-ministeriel after the close: $(api POST /api/v1/ballots "$(cat "$dir/ballot-late.json")")"

board=$dir/board record=$dir/record
rm -rf "$board" "$record" "$dir/published"
mkdir -p "$board"
say "Trustees 1 and 3 decrypt from the board's files; trustee 2 is away"
for f in manifest.json trustees.json credentials.json ballots.jsonl tree_head.json close.json aggregates.json; do
  curl -sf -o "$board/$f" "$base/api/v1/record/$f"
done
for i in 1 3; do
  passphrase $i | "$cli" trustee decrypt --share-key-file "$ceremony/share-$i.key" --board "$board" \
    --out "$ceremony/partials-$i.json"
done

say "The count: two trustees' partial decryptions combined (isoloir tally combine)"
"$cli" tally combine --board "$board" --out "$record" "$ceremony/partials-1.json" "$ceremony/partials-3.json"

say "Published on the board (isoloir-admin record publish checks it against the urn)"
"$admin" --data-dir "$data" record publish "$record" | head -1

say "Anyone checks the published record (isoloir record verify on the board's archive)"
mkdir -p "$dir/published"
curl -sf -o "$dir/published/record.tar.gz" "$base/api/v1/record/record.tar.gz"
tar -xzf "$dir/published/record.tar.gz" -C "$dir/published"
"$cli" record verify "$dir/published/$election_id-record"

say "The demo is running"
cat <<EOF
Results     $base/resultats   (counts, turnout, the record to download and to check in the browser)
Portal      $base/   (the voter pages, in French; English with ?lang=en)
  log in as   ${emails[0]}   password $password
              (the other two voters have the same password; the vote is closed)
  her ballot  $base/verifier#$local_ref
Record      $base/api/v1/record/record.tar.gz   (each file: docs/api.md, "GET /api/v1/record/FILE")
            unpacked and verified in $dir/published
Trustees    $ceremony   (key files, round files, trustees.json, partials)
            $base/depouillement   (a trustee's decryption in the browser: share-J.key from there, passphrase 'demo passphrase of trustee J')

Server      $base   (log: $dir/server.log, data: $data)
Board       $base/api/v1/board/manifest
            $base/api/v1/board/ballots
            $base/api/v1/board/turnout
Outbox      $outbox   (every mail the server sends lands here)
API         docs/api.md ("HTTP API"); the pages: docs/booth-ui.md; the end: docs/election-end.md.
EOF
if [ "$once" = 1 ]; then
  echo; echo "--once: stopping the server."
  exit 0
fi
echo; echo "Ctrl-C stops the server."
wait $server

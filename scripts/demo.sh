#!/usr/bin/env bash
# A short tour of the command-line tool on the sample election
# (examples/sample-election/manifest.json, the manifest of the protocol
# vectors): hash the manifest, make a vote code and its credential, create a
# ballot, verify it, and watch a tampered copy be refused.
#
#   bash scripts/demo.sh          (installs and builds what is missing first)
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$repo"
manifest=${ISOLOIR_DEMO_MANIFEST:-examples/sample-election/manifest.json}
scrutin=${ISOLOIR_DEMO_SCRUTIN:-capn-2d}
choice=${ISOLOIR_DEMO_CHOICE:-fsu}

bash scripts/setup.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build -j"$(nproc)" --target isoloir
isoloir=build/isoloir
[ -x "$isoloir" ] || { echo "demo: $isoloir was not built" >&2; exit 1; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
if [ -t 1 ]; then bold=$'\033[1m' plain=$'\033[0m'; else bold='' plain=''; fi
say() { printf '\n%s$ %s%s\n' "$bold" "$*" "$plain"; }

say "isoloir manifest hash $manifest"
hash=$("$isoloir" manifest hash "$manifest")
echo "$hash"
election=$(node -e 'console.log(JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")).id)' "$manifest")
echo "(election id: $election)"

say "isoloir code new"
code=$("$isoloir" code new)
echo "$code"

say "isoloir code credential --election $election $code"
"$isoloir" code credential --election "$election" "$code"

say "isoloir ballot create --manifest $manifest --scrutin $scrutin --choice $choice --code $code > ballot.json"
"$isoloir" ballot create --manifest "$manifest" --scrutin "$scrutin" --choice "$choice" --code "$code" >"$work/ballot.json"
echo "$(stat -c %s "$work/ballot.json") bytes of canonical JSON; the start:"
head -c 160 "$work/ballot.json"
echo "..."
echo "its reference, base64url(SHA-256(bytes)), computed here: $(node -e 'console.log(require("crypto").createHash("sha256").update(require("fs").readFileSync(process.argv[1])).digest("base64url"))' "$work/ballot.json")"

say "isoloir ballot verify --manifest $manifest ballot.json"
"$isoloir" ballot verify --manifest "$manifest" "$work/ballot.json"

say "isoloir ballot verify --manifest $manifest tampered.json   # one proof scalar changed"
# change the last character of the first proof's "s" value
node -e '
  const fs = require("fs");
  const b = JSON.parse(fs.readFileSync(process.argv[1], "utf8"));
  const s = b.answers[0].proof[0].s;
  b.answers[0].proof[0].s = s.slice(0, 10) + (s[10] === "A" ? "B" : "A") + s.slice(11);
  fs.writeFileSync(process.argv[2], JSON.stringify(b));' "$work/ballot.json" "$work/tampered.json"
set +e
"$isoloir" ballot verify --manifest "$manifest" "$work/tampered.json"
rc=$?
set -e
echo "(exit status $rc: refused, as it must be)"
[ "$rc" = 1 ]

printf '\nDone: the browser booth (web/booth, WebAssembly) runs the same C++ checks.\n'

#!/usr/bin/env bash
# Builds and runs the libFuzzer targets of tests/fuzz (docs/fuzzing.md) with
# ASan + UBSan, in build-asan/ (the same build the asan stage of
# scripts/test.sh tests). Each target starts from its seeds (made from
# ../shared/vectors by tests/fuzz/seeds.mjs) plus its kept corpus.
#
#   bash scripts/fuzz.sh                  every target for FUZZ_SECONDS (default 20) each
#   bash scripts/fuzz.sh --runs N [T...]  until N executions each (the long run)
#   bash scripts/fuzz.sh --no-build ...   use build-asan as it is
#
# Targets default to all. The corpus grows under $ISOLOIR_CACHE/fuzz/<target>
# (default ~/.cache/isoloir), so that a CI run starts where the last one
# stopped; crashes are written to test-results/fuzz/<target>/ and fail the
# run (FUZZ_RESULTS overrides that directory). A summary line per target:
# executions, rate, corpus size, result.
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$repo"
vectors=${ISOLOIR_VECTORS_DIR:-$(cd "$repo/.." && pwd)/shared/vectors}
cache=${ISOLOIR_CACHE:-$HOME/.cache/isoloir}/fuzz
results=${FUZZ_RESULTS:-$repo/test-results/fuzz}
seconds=${FUZZ_SECONDS:-20}
runs=""
build=1
targets=()
while [ $# -gt 0 ]; do
  case $1 in
    --runs) runs=$2; shift 2 ;;
    --no-build) build=0; shift ;;
    -*) echo "usage: bash scripts/fuzz.sh [--runs N] [--no-build] [TARGET...]" >&2; exit 2 ;;
    *) targets+=("$1"); shift ;;
  esac
done
all=(canonical_json base64url manifest ballot receipt trustees record voter_csv server_config
  id_token mail http_request closing)
[ ${#targets[@]} -gt 0 ] || targets=("${all[@]}")

if [ "$build" = 1 ]; then
  bash scripts/sanitize-build.sh asan
fi

mkdir -p "$results" "$cache"
seeds=$(mktemp -d)
trap 'rm -rf "$seeds"' EXIT
node tests/fuzz/seeds.mjs "$vectors" "$seeds"
# A small valid record of our own (two voters, two trustees): the vectors'
# 50-ballot record makes every input that parses cost all its proofs.
if [ -x build-asan/isoloir-synth-record ]; then
  build-asan/isoloir-synth-record --out "$seeds/synthetic" --voters 2 --options 2 \
    --trustees 2 --threshold 1 --threads 1 >/dev/null
  sep=$'\n--isoloir-record--\n'
  first=1
  for f in manifest.json trustees.json credentials.json ballots.jsonl tree_head.json \
    tally.json results.json; do
    [ "$first" = 1 ] || printf '%s' "$sep"
    cat "$seeds/synthetic/$f"
    first=0
  done >"$seeds/record/synthetic-2-voters"
  rm -rf "$seeds/synthetic"
fi

# A finding stops the target: ASan's and UBSan's reports abort
# (-fno-sanitize-recover), leaks are reported.
# shellcheck source=../tests/sanitizers/env.sh
source tests/sanitizers/env.sh

failed=0
printf '%-16s %12s %10s %8s  %s\n' target executions exec/s corpus result >"$results/summary.txt"
for t in "${targets[@]}"; do
  bin="build-asan/fuzz_$t"
  [ -x "$bin" ] || { echo "no $bin" >&2; failed=1; continue; }
  corpus="$cache/$t"
  out="$results/$t"
  mkdir -p "$corpus" "$out"
  limit=(-max_total_time="$seconds")
  [ -n "$runs" ] && limit=(-runs="$runs")
  # libFuzzer's own -max_len (the largest seed, at least 4096 bytes): the
  # parsers' size bounds are tested by the unit tests, here the structure.
  log="$out/fuzz.log"
  t0=$SECONDS
  set +e
  "$bin" "${limit[@]}" -rss_limit_mb=4096 -timeout=25 -print_final_stats=1 \
    -artifact_prefix="$out/" "$corpus" "$seeds/$t" >"$log" 2>&1
  rc=$?
  set -e
  dt=$((SECONDS - t0))
  execs=$(grep -E '^stat::number_of_executed_units' "$log" | awk '{print $2}' | tail -n 1)
  execs=${execs:-0}
  size=$(find "$corpus" -type f | wc -l)
  if [ "$rc" = 0 ]; then result=ok; else result="FAILED (exit $rc, $log)"; failed=1; fi
  rate=$((dt > 0 ? execs / dt : execs))
  printf '%-16s %12s %10s %8s  %s\n' "$t" "$execs" "$rate" "$size" "$result" | tee -a "$results/summary.txt"
  if [ "$rc" != 0 ]; then
    grep -E 'ERROR|SUMMARY|property failed|runtime error|Test unit written' "$log" | head -n 20 >&2 || true
  fi
done
cat "$results/summary.txt"
exit $failed

#!/usr/bin/env bash
# THE test command (CI runs it through .ci/run): installs what is missing
# (scripts/setup.sh), builds the core natively (build/, Release) and runs
# ctest, builds the wasm modules (build-wasm/), runs the Jest suites (vectors
# on the wasm build, the npm package, cross-checks with the native CLI) and the
# browser test in Debian's Chromium; then the native suite again under ASan +
# UBSan (build-asan/), the server's libraries and tests under TSan
# (build-tsan/), and every fuzz target briefly (scripts/fuzz.sh). Every stage runs even if an earlier
# independent one failed; a summary closes the run, and the exit status is
# non-zero if anything failed.
#
# Environment: ISOLOIR_VECTORS_DIR (default ../shared/vectors), ISOLOIR_CACHE
# (wasm libsodium cache, default ~/.cache/isoloir), JOBS (default nproc).
# ISOLOIR_PG_URL and ISOLOIR_REQUIRE_PG are set here (scripts/pg.sh).
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$repo"
jobs=${JOBS:-$(nproc)}
results="$repo/test-results"
mkdir -p "$results"
export ISOLOIR_VECTORS_DIR=${ISOLOIR_VECTORS_DIR:-$(cd "$repo/.." && pwd)/shared/vectors}
export NODE_PATH=/usr/share/nodejs # acorn for emcc links run outside CMake's launcher

declare -a summary=()
failed_stages=0
tests_passed=0
tests_failed=0
declare -A stage_ok=()

# stage NAME COMMAND...: runs COMMAND with its output shown and kept in
# test-results/NAME.log; records status and time; never aborts the script.
stage() {
  local name=$1
  shift
  local t0=$SECONDS rc=0
  printf '\n==== %s ====\n' "$name"
  set +e
  (set -e; "$@") 2>&1 | tee "$results/$name.log"
  rc=${PIPESTATUS[0]}
  set -e
  local dt=$((SECONDS - t0))
  if [ "$rc" = 0 ]; then
    stage_ok[$name]=1
    summary+=("$(printf '  %-8s %-14s %5ss' PASS "$name" "$dt")")
  else
    failed_stages=$((failed_stages + 1))
    summary+=("$(printf '  %-8s %-14s %5ss  (exit %s, log: test-results/%s.log)' FAIL "$name" "$dt" "$rc" "$name")")
  fi
  return 0
}

skip() { # NAME REASON
  failed_stages=$((failed_stages + 1))
  tests_failed=$((tests_failed + 1))
  summary+=("$(printf '  %-8s %-14s         (%s)' SKIPPED "$1" "$2")")
}

ok() { [ "${stage_ok[$1]:-}" = 1 ]; }

# Test counts, read from each runner's own report; a runner that failed
# without reporting counts as one failure.
count() { # NAME PASSED FAILED
  if [ -n "$2" ] && [ -n "$3" ]; then
    tests_passed=$((tests_passed + $2))
    tests_failed=$((tests_failed + $3))
  elif ! ok "$1"; then
    tests_failed=$((tests_failed + 1))
  fi
}

# ---------------------------------------------------------------------------
stage setup bash scripts/setup.sh
sodium_prefix=$(bash scripts/build-libsodium-wasm.sh --check 2>/dev/null || true)

native_configure() {
  cmake -S . -B build -DCMAKE_BUILD_TYPE=Release -DISOLOIR_VECTORS_DIR="$ISOLOIR_VECTORS_DIR"
  cmake --build build -j"$jobs"
}
stage native-build native_configure

# A throw-away PostgreSQL (scripts/pg.sh) for the storage suites that run on
# both backends, here and in the sanitizer stages, stopped on exit. Required:
# without it those suites fail rather than skip.
if pg_env=$(bash scripts/pg.sh start); then
  eval "$pg_env"
  trap 'bash scripts/pg.sh stop || true' EXIT
else
  echo "PostgreSQL did not start: the PostgreSQL tests will fail" >&2
fi
export ISOLOIR_REQUIRE_PG=1

if ok native-build; then
  stage ctest ctest --test-dir build --output-on-failure -j"$jobs"
  line=$(grep -E '^[0-9]+% tests passed, [0-9]+ tests? failed out of [0-9]+' "$results/ctest.log" | tail -n 1 || true)
  if [ -n "$line" ]; then
    f=$(sed -E 's/.* ([0-9]+) tests? failed out of.*/\1/' <<<"$line")
    t=$(sed -E 's/.* out of ([0-9]+).*/\1/' <<<"$line")
    count ctest $((t - f)) "$f"
  else
    count ctest "" ""
  fi
else
  skip ctest "native build failed"
fi

if ok native-build; then
  stage lint bash scripts/lint.sh build
  count lint "$(ok lint && echo 1 || echo 0)" "$(ok lint && echo 0 || echo 1)"
else
  skip lint "native build failed"
fi

# ctest's summary line into the counts (ctest_count STAGE).
ctest_count() {
  local line f t
  line=$(grep -E '^[0-9]+% tests passed, [0-9]+ tests? failed out of [0-9]+' "$results/$1.log" | tail -n 1 || true)
  if [ -n "$line" ]; then
    f=$(sed -E 's/.* ([0-9]+) tests? failed out of.*/\1/' <<<"$line")
    t=$(sed -E 's/.* out of ([0-9]+).*/\1/' <<<"$line")
    count "$1" $((t - f)) "$f"
  else
    count "$1" "" ""
  fi
}

# The whole native suite under ASan + UBSan, the server and tools it starts
# included; every finding aborts (tests/sanitizers/env.sh).
asan_run() {
  bash scripts/sanitize-build.sh asan
  # shellcheck source=../tests/sanitizers/env.sh
  source tests/sanitizers/env.sh
  ctest --test-dir build-asan --output-on-failure -j"$jobs" --timeout 900
}
stage asan asan_run
ctest_count asan

# The storage, mail and HTTP suites under TSan: their concurrency tests
# (concurrent casts, throttles, outbox, the transport's threads) and the
# server they start, built the same way. Only those targets are built, so
# ctest's placeholders for the others are left out.
tsan_run() {
  bash scripts/sanitize-build.sh tsan
  # shellcheck source=../tests/sanitizers/env.sh
  source tests/sanitizers/env.sh
  ctest --test-dir build-tsan --output-on-failure -j"$jobs" --timeout 900 -E '_NOT_BUILT$'
}
stage tsan tsan_run
ctest_count tsan

# Every fuzz target for FUZZ_SECONDS (20 s) from its seeds and the corpus
# kept in the cache; the long runs are docs/fuzzing.md's.
if ok asan; then
  stage fuzz bash scripts/fuzz.sh --no-build
  fp=$(grep -cE ' ok$' "$results/fuzz/summary.txt" 2>/dev/null || true)
  ff=$(grep -c 'FAILED' "$results/fuzz/summary.txt" 2>/dev/null || true)
  count fuzz "${fp:-}" "${ff:-}"
else
  skip fuzz "asan build failed"
fi

wasm_build() {
  if [ -z "$sodium_prefix" ]; then
    echo "no valid wasm libsodium cache: scripts/setup.sh failed?" >&2
    return 1
  fi
  emcmake cmake -S . -B build-wasm -DCMAKE_BUILD_TYPE=Release -DSODIUM_WASM_PREFIX="$sodium_prefix"
  cmake --build build-wasm -j"$jobs"
  ls -l build-wasm/*.mjs build-wasm/*.wasm web/booth/wasm/
}
stage wasm-build wasm_build

# The CLI is part of the native build once tools/ defines it: then the
# cross-checks must run, not skip.
export ISOLOIR_CLI="$repo/build/isoloir"
if [ -f tools/tools.cmake ]; then export ISOLOIR_REQUIRE_CLI=1; fi

if ok wasm-build; then
  jest_run() {
    NODE_OPTIONS=--experimental-vm-modules npx --no-install jest --config jest.config.cjs --ci \
      --json --outputFile="$results/jest.json"
  }
  rm -f "$results/jest.json"
  stage jest jest_run
  if [ -f "$results/jest.json" ]; then
    p='' f=''
    read -r p f < <(node -e 'const r = require(process.argv[1]); console.log(r.numPassedTests, r.numFailedTests + r.numRuntimeErrorTestSuites)' "$results/jest.json") || true
    count jest "$p" "$f"
  else
    count jest "" ""
  fi
  rm -f "$results/jest.json"

  stage browser node tests/browser/run.mjs
  line=$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$results/browser.log" | tail -n 1 || true)
  if [ -n "$line" ]; then
    count browser "$(cut -d' ' -f1 <<<"$line")" "$(cut -d' ' -f3 <<<"$line")"
  else
    count browser "" ""
  fi
else
  skip jest "wasm build failed"
  skip browser "wasm build failed"
fi

# ---------------------------------------------------------------------------
printf '\n==== summary ====\n'
printf '%s\n' "${summary[@]}"
for f in build-wasm/isoloir_booth.wasm build-wasm/isoloir_booth.mjs build-wasm/isoloir_booth_simd.wasm build-wasm/isoloir_booth_simd.mjs build-wasm/isoloir_verifier.wasm build-wasm/isoloir_verifier.mjs; do
  [ -f "$f" ] && printf '  %-32s %9s bytes (gzip -9: %s)\n' "$f" "$(stat -c %s "$f")" "$(gzip -9c "$f" | wc -c)"
done
printf '  total %ss; logs and screenshot in test-results/\n' "$SECONDS"
if [ "$failed_stages" = 0 ]; then
  echo "  ALL STAGES PASSED"
else
  echo "  $failed_stages STAGE(S) FAILED"
fi
echo "tests: $tests_passed passed, $tests_failed failed"
[ "$failed_stages" = 0 ]

#!/usr/bin/env bash
# Configures and builds the native tree with clang 14 and sanitizers:
#   bash scripts/sanitize-build.sh asan   build-asan/: ASan + UBSan and libFuzzer's
#                                         coverage, the fuzz targets included
#   bash scripts/sanitize-build.sh tsan   build-tsan/: TSan, the server's
#                                         libraries, programs and tests only
# Every finding aborts the program (CMakeLists.txt, ISOLOIR_SANITIZE).
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$repo"
jobs=${JOBS:-$(nproc)}
vectors=${ISOLOIR_VECTORS_DIR:-$(cd "$repo/.." && pwd)/shared/vectors}
export CC=clang-14 CXX=clang++-14
# -O1: quick to build, still fast enough to test and fuzz.
common=(-DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_FLAGS_RELWITHDEBINFO=-O1
  -DCMAKE_C_FLAGS_RELWITHDEBINFO=-O1 -DISOLOIR_VECTORS_DIR="$vectors")
case ${1:-} in
  asan)
    cmake -S . -B build-asan "${common[@]}" -DISOLOIR_SANITIZE=address,undefined -DISOLOIR_FUZZ=ON
    cmake --build build-asan -j"$jobs"
    ;;
  tsan)
    cmake -S . -B build-tsan "${common[@]}" -DISOLOIR_SANITIZE=thread
    cmake --build build-tsan -j"$jobs" --target isoloir_urn_tests isoloir_http_tests \
      isoloir_mail_tests isoloir-server isoloir-admin
    ;;
  *) echo "usage: bash scripts/sanitize-build.sh asan|tsan" >&2; exit 2 ;;
esac

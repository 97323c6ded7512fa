#!/usr/bin/env bash
# Style and static checks, warnings as errors: clang-format on every C++ file
# the repo tracks, clang-tidy (.clang-tidy) on the core, the wasm bindings and
# the tools. Needs a configured native build for compile_commands.json.
#   bash scripts/lint.sh [BUILD_DIR]     (default: build)
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$repo"
build=${1:-build}

mapfile -t cxx < <(git ls-files '*.cpp' '*.h')
echo "clang-format: ${#cxx[@]} files"
# A failing `git ls-files` (no git, not a work tree) is invisible through
# mapfile: an empty list would pass clang-format and hand clang-tidy nothing.
[ "${#cxx[@]}" -gt 0 ] || { echo "lint: git ls-files found no C++ files (is git installed?)" >&2; exit 1; }
clang-format --dry-run --Werror "${cxx[@]}"

[ -f "$build/compile_commands.json" ] || { echo "lint: no $build/compile_commands.json; configure the native build first" >&2; exit 1; }
mapfile -t tidy < <(git ls-files 'src/*.cpp' 'tools/*.cpp' 'server/src/*.cpp')
echo "clang-tidy: ${#tidy[@]} files"
# One process per file, two at a time: clang-tidy is single-threaded.
# Its "N warnings generated." lines count suppressed system-header warnings: noise.
printf '%s\n' "${tidy[@]}" | xargs -P "${JOBS:-$(nproc)}" -n 1 clang-tidy -p "$build" --quiet 2>&1 |
  sed '/warnings\{0,1\} generated\.$/d'
echo "lint: clean"

#!/usr/bin/env bash
# libsodium's internal group header (sodium/private/ed25519_ref10.h and the
# headers it includes) and the source of its group operations
# (ref10/ed25519_ref10.c and the fe_51/fe_25_5 headers it includes) from
# Debian's own source package - the same version as the installed
# libsodium-dev, whose static libsodium.a the native build links and whose
# source the wasm build compiles - into a cache outside the repo:
#
#   ${ISOLOIR_CACHE:-$HOME/.cache/isoloir}/libsodium-private-<debian source version>
#
# and prints that directory (alone, on stdout). With it and its sodium/
# subdirectory on the include path, `#include <sodium/private/ed25519_ref10.h>`
# works (the header includes "private/common.h" and "utils.h" from there: the
# utils.h and export.h beside it are the source's own copies). The
# core's group code (src/group.h) calls libsodium's ge25519 functions on its
# internal point type instead of encoding and decoding a point around every
# operation (issue 11); it never writes field arithmetic of its own.
# src/ge25519_ref10.c compiles ref10/ed25519_ref10.c once more under other
# names, to reach the operations libsodium keeps static (the p2 doubling,
# ge25519_cmov8_cached).
#
# Usage: libsodium-private.sh          fetch if needed, print the directory
#        libsodium-private.sh --check  print the directory if the cache is valid, else exit 1
# Needs: dpkg-dev and deb-src enabled (scripts/setup.sh does both).
set -euo pipefail

log() { printf '[libsodium-private] %s\n' "$*" >&2; }

cache=${ISOLOIR_CACHE:-$HOME/.cache/isoloir}
version=$(dpkg-query -W -f='${source:Version}' libsodium-dev 2>/dev/null || true)
if [ -z "$version" ]; then
  log "libsodium-dev is not installed: run scripts/setup.sh"
  exit 1
fi
version=${version#*:}
dir="$cache/libsodium-private-$version"
headers=(private/ed25519_ref10.h private/ed25519_ref10_fe_25_5.h private/ed25519_ref10_fe_51.h
  private/common.h utils.h export.h crypto_verify_32.h)
ref10=crypto_core/ed25519/ref10
sources=(ed25519_ref10.c fe_51/base.h fe_51/base2.h fe_51/constants.h fe_51/fe.h
  fe_25_5/base.h fe_25_5/base2.h fe_25_5/constants.h fe_25_5/fe.h)

valid() {
  [ -f "$dir/isoloir-stamp" ] || return 1
  for h in "${headers[@]}"; do [ -f "$dir/sodium/$h" ] || return 1; done
  for f in "${sources[@]}"; do [ -f "$dir/ref10/$f" ] || return 1; done
}

if [ "${1:-}" = "--check" ]; then
  valid && { echo "$dir"; exit 0; }
  exit 1
fi

mkdir -p "$cache"
exec 9>"$cache/.libsodium-private.lock"
flock 9
if valid; then
  echo "$dir"
  exit 0
fi
rm -rf "$cache"/.tmp-libsodium-private-*
tmp=$(mktemp -d "$cache/.tmp-libsodium-private-XXXXXX")
trap 'rm -rf "$tmp"' EXIT
log "fetching Debian source libsodium=$version"
# Extracted with Debian's patches: libsodium.a is built from the patched tree.
(cd "$tmp" && apt-get source -q "libsodium=$version" >&2) ||
  { log "apt-get source libsodium=$version failed (deb-src enabled? run scripts/setup.sh)"; exit 1; }
srcdir=$(find "$tmp" -mindepth 1 -maxdepth 1 -type d -name 'libsodium-*' | head -n 1)
[ -n "$srcdir" ] || { log "apt-get source produced no libsodium-* directory"; exit 1; }
mkdir -p "$tmp/out/sodium/private" "$tmp/out/ref10/fe_51" "$tmp/out/ref10/fe_25_5"
for h in "${headers[@]}"; do
  cp "$srcdir/src/libsodium/include/sodium/$h" "$tmp/out/sodium/$h"
done
for f in "${sources[@]}"; do
  cp "$srcdir/src/libsodium/$ref10/$f" "$tmp/out/ref10/$f"
done
echo "debian source libsodium $version" >"$tmp/out/isoloir-stamp"
rm -rf "$dir"
mv "$tmp/out" "$dir"
log "headers and ref10 source in $dir"
echo "$dir"

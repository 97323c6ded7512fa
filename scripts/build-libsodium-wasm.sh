#!/usr/bin/env bash
# Builds libsodium for wasm32 (static, full API incl. ristretto255) from
# Debian's own source package - the same version and patches as the native
# libsodium-dev - with Debian's emscripten 3.1.6, into a cache outside the repo:
#
#   ${ISOLOIR_CACHE:-$HOME/.cache/isoloir}/libsodium-wasm-<debian source version>
#
# twice from the same source: lib/libsodium.a for plain WebAssembly, and
# simd/libsodium.a compiled with -msimd128 for the booth's SIMD module
# (wasm/wasm.cmake; the compiler's vectorised loops make verification about
# 5 % faster there, issue 11). Prints that prefix (alone, on stdout). A
# second run finds the stamp and costs nothing. The build happens in a temporary directory and the prefix is
# renamed into place only once it is complete and checked, so an interrupted
# build never leaves a cache that looks valid.
#
# Usage: build-libsodium-wasm.sh          build if needed, print the prefix
#        build-libsodium-wasm.sh --check  print the prefix if the cache is valid, else exit 1
# Needs: emscripten, autoconf automake libtool make dpkg-dev, deb-src enabled
# (scripts/setup.sh does all that). Flags: ../shared/TOOLCHAIN.md section 2.
set -euo pipefail

log() { printf '[libsodium-wasm] %s\n' "$*" >&2; }

cache=${ISOLOIR_CACHE:-$HOME/.cache/isoloir}
# Everything that shapes the library; a change here invalidates the cache.
configure_flags=(--host=wasm32-unknown-emscripten --disable-shared --enable-static
  --without-pthreads --disable-ssp --disable-asm --disable-pie)
cflags="-O3"
simd_cflags="-O3 -msimd128"
ldflags="-O0" # only speeds up configure's link tests; libsodium.a is byte-identical
recipe="emscripten=$(dpkg-query -W -f='${Version}' emscripten 2>/dev/null || echo none) configure=${configure_flags[*]} CFLAGS=$cflags SIMD_CFLAGS=$simd_cflags LDFLAGS=$ldflags"
required_symbols=(crypto_core_ristretto255_from_hash crypto_core_ristretto255_is_valid_point
  crypto_core_ristretto255_scalar_reduce crypto_scalarmult_ristretto255
  crypto_scalarmult_ristretto255_base crypto_core_ed25519_is_valid_point
  crypto_sign_seed_keypair crypto_sign_detached crypto_hash_sha512 crypto_hash_sha256)

# The version to build: the one the native build links (libsodium-dev's source
# version), so that native and wasm run the same code. Known without apt lists.
version=$(dpkg-query -W -f='${source:Version}' libsodium-dev 2>/dev/null || true)
if [ -z "$version" ]; then
  log "libsodium-dev is not installed: run scripts/setup.sh"
  exit 1
fi
version=${version#*:} # drop an epoch, if any
prefix="$cache/libsodium-wasm-$version"
stamp="$prefix/isoloir-stamp"

valid() {
  [ -f "$stamp" ] && [ -f "$prefix/lib/libsodium.a" ] && [ -f "$prefix/lib/pkgconfig/libsodium.pc" ] &&
    [ -f "$prefix/simd/libsodium.a" ] &&
    [ "$(sed -n 1p "$stamp")" = "$recipe" ] &&
    [ "$(sed -n 2p "$stamp")" = "$(sha256sum <"$prefix/lib/libsodium.a" | cut -d' ' -f1)" ] &&
    [ "$(sed -n 3p "$stamp")" = "$(sha256sum <"$prefix/simd/libsodium.a" | cut -d' ' -f1)" ]
}

if [ "${1:-}" = "--check" ]; then
  valid && { echo "$prefix"; exit 0; }
  exit 1
fi

mkdir -p "$cache"
# One builder at a time per cache; a second caller waits, then finds the stamp.
exec 9>"$cache/.libsodium-wasm.lock"
flock 9
if valid; then
  log "cache valid: $prefix"
  echo "$prefix"
  exit 0
fi

# Holding the lock, any temporary directory left is an interrupted build's.
rm -rf "$cache"/.tmp-libsodium-wasm-*

t0=$SECONDS
export NODE_PATH=/usr/share/nodejs # emcc -O2+ links need acorn (TOOLCHAIN.md section 1)
tmp=$(mktemp -d "$cache/.tmp-libsodium-wasm-XXXXXX")
trap 'rm -rf "$tmp"' EXIT

log "fetching Debian source libsodium=$version into $tmp"
(
  cd "$tmp"
  if ! apt-get source -q "libsodium=$version" >&2; then
    log "libsodium=$version not downloadable; fetching the current source version"
    apt-get source -q libsodium >&2
  fi
)
srcdir=$(find "$tmp" -mindepth 1 -maxdepth 1 -type d -name 'libsodium-*' | head -n 1)
[ -n "$srcdir" ] || { log "apt-get source produced no libsodium-* directory (deb-src enabled?)"; exit 1; }
got=$(dpkg-parsechangelog -l "$srcdir/debian/changelog" -S Version)
got=${got#*:}
if [ "$got" != "$version" ]; then
  log "built version is $got, not $version"
  version=$got
  prefix="$cache/libsodium-wasm-$version"
  stamp="$prefix/isoloir-stamp"
fi

log "autogen"
(cd "$srcdir" && DO_NOT_UPDATE_CONFIG_SCRIPTS=1 ./autogen.sh >&2)

# build <directory> <cflags> <stage>: configure, make and install one flavour.
build() {
  mkdir "$srcdir/$1"
  (
    cd "$srcdir/$1"
    log "configure in $1 (emconfigure; CFLAGS=$2 LDFLAGS=$ldflags)"
    emconfigure ../configure --prefix="$prefix" "${configure_flags[@]}" CFLAGS="$2" LDFLAGS="$ldflags" >&2
    # Not the minimal build: it drops the whole ristretto255 API.
    grep -q "^MINIMAL_TRUE='#'" config.log || { log "configure selected the minimal build"; exit 1; }
    log "make -j$(nproc) in $1"
    emmake make -j"$(nproc)" >&2
    emmake make install DESTDIR="$3" >&2
  )
}

check_symbols() {
  llvm-nm-14 --defined-only "$1" >"$tmp/symbols.txt" 2>/dev/null
  for sym in "${required_symbols[@]}"; do
    grep -q " T $sym\$" "$tmp/symbols.txt" || { log "missing symbol $sym in $1"; exit 1; }
  done
}

build build-wasm "$cflags" "$tmp/stage"
build build-wasm-simd "$simd_cflags" "$tmp/stage-simd"
staged="$tmp/stage$prefix"
mkdir "$staged/simd"
cp "$tmp/stage-simd$prefix/lib/libsodium.a" "$staged/simd/libsodium.a"
check_symbols "$staged/lib/libsodium.a"
check_symbols "$staged/simd/libsodium.a"
log "symbols present in both: ${required_symbols[*]}"

{
  echo "$recipe"
  sha256sum <"$staged/lib/libsodium.a" | cut -d' ' -f1
  sha256sum <"$staged/simd/libsodium.a" | cut -d' ' -f1
  echo "debian source libsodium $version, built $(date -u +%Y-%m-%dT%H:%M:%SZ) in $((SECONDS - t0)) s"
} >"$staged/isoloir-stamp"

# Atomic: replace any stale prefix only now that the new one is complete.
if [ -e "$prefix" ]; then
  mv "$prefix" "$tmp/old-prefix"
fi
mv "$staged" "$prefix"
log "built in $((SECONDS - t0)) s: $prefix ($(stat -c %s "$prefix/lib/libsodium.a") bytes libsodium.a)"
echo "$prefix"

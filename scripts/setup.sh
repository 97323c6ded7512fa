#!/usr/bin/env bash
# Installs everything Isoloir needs on a fresh Debian 12 (bookworm) machine, as
# root: the native and wasm toolchains (Debian's emscripten 3.1.6), libraries,
# Chromium for the browser test, libsodium built for wasm32 (cached outside the
# repo), and the npm dev dependencies.
#
# Idempotent and cheap on a second run: apt is skipped entirely when every
# package is already installed, the libsodium build when its cache is valid,
# and npm when node_modules matches package-lock.json.
#
# Environment: ISOLOIR_CACHE (default ~/.cache/isoloir) holds the wasm libsodium.
# See ../shared/TOOLCHAIN.md for why each flag is there.
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
log() { printf '[setup] %s\n' "$*" >&2; }
t0=$SECONDS

export DEBIAN_FRONTEND=noninteractive
APT=(apt-get -o DPkg::Lock::Timeout=900)

# Package groups and how each is installed (TOOLCHAIN.md section 1).
# emscripten: without recommends (it is fine with the image's nodesource nodejs).
pkgs_emscripten=(emscripten)
# build tools and libraries: never upgrade what the image already has.
# git: scripts/lint.sh lists the files to check with `git ls-files`, and a
# fresh Debian 12 (minimal or container image) has no git. curl: the demo
# talks to the server with it.
# libcairo2-dev, fonts-dejavu-core, poppler-utils: `isoloir codes issue`'s PDF notices, its test's pdftotext.
# libssl-dev: OpenSSL 3's libcrypto for the ID tokens' RS256 and ES256 (FranceConnect).
# libarchive-dev: the published election record as one .tar.gz (docs/election-end.md).
# postgresql, libpqxx-dev: the PostgreSQL backend of the storage (libpqxx 6,
# server/src/db/pg.h) and the throw-away PostgreSQL 15 the tests run it against
# (scripts/pg.sh), not the cluster Debian's package makes.
pkgs_build=(autoconf automake libtool make pkg-config cmake g++ dpkg-dev git
  libsodium-dev nlohmann-json3-dev libgtest-dev libbenchmark-dev clang-format clang-tidy
  libcpp-httplib-dev libboost-dev libsqlite3-dev libcurl4-openssl-dev libssl-dev valgrind curl
  libcairo2-dev fonts-dejavu-core poppler-utils libarchive-dev postgresql libpqxx-dev)
# clang-14, libfuzzer-14-dev, libclang-rt-14-dev: the fuzz targets (libFuzzer)
# and the asan (ASan + UBSan) and tsan stages of scripts/test.sh.
pkgs_build+=(clang-14 libfuzzer-14-dev libclang-rt-14-dev)
# nginx: deploy/nginx's reverse proxy, which the browser stage runs in front
# of the server (tests/browser/nginx.spec.mjs) from a temporary prefix; the
# test never uses the system instance the package may start.
pkgs_build+=(nginx)
# chromium: with its recommends (fonts, as tested); playwright-core drives it.
pkgs_chromium=(chromium)

installed() { # pkg -> 0 when fully installed
  [ "$(dpkg-query -W -f='${db:Status-Abbrev}' "$1" 2>/dev/null)" = "ii " ]
}
missing=()
for p in "${pkgs_emscripten[@]}" "${pkgs_build[@]}" "${pkgs_chromium[@]}"; do
  installed "$p" || missing+=("$p")
done
have_node=1
command -v node >/dev/null && command -v npm >/dev/null || have_node=0

# deb-src is needed only to fetch libsodium's source package.
deb822=/etc/apt/sources.list.d/debian.sources
debsrc_enabled() {
  if [ -f "$deb822" ]; then
    grep -Eq '^Types:.*deb-src' "$deb822"
  else
    grep -Eqs '^deb-src ' /etc/apt/sources.list /etc/apt/sources.list.d/*.list
  fi
}
enable_debsrc() {
  if [ -f "$deb822" ]; then
    sed -i 's/^Types: deb$/Types: deb deb-src/' "$deb822"
  elif [ -f /etc/apt/sources.list ]; then
    # one-line format: add a deb-src twin of every Debian deb line
    sed -n 's/^deb \(.*debian.*\)$/deb-src \1/p' /etc/apt/sources.list >/etc/apt/sources.list.d/isoloir-deb-src.list
  fi
  debsrc_enabled || { log "could not enable deb-src (no $deb822, no /etc/apt/sources.list)"; exit 1; }
}

sodium_ok=0
if installed libsodium-dev && bash "$repo/scripts/build-libsodium-wasm.sh" --check >/dev/null 2>&1 &&
  bash "$repo/scripts/libsodium-private.sh" --check >/dev/null 2>&1; then
  sodium_ok=1
fi

apt_updated=0
apt_update() {
  if [ "$(id -u)" != 0 ]; then
    log "must run as root to install: ${missing[*]:-deb-src lists}"
    exit 1
  fi
  "${APT[@]}" update
  apt_updated=1
}

if [ ${#missing[@]} -eq 0 ] && [ $have_node = 1 ]; then
  log "apt: all packages already installed, skipped"
else
  log "apt: installing ${missing[*]:-} $([ $have_node = 1 ] || echo nodejs npm)"
  # enable deb-src now so that one update serves both installs and apt-get source
  [ $sodium_ok = 1 ] || debsrc_enabled || enable_debsrc
  apt_update
  if [ $have_node = 0 ]; then
    # A fresh machine without nodesource: Debian's nodejs 18 + npm 9. Jest 30
    # runs on Node >= 18.14; playwright-core is pinned in package.json to
    # 1.61.1, its last release for Node 18 (1.62 and later exit at once on
    # Node < 20, and Debian 12 has no newer nodejs).
    "${APT[@]}" install -y --no-install-recommends --no-upgrade nodejs npm
  fi
  "${APT[@]}" install -y --no-install-recommends "${pkgs_emscripten[@]}"
  "${APT[@]}" install -y --no-install-recommends --no-upgrade "${pkgs_build[@]}"
  "${APT[@]}" install -y --no-upgrade "${pkgs_chromium[@]}"
fi

# libsodium for wasm32 and libsodium's internal group header, from Debian's
# source package (cached outside the repo).
if [ $sodium_ok = 1 ]; then
  log "libsodium-wasm: cache valid, skipped"
else
  if ! debsrc_enabled; then
    enable_debsrc
    apt_update
  elif [ $apt_updated = 0 ] && [ -z "$(apt-cache showsrc libsodium 2>/dev/null | head -n 1)" ]; then
    apt_update # deb-src configured but its lists were never fetched
  fi
  bash "$repo/scripts/build-libsodium-wasm.sh" >/dev/null
  bash "$repo/scripts/libsodium-private.sh" >/dev/null
fi
log "libsodium-wasm: $(bash "$repo/scripts/build-libsodium-wasm.sh" --check)"
log "libsodium-private: $(bash "$repo/scripts/libsodium-private.sh" --check)"

# npm dev dependencies (jest, playwright-core: no browser download, Debian's chromium is used).
cd "$repo"
if [ -f package.json ]; then
  lock=package-lock.json
  [ -f "$lock" ] || lock=package.json
  want=$(cat package.json "$lock" | sha256sum | cut -d' ' -f1)
  stamp=node_modules/.isoloir-stamp
  if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
    log "npm: node_modules up to date, skipped"
  else
    if [ -f package-lock.json ]; then
      # The registry reachable here serves no other platform's optional
      # binaries (e.g. @unrs/resolver-binding-darwin-*), so the lock cannot
      # list them and `npm ci` may call it out of sync: then install from the
      # lock with `npm install --no-save`, which keeps its pinned versions.
      npm_log=$(mktemp)
      if ! npm ci --no-audit --no-fund --loglevel=error >"$npm_log" 2>&1; then
        if grep -q 'EUSAGE' "$npm_log"; then
          log "npm: npm ci refused the lock (optional packages of other platforms); npm install --no-save"
          npm install --no-save --no-audit --no-fund --loglevel=error
        else
          cat "$npm_log" >&2
          rm -f "$npm_log"
          exit 1
        fi
      fi
      rm -f "$npm_log"
    else
      npm install --no-audit --no-fund --loglevel=error
    fi
    want=$(cat package.json "$lock" | sha256sum | cut -d' ' -f1)
    echo "$want" >"$stamp"
  fi
fi

log "done in $((SECONDS - t0)) s"

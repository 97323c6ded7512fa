#include "isoloir/random.h"

#include <sodium.h>

#include <array>
#include <cstdlib>
#include <cstring>
#include <span>

#ifdef __EMSCRIPTEN__
#include <emscripten.h>

// libsodium's wasm randombytes asks JavaScript for 4 bytes per call; this
// asks WebCrypto (browser or Node) for up to 64 KiB at once.
// clang-format off
EM_JS(int, isoloir_js_random, (uint8_t* out, size_t len), {
  const c = globalThis.crypto;
  if (!c || !c.getRandomValues) return -1;
  for (let off = 0; off < len; off += 65536) {
    const n = Math.min(65536, len - off);
    c.getRandomValues(HEAPU8.subarray(out + off, out + off + n));
  }
  return 0;
});
// clang-format on
#endif

namespace isoloir {

void ensure_sodium() {
  static const bool ready = [] {
    if (sodium_init() < 0) std::abort();  // no entropy source: nothing safe can be done
    return true;
  }();
  (void)ready;
}

void random_bytes(std::span<uint8_t> out) {
#ifdef __EMSCRIPTEN__
  if (isoloir_js_random(out.data(), out.size()) != 0) std::abort();
#else
  ensure_sodium();
  randombytes_buf(out.data(), out.size());
#endif
}

namespace {

// s = 64 random bytes mod l, the bytes wiped; false for zero (probability
// 2^-252), which the caller draws again: a public retry.
bool take_scalar(std::span<uint8_t, 64> bytes, Scalar& s) {
  std::array<uint8_t, 64> wide{};
  std::memcpy(wide.data(), bytes.data(), wide.size());
  sodium_memzero(bytes.data(), bytes.size());
  s = Scalar::reduce(wide);
  sodium_memzero(wide.data(), wide.size());
  return !s.is_zero();
}

}  // namespace

Scalar random_scalar() {
  std::array<uint8_t, 64> wide{};
  Scalar s;
  do {
    random_bytes(wide);
  } while (!take_scalar(wide, s));
  return s;
}

SystemScalarSource::~SystemScalarSource() {
  sodium_memzero(pool_.data(), pool_.size());
}

Scalar SystemScalarSource::next() {
  Scalar s;
  do {
    if (used_ == kPoolScalars) {
      random_bytes(pool_);
      used_ = 0;
    }
  } while (!take_scalar(std::span<uint8_t, kWide>(pool_.data() + kWide * used_++, kWide), s));
  return s;
}

}  // namespace isoloir

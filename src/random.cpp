#include "isoloir/random.h"

#include <sodium.h>

#include <array>
#include <cstdlib>
#include <cstring>

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

Scalar random_scalar() {
  std::array<uint8_t, 64> wide{};
  for (;;) {
    random_bytes(wide);
    Scalar s = Scalar::reduce(wide);
    sodium_memzero(wide.data(), wide.size());
    if (!s.is_zero()) return s;  // probability 2^-252; public retry
  }
}

SystemScalarSource::~SystemScalarSource() {
  sodium_memzero(pool_.data(), pool_.size());
}

Scalar SystemScalarSource::next() {
  for (;;) {
    if (used_ == kPoolScalars) {
      random_bytes(pool_);
      used_ = 0;
    }
    std::array<uint8_t, kWide> wide{};
    uint8_t* chunk = pool_.data() + kWide * used_++;
    std::memcpy(wide.data(), chunk, kWide);
    sodium_memzero(chunk, kWide);
    Scalar s = Scalar::reduce(wide);
    sodium_memzero(wide.data(), wide.size());
    if (!s.is_zero()) return s;  // probability 2^-252; public retry
  }
}

}  // namespace isoloir

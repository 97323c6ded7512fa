#include "isoloir/point_table.h"

#include <sodium.h>

#include <cstring>

#include "ct.h"
#include "ge25519.h"

namespace isoloir {
namespace {

static_assert(sizeof(ge25519_cached) == 20 * sizeof(uint64_t), "libsodium's ge25519_cached");

}  // namespace

PointTable::PointTable(const Point& base) : base_(base), rows_(kDigits * kRow) {
  Point step = base;  // 16^i * base
  for (size_t i = 0; i < kDigits; ++i) {
    std::array<Point, 9> multiples;  // d * step, d = 0..8
    for (size_t d = 1; d < multiples.size(); ++d) multiples[d] = multiples[d - 1] + step;
    for (size_t d = 0; d < multiples.size(); ++d) {
      put(i * kRow + 8 + d, multiples[d]);
      put(i * kRow + 8 - d, Point::identity() - multiples[d]);
    }
    step = multiples[8] + multiples[8];
  }
}

void PointTable::put(size_t slot, const Point& p) {
  const ge25519_p3 p3 = internal::load(p.rep_);
  ge25519_cached c;
  ge25519_p3_to_cached(&c, &p3);
  std::memcpy(rows_[slot].data(), &c, sizeof c);
}

void PointTable::digits(const Scalar& s, signed char (&e)[kDigits]) {
  // Signed radix-16 digits e[i] in [-8, 8], s = sum e[i] 16^i (as libsodium's
  // ge25519_scalarmult_base writes them); a reduced scalar has its top bit
  // clear, so the last digit stays within 8.
  const auto& a = s.bytes();
  for (size_t i = 0; i < 32; ++i) {
    e[2 * i] = static_cast<signed char>(a[i] & 15);
    e[2 * i + 1] = static_cast<signed char>((a[i] >> 4) & 15);
  }
  signed char carry = 0;
  for (size_t i = 0; i < kDigits - 1; ++i) {
    e[i] = static_cast<signed char>(e[i] + carry);
    carry = static_cast<signed char>((e[i] + 8) >> 4);
    e[i] = static_cast<signed char>(e[i] - carry * 16);
  }
  e[kDigits - 1] = static_cast<signed char>(e[kDigits - 1] + carry);
}

namespace {

// Two 64-bit words: the unit of the constant-time scan below. One v128
// operation in the booth's SIMD module (wasm/wasm.cmake), one SSE2 one
// natively, two word operations in the plain wasm module. The scan reads
// every entry of a row for every digit, so it is a quarter of a ballot's
// creation in WebAssembly without SIMD (a Node profile), a tenth natively.
using Words2 [[gnu::vector_size(16)]] = uint64_t;
constexpr size_t kPairs = sizeof(ge25519_cached) / sizeof(Words2);
static_assert(sizeof(ge25519_cached) % sizeof(Words2) == 0);

// acc + c, in extended coordinates.
void add_cached(ge25519_p3& acc, const ge25519_cached& c) {
  isoloir_ge25519_add_p3(&acc, &c);
}

}  // namespace

Point PointTable::mul(const Scalar& s) const {
  signed char e[kDigits];
  digits(s, e);
  ge25519_p3 acc = internal::load(Point::identity().rep_);
  ge25519_cached chosen;
  Words2 pick[kPairs];
  for (size_t i = 0; i < kDigits; ++i) {
    // Every entry of the row is read; the digit only chooses, by mask, which
    // one is kept.
    const auto want = static_cast<uint64_t>(e[i] + 8);
    for (Words2& w : pick) w = Words2{};
    for (size_t k = 0; k < kRow; ++k) {
      const uint64_t m = internal::ct_eq_mask(k, want);
      const Words2 mask = {m, m};
      Words2 entry[kPairs];
      std::memcpy(entry, rows_[i * kRow + k].data(), sizeof entry);  // unaligned loads
      for (size_t w = 0; w < kPairs; ++w) pick[w] |= mask & entry[w];
    }
    std::memcpy(&chosen, pick, sizeof chosen);
    add_cached(acc, chosen);
  }
  sodium_memzero(e, sizeof e);
  sodium_memzero(pick, sizeof pick);
  sodium_memzero(&chosen, sizeof chosen);
  return Point(internal::store(acc));
}

const VartimeMultiples& PointTable::vartime() const {
  std::call_once(vartime_once_, [this] {
    vartime_ = std::make_unique<const VartimeMultiples>(base_, VartimeMultiples::kWide);
  });
  return *vartime_;
}

const PointTable& LazyPointTable::get() const {
  std::call_once(once_, [this] { table_ = std::make_unique<const PointTable>(base_); });
  return *table_;
}

}  // namespace isoloir

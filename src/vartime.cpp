#include "isoloir/vartime.h"

#include <cstring>

#include "ge25519.h"

namespace isoloir {

namespace {

constexpr size_t kQuarterBits = VartimeScalar::kDigits / VartimeMultiples::kQuarters;
static_assert(sizeof(ge25519_cached) == 20 * sizeof(uint64_t), "libsodium's ge25519_cached");

// t += d * m for an odd digit d in [-15, 15] (nothing for 0), m holding the
// odd multiples 1, 3, ..., 15 of one point as cached words.
template <typename Words>
void add_digit(ge25519_p1p1& t, signed char d, const Words* m) {
  if (d == 0) return;
  ge25519_cached c;
  std::memcpy(&c, m[(d > 0 ? d : -d) / 2].data(), sizeof c);
  isoloir_ge25519_p1p1_add(&t, &c, d < 0 ? 1 : 0);
}

}  // namespace

VartimeScalar::VartimeScalar(const Scalar& s) {
  // A reduced scalar is below 2^253: its digits stay within the 256.
  isoloir_ge25519_slide_vartime(d_.data(), s.bytes().data());
}

VartimeMultiples::VartimeMultiples(const Point& p) {
  ge25519_p3 q = internal::PointAccess::p3(p);  // 2^(64k) p
  for (size_t k = 0; k < kQuarters; ++k) {
    ge25519_p1p1 t;
    ge25519_p3 twice;
    ge25519_p3 u;
    ge25519_cached c;
    ge25519_p3_to_cached(&c, &q);
    std::memcpy(m_[k * kOdd].data(), &c, sizeof c);
    isoloir_ge25519_p3_dbl(&t, &q);
    ge25519_p1p1_to_p3(&twice, &t);
    for (size_t j = 1; j < kOdd; ++j) {
      ge25519_add(&t, &twice, &c);  // c holds (2j - 1) 2^(64k) p
      ge25519_p1p1_to_p3(&u, &t);
      ge25519_p3_to_cached(&c, &u);
      std::memcpy(m_[k * kOdd + j].data(), &c, sizeof c);
    }
    if (k + 1 == kQuarters) break;
    ge25519_p2 r;
    isoloir_ge25519_p3_to_p2(&r, &q);
    for (size_t i = 0; i + 1 < kQuarterBits; ++i) {
      isoloir_ge25519_p2_dbl(&t, &r);
      isoloir_ge25519_p1p1_to_p2(&r, &t);
    }
    isoloir_ge25519_p2_dbl(&t, &r);
    isoloir_ge25519_p1p1_to_p3(&q, &t);
  }
}

Point VartimeMultiples::sum(std::initializer_list<Term> terms) {
  // The highest step at which some term has a digit.
  size_t steps = 0;
  for (const Term& term : terms) {
    for (size_t k = 0; k < kQuarters; ++k) {
      for (size_t i = kQuarterBits; i > steps; --i) {
        if (term.scalar.digit(k * kQuarterBits + i - 1) != 0) {
          steps = i;
          break;
        }
      }
    }
  }
  if (steps == 0) return Point::identity();
  ge25519_p2 r;
  const ge25519_p3 zero = internal::PointAccess::p3(Point::identity());
  isoloir_ge25519_p3_to_p2(&r, &zero);
  ge25519_p1p1 t;
  for (size_t i = steps; i-- > 0;) {
    isoloir_ge25519_p2_dbl(&t, &r);
    for (const Term& term : terms) {
      for (size_t k = 0; k < kQuarters; ++k) {
        add_digit(t, term.scalar.digit(k * kQuarterBits + i), &term.base.m_[k * kOdd]);
      }
    }
    if (i > 0) isoloir_ge25519_p1p1_to_p2(&r, &t);
  }
  ge25519_p3 out;
  isoloir_ge25519_p1p1_to_p3(&out, &t);
  return internal::PointAccess::point(out);
}

}  // namespace isoloir

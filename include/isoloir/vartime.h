// Variable-time sums of products, p1^s1 p2^s2 ..., for the verifier: public
// points and scalars only (every branch and memory access below depends on
// them).
//
// A proof branch's commitments g^s alpha^-c and h^s beta^-c g^cv need about
// 253 doublings each when each is computed alone (Straus's method), and
// doublings are most of a ballot's verification (issue 11). Every branch of
// a proof shares its ciphertext's alpha and beta, so each point's multiples
// are made once with its doublings done ahead: 2^64 p, 2^128 p and 2^192 p,
// each with its odd multiples (3p, 5p, ..., 15p). A sum then needs 64
// doublings whatever its number of terms: a scalar's digit at 2^(64k + i)
// adds the k-th quarter's multiple at step i.
//
// Every operation is libsodium's (src/ge25519.h, src/ge25519_ref10.c).
#ifndef ISOLOIR_VARTIME_H_
#define ISOLOIR_VARTIME_H_

#include <array>
#include <cstdint>
#include <initializer_list>

#include "isoloir/point.h"
#include "isoloir/scalar.h"

namespace isoloir {

// A scalar's signed sliding-window digits (libsodium's slide_vartime: odd,
// in [-15, 15], most of them zero): s = sum d[i] 2^i.
class VartimeScalar {
 public:
  static constexpr size_t kDigits = 256;

  explicit VartimeScalar(const Scalar& s);
  signed char digit(size_t i) const { return d_[i]; }

 private:
  std::array<signed char, kDigits> d_;
};

// (2j + 1) 2^(64k) p for k = 0..3 and j = 0..7: 192 doublings and 32
// additions, once per point.
class VartimeMultiples {
 public:
  static constexpr size_t kQuarters = 4;
  static constexpr size_t kOdd = 8;

  explicit VartimeMultiples(const Point& p);

  // The sum of each term's point raised to its scalar.
  struct Term {
    const VartimeMultiples& base;
    const VartimeScalar& scalar;
  };
  static Point sum(std::initializer_list<Term> terms);

 private:
  // libsodium's ge25519_cached, as opaque words (src/vartime.cpp).
  using Cached = std::array<uint64_t, 20>;
  std::array<Cached, kQuarters * kOdd> m_;  // quarter k, multiple 2j + 1 at k * kOdd + j
};

}  // namespace isoloir

#endif  // ISOLOIR_VARTIME_H_

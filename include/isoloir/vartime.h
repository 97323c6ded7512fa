// Variable-time sums of products, p1^s1 p2^s2 ..., for the verifier: public
// points and scalars only (every branch and memory access below depends on
// them).
//
// A proof branch's commitments g^s alpha^-c and h^s beta^-c g^cv need about
// 253 doublings each when each is computed alone (Straus's method), and
// doublings are most of a ballot's verification (issue 11). Every branch of
// a proof shares its ciphertext's alpha and beta, so each point's multiples
// are made once with its doublings done ahead: 2^64 p, 2^128 p and 2^192 p,
// each with its odd multiples (p, 3p, ..., up to the window's). A sum then
// needs 64 doublings whatever its number of terms: a scalar's digit at
// 2^(64k + i) adds the k-th quarter's multiple at step i. Scalars are
// written in width-w NAF (odd digits below 2^(w-1) in absolute value, at
// least w - 1 zeros after each): one addition per w + 1 bits on average.
//
// Every group operation is libsodium's (src/ge25519.h, src/ge25519_ref10.c).
#ifndef ISOLOIR_VARTIME_H_
#define ISOLOIR_VARTIME_H_

#include <array>
#include <cstdint>
#include <initializer_list>
#include <memory>
#include <span>

#include "isoloir/point.h"
#include "isoloir/scalar.h"

namespace isoloir {

class VartimeMultiples {
 public:
  static constexpr size_t kQuarters = 4;
  // A point made once and used by a few sums (a ciphertext's alpha and
  // beta): 4 odd multiples per quarter, 192 doublings and 16 additions; an
  // addition every 5 bits of a scalar (width 5 takes 16 more additions to
  // save about 8 per scalar: a wash for two scalars, a loss for one).
  static constexpr unsigned kNarrow = 4;
  // A base used by every sum (g, an election key h): 1,024 odd multiples
  // per quarter (640 KB, 4,096 additions once per base), an addition every
  // 13 bits of a scalar instead of every 9 with width 8 (40 KB): 4 % of a
  // verification natively and in wasm (docs/benchmarks.md).
  static constexpr unsigned kWide = 12;

  // width: kNarrow or kWide (anything else is taken as kNarrow).
  explicit VartimeMultiples(const Point& p, unsigned width = kNarrow);
  ~VartimeMultiples();
  VartimeMultiples(VartimeMultiples&&) noexcept;
  VartimeMultiples& operator=(VartimeMultiples&&) noexcept;
  // The multiples of p_1 + ... + p_n made from theirs, without doublings:
  // each quarter's point is the sum of the parts' (the sum proof's product
  // of the options' ciphertexts, whose multiples the option proofs made).
  static VartimeMultiples of_sum(std::span<const VartimeMultiples> parts, unsigned width = kNarrow);

  // A scalar's nonzero digits in this width, in the order a sum reads them:
  // made once for a scalar that several sums use (a branch's s and c each
  // serve its two commitments).
  class Digits {
   private:
    friend class VartimeMultiples;
    Digits(const Scalar& s, unsigned width);
    struct Digit {
      uint8_t step;      // the doubling step, 63 down to 0
      uint8_t negative;  // subtract the multiple
      uint16_t index;    // quarter k, multiple 2j + 1: k * 2^(width - 2) + j
    };
    // Nonzero width-w NAF digits (w >= 4) of a 256-bit number: at most one
    // every w bits, and one more.
    static constexpr size_t kMax = 256 / 4 + 1;
    Scalar scalar_;  // to redo the digits for a base of another width
    unsigned width_;
    size_t count_ = 0;
    std::array<Digit, kMax> d_{};
  };
  Digits digits(const Scalar& s) const { return Digits(s, width_); }

  struct Term {
    const VartimeMultiples& base;
    const Digits& digits;
  };
  // The sum of each term's point raised to its scalar.
  static Point sum(std::initializer_list<Term> terms);

 private:
  static Point sum_of(std::span<const Term> terms);
  explicit VartimeMultiples(unsigned width);  // room for the multiples, unset

  // libsodium's ge25519_cached points (src/vartime.cpp), read in place by
  // each addition: quarter k's multiple 2j + 1 at k * 2^(width - 2) + j.
  struct Multiples;
  unsigned width_;
  std::unique_ptr<Multiples> m_;
};

// A scalar's width-w NAF digits, s = sum d[i] 2^i (exposed for its test).
std::array<int16_t, 256> vartime_naf(const Scalar& s, unsigned width);

}  // namespace isoloir

#endif  // ISOLOIR_VARTIME_H_

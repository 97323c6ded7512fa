// A fixed base's multiples, for base^s in constant time without doublings:
// the election key h, whose powers the prover and the verifier take for
// every branch of every proof (issue 11). libsodium keeps such a table for
// the group's generator g only (ge25519_scalarmult_base); this is the same
// method (signed radix-16 digits, one table row per digit position, every
// row entry read for every digit) built over libsodium's own point addition
// for any point. About 174 KB; built once per election key (at the
// manifest's first ballot, LazyPointTable), about 1,100 additions. The
// verifier's multiples of the base (vartime(), 40 KB) are made apart, at
// their first use.
#ifndef ISOLOIR_POINT_TABLE_H_
#define ISOLOIR_POINT_TABLE_H_

#include <array>
#include <cstdint>
#include <memory>
#include <mutex>
#include <vector>

#include "isoloir/point.h"
#include "isoloir/scalar.h"
#include "isoloir/vartime.h"

namespace isoloir {

class PointTable {
 public:
  explicit PointTable(const Point& base);

  const Point& base() const { return base_; }
  // base^s in constant time: the same additions and the same table reads
  // whatever s is. Equal to base().mul(s).
  Point mul(const Scalar& s) const;
  // The base's multiples for the verifier's variable-time sums, made at the
  // first call (a booth that only makes ballots never pays for them).
  const VartimeMultiples& vartime() const;

 private:
  static constexpr size_t kDigits = 64;  // radix 16 over 256 bits
  static constexpr size_t kRow = 17;     // d * 16^i * base for d in -8..8
  // libsodium's ge25519_cached, as opaque words (src/point_table.cpp).
  using Cached = std::array<uint64_t, 20>;

  void put(size_t slot, const Point& p);  // rows_[slot] = p, as libsodium's cached form
  // Signed radix-16 digits of s, each in [-8, 8].
  static void digits(const Scalar& s, signed char (&e)[kDigits]);

  Point base_;
  std::vector<Cached> rows_;  // kDigits * kRow, row i entry d + 8
  mutable std::once_flag vartime_once_;
  mutable std::unique_ptr<const VartimeMultiples> vartime_;
};

// A PointTable made at its first use, once, whichever thread asks first: a
// parsed manifest carries its key's, so that parsing stays cheap (a server
// route that only reads titles, a fuzzer) and the first ballot made or
// checked pays for the table.
class LazyPointTable {
 public:
  explicit LazyPointTable(const Point& base) : base_(base) {}

  const PointTable& get() const;

 private:
  Point base_;
  mutable std::once_flag once_;
  mutable std::unique_ptr<const PointTable> table_;
};

}  // namespace isoloir

#endif  // ISOLOIR_POINT_TABLE_H_

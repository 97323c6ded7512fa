// A fixed base's multiples, for base^s in constant time with four doublings:
// the generator g and the election key h, whose powers the prover takes for
// every branch of every proof (issue 11). libsodium keeps such a table for
// g only, built into the library (ge25519_scalarmult_base's, 30 KB that
// gzip cannot shrink, which the booth module leaves out); this is the same
// table and the same multiplication (libsodium's own code, over a table
// given: src/ge25519_ref10.c) for any point, made at run time: row i holds
// d * 256^i * base for d = 1..8 in libsodium's affine form, 30 KB, and
// base^s reads every entry of a row for each of the scalar's 64 signed
// radix-16 digits. Making it costs 256 field inversions (libsodium's
// ge25519_p3_to_precomp), once per base: g's at the first multiplication,
// h's at the manifest's first ballot (LazyPointTable). The verifier's
// multiples of the base (vartime(), 640 KB) are made apart, at their first use.
#ifndef ISOLOIR_POINT_TABLE_H_
#define ISOLOIR_POINT_TABLE_H_

#include <cstdint>
#include <memory>
#include <mutex>

#include "isoloir/point.h"
#include "isoloir/scalar.h"
#include "isoloir/vartime.h"

namespace isoloir {

class PointTable {
 public:
  explicit PointTable(const Point& base);
  ~PointTable();
  PointTable(const PointTable&) = delete;
  PointTable& operator=(const PointTable&) = delete;

  const Point& base() const { return base_; }
  // base^s in constant time: the same additions and the same table reads
  // whatever s is. Equal to base().mul(s).
  Point mul(const Scalar& s) const;
  // The base's multiples for the verifier's variable-time sums, made at the
  // first call (a booth that only makes ballots never pays for them).
  const VartimeMultiples& vartime() const;

 private:
  // libsodium's ge25519_precomp rows (src/point_table.cpp): row i holds
  // d * 256^i * base for d = 1..8, in affine form.
  struct Rows;
  Point base_;
  std::unique_ptr<const Rows> rows_;
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

#include "isoloir/point_table.h"

#include "ge25519.h"

namespace isoloir {

struct PointTable::Rows {
  ge25519_precomp t[32][8];
};

PointTable::PointTable(const Point& base) : base_(base) {
  auto rows = std::make_unique<Rows>();
  ge25519_p3 step = internal::load(base.rep_);  // 256^i * base
  for (size_t i = 0; i < 32; ++i) {
    ge25519_cached c;
    ge25519_p3_to_cached(&c, &step);
    ge25519_p3 multiple = step;  // d * step
    for (size_t d = 0; d < 8; ++d) {
      if (d > 0) isoloir_ge25519_add_p3(&multiple, &c);
      isoloir_ge25519_p3_to_precomp(&rows->t[i][d], &multiple);
    }
    for (int k = 0; k < 8; ++k) {  // 256 * step
      ge25519_p1p1 t;
      isoloir_ge25519_p3_dbl(&t, &step);
      isoloir_ge25519_p1p1_to_p3(&step, &t);
    }
  }
  rows_ = std::move(rows);
}

PointTable::~PointTable() = default;

Point PointTable::mul(const Scalar& s) const {
  // libsodium's own multiplication by B (ge25519_scalarmult_base), over this
  // base's rows: constant time, every row entry read for every digit. A
  // reduced scalar is below 2^253, within its precondition (a[31] <= 127).
  ge25519_p3 r;
  isoloir_ge25519_scalarmult_precomp(&r, s.bytes().data(), rows_->t);
  return Point(internal::store(r));
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

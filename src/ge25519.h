// libsodium's internal group type and functions (ge25519_p3 and friends,
// sodium/private/ed25519_ref10.h from Debian's source package of the linked
// libsodium, fetched by scripts/libsodium-private.sh). Only src/point.cpp and
// src/point_table.cpp include this: Point keeps its points in libsodium's own representation so
// that a chain of operations decodes its inputs once and encodes only what is
// hashed or sent, instead of every libsodium call decoding and encoding both
// of its operands (issue 11). Nothing here does field arithmetic: every
// operation is one of libsodium's.
#ifndef ISOLOIR_SRC_GE25519_H_
#define ISOLOIR_SRC_GE25519_H_

#include "ge25519_layout.h"

extern "C" {
#include <sodium/private/ed25519_ref10.h>

#include "ge25519_ref10.h"
}

#include <cstring>

#include "isoloir/point.h"

namespace isoloir::internal {

static_assert(sizeof(ge25519_p3) == sizeof(Point::Rep), "libsodium's ge25519_p3 is 160 bytes");

// A Point's words into libsodium's type and back (copies: no aliasing).
inline ge25519_p3 load(const Point::Rep& rep) {
  ge25519_p3 p;
  std::memcpy(&p, rep.data(), sizeof p);
  return p;
}

inline Point::Rep store(const ge25519_p3& p) {
  Point::Rep rep;
  std::memcpy(rep.data(), &p, sizeof p);
  return rep;
}

// A Point's libsodium representation and back, for the files that work on it
// directly (src/ed25519.cpp, src/vartime.cpp).
struct PointAccess {
  static ge25519_p3 p3(const Point& p) { return load(p.rep_); }
  static Point point(const ge25519_p3& p) { return Point(store(p)); }
};

}  // namespace isoloir::internal

#endif  // ISOLOIR_SRC_GE25519_H_

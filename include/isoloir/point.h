// An element of the ristretto255 group. Callers never see its representation:
// they decode it once at the edge (strictly), compute, and encode at the edge,
// so the representation can move to libsodium's internal group type without
// touching the protocol code.
#ifndef ISOLOIR_POINT_H_
#define ISOLOIR_POINT_H_

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

#include "isoloir/bytes.h"
#include "isoloir/result.h"
#include "isoloir/scalar.h"

namespace isoloir {

class Point {
 public:
  static constexpr size_t kBytes = 32;

  Point() = default;  // the identity
  static Point identity() { return Point(); }
  static Point generator();

  // Strict decoding for fields read from outside: refuses the identity
  // ("identity_point"), bit 255 set and anything libsodium does not accept as
  // a canonical encoding ("invalid_point").
  static Result<Point> decode(const std::array<uint8_t, kBytes>& bytes, std::string_view field);
  // The same from base64url text; also "bad_base64" and "bad_length".
  static Result<Point> from_base64url(std::string_view text, std::string_view field);
  // Maps 64 uniform bytes to a point (crypto_core_ristretto255_from_hash).
  static Point from_hash(const std::array<uint8_t, 64>& h);

  // The canonical encoding; the identity encodes as 32 zero bytes.
  std::array<uint8_t, kBytes> encode() const { return b_; }
  std::string to_base64url() const { return base64url_encode(b_); }

  // g^s in constant time.
  static Point base_mul(const Scalar& s);
  // this^s in constant time.
  Point mul(const Scalar& s) const;
  Point operator+(
      const Point& o) const;  // the group operation (written multiplicatively in the text)
  Point operator-(const Point& o) const;
  Point& operator+=(const Point& o) { return *this = *this + o; }

  bool is_identity() const;
  // Variable time: for public values only.
  bool operator==(const Point& o) const;

  // Constant-time choice: `take` (0 or 1) selects `b` over `a`.
  static Point select(uint8_t take, const Point& a, const Point& b);

 private:
  std::array<uint8_t, kBytes> b_{};
};

}  // namespace isoloir

#endif  // ISOLOIR_POINT_H_

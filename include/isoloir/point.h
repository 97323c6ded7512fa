// An element of the ristretto255 group. Callers never see its representation:
// they decode it once at the edge (strictly), compute, and encode at the edge.
// Inside, a point is libsodium's own extended-coordinates type (ge25519_p3,
// src/ge25519.h): operations chain without decoding and encoding around each
// one, and encode() costs one libsodium encoding unless the point was decoded
// from bytes, whose encoding it keeps.
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

class PointTable;

namespace internal {
struct PointAccess;  // src/ge25519.h: libsodium's type in and out of a Point
}  // namespace internal

class Point {
 public:
  static constexpr size_t kBytes = 32;

  Point();  // the identity
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
  std::array<uint8_t, kBytes> encode() const;
  std::string to_base64url() const { return base64url_encode(encode()); }
  // The same point carrying its encoding, computed here once: for a point
  // that is encoded more than once (a ciphertext is hashed into its proof's
  // challenge, then written into the ballot).
  Point with_encoding() const;

  // g^s in constant time, from a table of g's multiples made at the first
  // call (a PointTable: libsodium's own table for g, ge25519_scalarmult_base's,
  // would be the largest part of the booth module, issue 11).
  static Point base_mul(const Scalar& s);
  // That table (and its multiples for the verifier, VartimeMultiples).
  static const PointTable& generator_table();
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

  // libsodium's ge25519_p3, as opaque words (copied in and out of
  // libsodium's type by src/point.cpp: no aliasing of the two).
  using Rep = std::array<uint64_t, 20>;

 private:
  friend class PointTable;  // reads and writes rep_ (src/point_table.cpp)
  friend struct internal::PointAccess;
  explicit Point(const Rep& rep) : rep_(rep) {}

  Rep rep_;
  // The encoding when it is known without computing it (a decoded point);
  // never filled in later, so that a const Point shared between threads is
  // never written.
  std::array<uint8_t, kBytes> enc_{};
  bool has_enc_ = false;
};

}  // namespace isoloir

#endif  // ISOLOIR_POINT_H_

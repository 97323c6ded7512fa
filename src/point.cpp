#include "isoloir/point.h"

#include <sodium.h>

namespace isoloir {

Point Point::generator() {
  static const Point g = base_mul(Scalar::from_u64(1));
  return g;
}

Result<Point> Point::decode(const std::array<uint8_t, kBytes>& bytes, std::string_view field) {
  if (sodium_is_zero(bytes.data(), bytes.size()) == 1) {
    return fail("identity_point", std::string(field));
  }
  // RFC 9496 encodings have bit 255 clear; libsodium 1.0.18 ignores that bit.
  if ((bytes[31] & 0x80) != 0 || crypto_core_ristretto255_is_valid_point(bytes.data()) != 1) {
    return fail("invalid_point", std::string(field));
  }
  Point p;
  p.b_ = bytes;
  return p;
}

Result<Point> Point::from_base64url(std::string_view text, std::string_view field) {
  auto raw = base64url_decode_fixed<kBytes>(text, field);
  if (!raw) return raw.error();
  return decode(*raw, field);
}

Point Point::from_hash(const std::array<uint8_t, 64>& h) {
  Point p;
  crypto_core_ristretto255_from_hash(p.b_.data(), h.data());
  return p;
}

Point Point::base_mul(const Scalar& s) {
  Point p;
  // On an identity result libsodium returns -1 and leaves 32 zero bytes, which
  // is our identity: no branch on the (possibly secret) outcome.
  [[maybe_unused]] const int rc =
      crypto_scalarmult_ristretto255_base(p.b_.data(), s.bytes().data());
  return p;
}

// No special case for the identity in mul, + and -: the prover feeds them
// points derived from the vote, so a test for the identity would be a branch
// on secret data. libsodium decodes 32 zero bytes as the identity (RFC 9496)
// and computes with it like any other point.
Point Point::mul(const Scalar& s) const {
  Point p;
  // An identity result leaves 32 zero bytes (and returns -1), as in base_mul.
  [[maybe_unused]] const int rc =
      crypto_scalarmult_ristretto255(p.b_.data(), s.bytes().data(), b_.data());
  return p;
}

Point Point::operator+(const Point& o) const {
  Point r;
  // Fails only on an invalid encoding, which a Point never holds.
  [[maybe_unused]] const int rc = crypto_core_ristretto255_add(r.b_.data(), b_.data(), o.b_.data());
  return r;
}

Point Point::operator-(const Point& o) const {
  Point r;
  [[maybe_unused]] const int rc = crypto_core_ristretto255_sub(r.b_.data(), b_.data(), o.b_.data());
  return r;
}

bool Point::is_identity() const {
  return sodium_is_zero(b_.data(), b_.size()) == 1;
}

bool Point::operator==(const Point& o) const {
  return b_ == o.b_;
}

Point Point::select(uint8_t take, const Point& a, const Point& b) {
  const auto mask = static_cast<uint8_t>(-static_cast<int8_t>(take & 1));
  Point r;
  for (size_t i = 0; i < kBytes; ++i) {
    r.b_[i] = static_cast<uint8_t>(a.b_[i] ^ (mask & (a.b_[i] ^ b.b_[i])));
  }
  return r;
}

}  // namespace isoloir

#include "isoloir/scalar.h"

#include <sodium.h>

#include <cstring>

namespace isoloir {

Scalar::~Scalar() {
  sodium_memzero(b_.data(), b_.size());
}

Scalar Scalar::from_u64(uint64_t v) {
  Scalar s;
  for (size_t i = 0; i < 8; ++i) s.b_[i] = static_cast<uint8_t>(v >> (8 * i));
  return s;
}

Scalar Scalar::reduce(const std::array<uint8_t, 64>& wide) {
  Scalar s;
  crypto_core_ristretto255_scalar_reduce(s.b_.data(), wide.data());
  return s;
}

Result<Scalar> Scalar::decode(const std::array<uint8_t, kBytes>& bytes, std::string_view field) {
  // Canonical means already reduced: reducing the zero-extended value changes nothing.
  std::array<uint8_t, 64> wide{};
  std::memcpy(wide.data(), bytes.data(), kBytes);
  Scalar s = reduce(wide);
  if (std::memcmp(s.b_.data(), bytes.data(), kBytes) != 0) {
    return fail("non_canonical_scalar", std::string(field));
  }
  return s;
}

Result<Scalar> Scalar::from_base64url(std::string_view text, std::string_view field) {
  auto raw = base64url_decode_fixed<kBytes>(text, field);
  if (!raw) return raw.error();
  return decode(*raw, field);
}

Scalar Scalar::operator+(const Scalar& o) const {
  Scalar r;
  crypto_core_ristretto255_scalar_add(r.b_.data(), b_.data(), o.b_.data());
  return r;
}

Scalar Scalar::operator-(const Scalar& o) const {
  Scalar r;
  crypto_core_ristretto255_scalar_sub(r.b_.data(), b_.data(), o.b_.data());
  return r;
}

Scalar Scalar::operator*(const Scalar& o) const {
  Scalar r;
  crypto_core_ristretto255_scalar_mul(r.b_.data(), b_.data(), o.b_.data());
  return r;
}

Scalar Scalar::operator-() const {
  Scalar r;
  crypto_core_ristretto255_scalar_negate(r.b_.data(), b_.data());
  return r;
}

Scalar Scalar::invert() const {
  Scalar r;
  if (crypto_core_ristretto255_scalar_invert(r.b_.data(), b_.data()) != 0) return Scalar();
  return r;
}

bool Scalar::is_zero() const {
  return sodium_is_zero(b_.data(), b_.size()) == 1;
}

bool Scalar::operator==(const Scalar& o) const {
  return b_ == o.b_;
}

Scalar Scalar::select(uint8_t take, const Scalar& a, const Scalar& b) {
  const auto mask = static_cast<uint8_t>(-static_cast<int8_t>(take & 1));
  Scalar r;
  for (size_t i = 0; i < kBytes; ++i) {
    r.b_[i] = static_cast<uint8_t>(a.b_[i] ^ (mask & (a.b_[i] ^ b.b_[i])));
  }
  return r;
}

}  // namespace isoloir

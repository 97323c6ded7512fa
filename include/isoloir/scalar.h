// A scalar of ristretto255, modulo the group order l. Holds secrets (ballot
// randomness, proof nonces, key shares), so it wipes itself on destruction.
#ifndef ISOLOIR_SCALAR_H_
#define ISOLOIR_SCALAR_H_

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

#include "isoloir/bytes.h"
#include "isoloir/result.h"

namespace isoloir {

class Scalar {
 public:
  static constexpr size_t kBytes = 32;

  Scalar() = default;  // zero
  Scalar(const Scalar& other) = default;
  Scalar& operator=(const Scalar& other) = default;
  ~Scalar();

  static Scalar from_u64(uint64_t v);
  // Reduces 64 uniform bytes modulo l (crypto_core_ristretto255_scalar_reduce).
  static Scalar reduce(const std::array<uint8_t, 64>& wide);
  // Strict decoding of 32 little-endian bytes: refuses a value >= l
  // ("non_canonical_scalar").
  static Result<Scalar> decode(const std::array<uint8_t, kBytes>& bytes, std::string_view field);
  // base64url text, strictly decoded ("bad_base64", "bad_length", "non_canonical_scalar").
  static Result<Scalar> from_base64url(std::string_view text, std::string_view field);

  const std::array<uint8_t, kBytes>& bytes() const { return b_; }
  std::string to_base64url() const { return base64url_encode(b_); }

  Scalar operator+(const Scalar& o) const;
  Scalar operator-(const Scalar& o) const;
  Scalar operator*(const Scalar& o) const;
  Scalar operator-() const;
  Scalar& operator+=(const Scalar& o) { return *this = *this + o; }
  Scalar& operator-=(const Scalar& o) { return *this = *this - o; }
  // Multiplicative inverse; the inverse of zero is zero (callers check).
  Scalar invert() const;

  bool is_zero() const;
  // Variable time: for public values only.
  bool operator==(const Scalar& o) const;

  // Constant-time choice: `take` (0 or 1) selects `b` over `a`, without branching.
  static Scalar select(uint8_t take, const Scalar& a, const Scalar& b);

 private:
  std::array<uint8_t, kBytes> b_{};
};

}  // namespace isoloir

#endif  // ISOLOIR_SCALAR_H_

// Hashing as PROTOCOL.md section 1 defines it: the length-prefixed transcript
// H(tag, x1, ..., xn) over SHA-512, its challenge scalar, and SHA-256 digests.
#ifndef ISOLOIR_HASH_H_
#define ISOLOIR_HASH_H_

#include <sodium.h>

#include <array>
#include <cstdint>
#include <string_view>

#include "isoloir/bytes.h"
#include "isoloir/point.h"
#include "isoloir/scalar.h"

namespace isoloir {

Digest32 sha256(ByteView bytes);

// Feeds enc(x) = 4-byte big-endian length || x for the tag and each item.
class Transcript {
 public:
  explicit Transcript(std::string_view tag);
  Transcript(const Transcript&) = delete;
  Transcript& operator=(const Transcript&) = delete;
  ~Transcript();

  Transcript& add(ByteView bytes);
  Transcript& add(std::string_view text) { return add(as_bytes(text)); }
  Transcript& add(const char* text) { return add(std::string_view(text)); }
  Transcript& add(const Point& p);
  Transcript& add(const Scalar& s) { return add(ByteView(s.bytes())); }
  // Indices are decimal ASCII without leading zeros.
  Transcript& add_index(uint64_t i);

  std::array<uint8_t, 64> digest();
  // crypto_core_ristretto255_scalar_reduce of the digest.
  Scalar challenge();

 private:
  crypto_hash_sha512_state state_;
};

}  // namespace isoloir

#endif  // ISOLOIR_HASH_H_

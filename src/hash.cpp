#include "isoloir/hash.h"

#include <string>

namespace isoloir {

Digest32 sha256(ByteView bytes) {
  Digest32 d{};
  crypto_hash_sha256(d.data(), bytes.data(), bytes.size());
  return d;
}

Transcript::Transcript(std::string_view tag) {
  crypto_hash_sha512_init(&state_);
  add(tag);
}

Transcript::~Transcript() {
  sodium_memzero(&state_, sizeof state_);
}

Transcript& Transcript::add(ByteView bytes) {
  const auto n = static_cast<uint32_t>(bytes.size());
  const uint8_t len[4] = {static_cast<uint8_t>(n >> 24), static_cast<uint8_t>(n >> 16),
                          static_cast<uint8_t>(n >> 8), static_cast<uint8_t>(n)};
  crypto_hash_sha512_update(&state_, len, sizeof len);
  crypto_hash_sha512_update(&state_, bytes.data(), bytes.size());
  return *this;
}

Transcript& Transcript::add(const Point& p) {
  const auto e = p.encode();
  return add(ByteView(e));
}

Transcript& Transcript::add_index(uint64_t i) {
  return add(std::to_string(i));
}

std::array<uint8_t, 64> Transcript::digest() {
  std::array<uint8_t, 64> out{};
  crypto_hash_sha512_final(&state_, out.data());
  return out;
}

Scalar Transcript::challenge() {
  return Scalar::reduce(digest());
}

}  // namespace isoloir

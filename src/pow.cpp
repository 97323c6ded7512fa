#include "isoloir/pow.h"

#include <sodium.h>

#include <array>

#include "isoloir/random.h"

namespace isoloir {
namespace {

constexpr std::string_view kTag = "isoloir/1/pow";

// The hash state after the tag and the challenge: each nonce then costs one
// more block, not the whole prefix again.
crypto_hash_sha256_state prefix_state(std::string_view challenge) {
  crypto_hash_sha256_state st;
  crypto_hash_sha256_init(&st);
  const uint8_t zero = 0;
  crypto_hash_sha256_update(&st, reinterpret_cast<const uint8_t*>(kTag.data()), kTag.size());
  crypto_hash_sha256_update(&st, &zero, 1);
  crypto_hash_sha256_update(&st, reinterpret_cast<const uint8_t*>(challenge.data()),
                            challenge.size());
  return st;
}

bool leading_zero_bits(const std::array<uint8_t, 32>& h, int bits) {
  int i = 0;
  for (; bits >= 8; bits -= 8, ++i) {
    if (h[static_cast<size_t>(i)] != 0) return false;
  }
  return bits == 0 || (h[static_cast<size_t>(i)] >> (8 - bits)) == 0;
}

bool meets_from(const crypto_hash_sha256_state& prefix, uint64_t nonce, int difficulty) {
  crypto_hash_sha256_state st = prefix;
  std::array<uint8_t, 8> be{};
  for (size_t i = 0; i < be.size(); ++i) be[i] = static_cast<uint8_t>(nonce >> (56 - 8 * i));
  crypto_hash_sha256_update(&st, be.data(), be.size());
  std::array<uint8_t, 32> h{};
  crypto_hash_sha256_final(&st, h.data());
  return leading_zero_bits(h, difficulty);
}

}  // namespace

bool pow_meets(std::string_view challenge, uint64_t nonce, int difficulty) {
  if (difficulty < 0 || difficulty > kMaxPowDifficulty || nonce > kMaxPowNonce) return false;
  ensure_sodium();
  return meets_from(prefix_state(challenge), nonce, difficulty);
}

std::optional<uint64_t> pow_search(std::string_view challenge, int difficulty, uint64_t start,
                                   uint64_t count) {
  if (difficulty < 0 || difficulty > kMaxPowDifficulty) return std::nullopt;
  ensure_sodium();
  const crypto_hash_sha256_state prefix = prefix_state(challenge);
  for (uint64_t n = start; count > 0 && n <= kMaxPowNonce; ++n, --count) {
    if (meets_from(prefix, n, difficulty)) return n;
  }
  return std::nullopt;
}

}  // namespace isoloir

#include "isoloir/credential.h"

#include <sodium.h>

#include <string>

#include "isoloir/vote_code.h"

namespace isoloir {

std::array<uint8_t, 32> credential_seed(std::string_view election_id,
                                        std::string_view normalised_code) {
  static constexpr std::string_view kTag = "isoloir/1/credential";
  crypto_hash_sha256_state st;
  crypto_hash_sha256_init(&st);
  const uint8_t zero = 0;
  crypto_hash_sha256_update(&st, as_bytes(kTag).data(), kTag.size());
  crypto_hash_sha256_update(&st, &zero, 1);
  crypto_hash_sha256_update(&st, as_bytes(election_id).data(), election_id.size());
  crypto_hash_sha256_update(&st, &zero, 1);
  crypto_hash_sha256_update(&st, as_bytes(normalised_code).data(), normalised_code.size());
  std::array<uint8_t, 32> seed{};
  crypto_hash_sha256_final(&st, seed.data());
  sodium_memzero(&st, sizeof st);
  return seed;
}

Result<SigningKey> credential_key(std::string_view election_id, std::string_view code) {
  Result<std::string> normalised = normalize_vote_code(code);
  if (!normalised) return normalised.error();
  std::array<uint8_t, 32> seed = credential_seed(election_id, *normalised);
  sodium_memzero(normalised->data(), normalised->size());
  SigningKey key = SigningKey::from_seed(seed);
  sodium_memzero(seed.data(), seed.size());
  return key;
}

bool is_valid_public_credential(const PublicKey& key) {
  return crypto_core_ed25519_is_valid_point(key.data()) == 1;
}

}  // namespace isoloir

#include "isoloir/signature.h"

#include <sodium.h>

#include <span>

#include "ed25519.h"
#include "isoloir/random.h"

namespace isoloir {

SigningKey SigningKey::from_seed(const std::array<uint8_t, kSeedBytes>& seed) {
  SigningKey k;
  internal::ed25519_seed_keypair(k.pk_, std::span<uint8_t, 64>(k.sk_.data(), k.sk_.size()), seed);
  return k;
}

SigningKey SigningKey::generate() {
  std::array<uint8_t, kSeedBytes> seed{};
  random_bytes(seed);
  SigningKey k = from_seed(seed);
  sodium_memzero(seed.data(), seed.size());
  return k;
}

Result<SigningKey> SigningKey::from_secret_bytes(ByteView sk) {
  if (sk.size() != crypto_sign_SECRETKEYBYTES) return fail("bad_length", "secret key");
  std::array<uint8_t, kSeedBytes> seed{};
  std::copy(sk.begin(), sk.begin() + kSeedBytes, seed.begin());
  SigningKey k = from_seed(seed);
  sodium_memzero(seed.data(), seed.size());
  // The stored public half must match the seed, or the file is corrupt.
  if (sodium_memcmp(k.pk_.data(), sk.data() + kSeedBytes, k.pk_.size()) != 0) {
    return fail("bad_key", "secret key does not match its public key");
  }
  return k;
}

Bytes signed_bytes(std::string_view tag, ByteView message) {
  Bytes m;
  m.reserve(tag.size() + 1 + message.size());
  m.insert(m.end(), tag.begin(), tag.end());
  m.push_back(0);
  m.insert(m.end(), message.begin(), message.end());
  return m;
}

SignatureBytes SigningKey::sign(std::string_view tag, ByteView message) const {
  const Bytes m = signed_bytes(tag, message);
  return internal::ed25519_sign(m, sk_.array());
}

bool verify_signature(std::string_view tag, ByteView message, const SignatureBytes& signature,
                      const PublicKey& key) {
  const Bytes m = signed_bytes(tag, message);
  return crypto_sign_verify_detached(signature.data(), m.data(), m.size(), key.data()) == 0;
}

}  // namespace isoloir

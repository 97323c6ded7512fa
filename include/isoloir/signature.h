// Ed25519 signatures with domain separation (PROTOCOL.md section 1): every
// signature covers tag || 0x00 || message, so a signature made for one kind
// of document can never pass for another.
#ifndef ISOLOIR_SIGNATURE_H_
#define ISOLOIR_SIGNATURE_H_

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

#include "isoloir/bytes.h"
#include "isoloir/result.h"
#include "isoloir/secret_bytes.h"

namespace isoloir {

using PublicKey = std::array<uint8_t, 32>;
using SignatureBytes = std::array<uint8_t, 64>;

// An Ed25519 secret key. Wiped on destruction; not copyable, so it exists once.
class SigningKey {
 public:
  static constexpr size_t kSeedBytes = 32;

  static SigningKey from_seed(const std::array<uint8_t, kSeedBytes>& seed);
  static SigningKey generate();
  // From libsodium's 64-byte secret key (seed || public key), e.g. a key file.
  static Result<SigningKey> from_secret_bytes(ByteView sk);

  SigningKey(SigningKey&& other) noexcept = default;
  SigningKey& operator=(SigningKey&& other) noexcept = default;
  SigningKey(const SigningKey&) = delete;
  SigningKey& operator=(const SigningKey&) = delete;
  ~SigningKey() = default;

  const PublicKey& public_key() const { return pk_; }
  SignatureBytes sign(std::string_view tag, ByteView message) const;
  // The 64 secret bytes, for storing the key; handle with care.
  const std::array<uint8_t, 64>& secret_bytes() const { return sk_.array(); }

 private:
  SigningKey() = default;
  SecretBytes<64> sk_;
  PublicKey pk_{};
};

// crypto_sign_verify_detached over tag || 0x00 || message (small-order keys and
// non-canonical S refused by libsodium).
bool verify_signature(std::string_view tag, ByteView message, const SignatureBytes& signature,
                      const PublicKey& key);

// The exact bytes that are signed: tag || 0x00 || message.
Bytes signed_bytes(std::string_view tag, ByteView message);

}  // namespace isoloir

#endif  // ISOLOIR_SIGNATURE_H_

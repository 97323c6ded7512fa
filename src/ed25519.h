// Ed25519 key pairs and signatures (RFC 8032), byte for byte those of
// libsodium's crypto_sign_seed_keypair and crypto_sign_detached, with B's
// multiples from Point::base_mul's table: libsodium's signing multiplies by
// B with ge25519_scalarmult_base, whose 30 KB table was the largest part of
// the booth module (issue 11), and nothing else in the booth needs it.
// Verification stays libsodium's (crypto_sign_verify_detached).
#ifndef ISOLOIR_SRC_ED25519_H_
#define ISOLOIR_SRC_ED25519_H_

#include <array>
#include <cstdint>
#include <span>

#include "isoloir/bytes.h"

namespace isoloir::internal {

// pk and sk (seed || pk) from a 32-byte seed.
void ed25519_seed_keypair(std::span<uint8_t, 32> pk, std::span<uint8_t, 64> sk,
                          const std::array<uint8_t, 32>& seed);

// The detached signature of `message` under sk (seed || pk).
std::array<uint8_t, 64> ed25519_sign(ByteView message, const std::array<uint8_t, 64>& sk);

}  // namespace isoloir::internal

#endif  // ISOLOIR_SRC_ED25519_H_

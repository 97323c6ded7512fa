// The voter's credential (PROTOCOL.md section 3): an Ed25519 key pair derived
// from the election id and the vote code. The server only ever sees the
// public half.
#ifndef ISOLOIR_CREDENTIAL_H_
#define ISOLOIR_CREDENTIAL_H_

#include <array>
#include <string_view>

#include "isoloir/result.h"
#include "isoloir/signature.h"

namespace isoloir {

// seed = SHA-256("isoloir/1/credential" || 0x00 || election id || 0x00 || code).
std::array<uint8_t, 32> credential_seed(std::string_view election_id,
                                        std::string_view normalised_code);
// The signing key for a code typed in any form (normalised first).
Result<SigningKey> credential_key(std::string_view election_id, std::string_view code);
// What a server registers: canonical, in the prime-order subgroup, not small
// order (crypto_core_ed25519_is_valid_point).
bool is_valid_public_credential(const PublicKey& key);

}  // namespace isoloir

#endif  // ISOLOIR_CREDENTIAL_H_

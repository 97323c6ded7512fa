// Proof of work, the portal's anti-bot (issue 5): instead of a picture
// CAPTCHA, the server hands out a signed, expiring challenge and the voter's
// browser (the WebAssembly module) searches a nonce that makes
//
//   SHA-256("isoloir/1/pow" || 0x00 || challenge || nonce, 8 bytes big-endian)
//
// start with `difficulty` zero bits. Each extra bit doubles the expected work
// (2^difficulty hashes on average); the server checks one hash. The challenge
// is opaque here: its signature, purpose and expiry are the server's business
// (server/include/isoloir/portal/pow_issuer.h).
#ifndef ISOLOIR_POW_H_
#define ISOLOIR_POW_H_

#include <cstdint>
#include <optional>
#include <string_view>

namespace isoloir {

// Beyond this a search would take hours on a phone: a configuration error.
inline constexpr int kMaxPowDifficulty = 40;
// Nonces stay below 2^53 so that JavaScript numbers carry them exactly.
inline constexpr uint64_t kMaxPowNonce = (uint64_t{1} << 53) - 1;

// Whether `nonce` solves `challenge` at `difficulty` (0..kMaxPowDifficulty;
// anything else never does).
bool pow_meets(std::string_view challenge, uint64_t nonce, int difficulty);

// Tries the nonces start, start + 1, ... (at most `count` of them, never past
// kMaxPowNonce) and returns the first that solves the challenge. Searching in
// slices lets a page stay responsive between them.
std::optional<uint64_t> pow_search(std::string_view challenge, int difficulty, uint64_t start,
                                   uint64_t count);

}  // namespace isoloir

#endif  // ISOLOIR_POW_H_

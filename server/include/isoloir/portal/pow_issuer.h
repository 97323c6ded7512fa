// The server's side of the proof of work (isoloir/pow.h): challenges that
// only this server could have made (HMAC-SHA-256 under a key drawn at
// start), for one purpose, valid for a few minutes, and accepted once.
//
// A challenge is base64url(purpose and difficulty || expires_at || 16 random
// bytes || MAC), 76 characters, opaque to the client; the first byte holds
// the purpose (low 2 bits) and the difficulty it must be solved at (6 bits),
// so that the server may ask more work of one client than of another
// (issue 9: an address over its failure threshold) and the MAC keeps the
// client from lowering it. Solved challenges are remembered
// until they expire, so a solution cannot be replayed; the memory is bounded
// (max_remembered): when full, new solutions are refused ("pow_busy") rather
// than old ones forgotten, because forgetting would reopen replays. In
// memory: a restart forgets the key, so every outstanding challenge dies
// with it, which is the safe direction. Thread-safe.
#ifndef ISOLOIR_PORTAL_POW_ISSUER_H_
#define ISOLOIR_PORTAL_POW_ISSUER_H_

#include <array>
#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

#include "isoloir/result.h"

namespace isoloir::portal {

// What a challenge may be spent on: a login's challenge opens no re-issue.
enum class PowPurpose : uint8_t { kLogin = 1, kReissue = 2, kLink = 3 };

struct PowPolicy {
  int difficulty = 18;             // leading zero bits; 0 turns the proof of work off
  int64_t lifetime_seconds = 300;  // a challenge must be solved and used within this
  size_t max_remembered = 1'000'000;
};

class PowIssuer {
 public:
  explicit PowIssuer(PowPolicy policy);
  PowIssuer(const PowIssuer&) = delete;
  PowIssuer& operator=(const PowIssuer&) = delete;
  ~PowIssuer();

  const PowPolicy& policy() const { return policy_; }

  static constexpr int kMaxDifficulty = 63;

  // A fresh challenge for `purpose`, valid until now + lifetime, at the
  // policy's difficulty, or at `difficulty` (clamped to the policy's
  // difficulty .. kMaxDifficulty).
  std::string issue(PowPurpose purpose, int64_t now);
  std::string issue(PowPurpose purpose, int64_t now, int difficulty);

  // Accepts a solution once. Refusals: "pow_required" (empty challenge while
  // the proof of work is on), "bad_pow" (not ours, altered, another purpose,
  // or the nonce does not solve it), "pow_expired", "pow_replayed",
  // "pow_busy". The nonce must meet the difficulty the challenge was issued
  // at. With the policy's difficulty 0 everything passes.
  Status redeem(std::string_view challenge, uint64_t nonce, PowPurpose purpose, int64_t now);

 private:
  void forget_expired(int64_t now);

  PowPolicy policy_;
  std::array<uint8_t, 32> key_{};
  std::mutex mu_;
  std::unordered_map<std::string, int64_t> spent_;  // challenge -> its expiry
};

}  // namespace isoloir::portal

#endif  // ISOLOIR_PORTAL_POW_ISSUER_H_

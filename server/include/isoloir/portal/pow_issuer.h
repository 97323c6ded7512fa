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
//
// Several servers behind one load balancer must share both the key (a
// challenge fetched from one is solved and sent to another) and the memory
// of spent solutions (else each server accepts it once): the second
// constructor takes them, from the database they share (portal_state.h).
#ifndef ISOLOIR_PORTAL_POW_ISSUER_H_
#define ISOLOIR_PORTAL_POW_ISSUER_H_

#include <array>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>

#include "isoloir/result.h"

namespace isoloir::portal {

// What a challenge may be spent on: a login's challenge opens no re-issue.
enum class PowPurpose : uint8_t { kLogin = 1, kReissue = 2, kLink = 3 };

struct PowPolicy {
  int difficulty = 18;             // leading zero bits; 0 turns the proof of work off
  int64_t lifetime_seconds = 300;  // a challenge must be solved and used within this
  size_t max_remembered = 1'000'000;
};

// Where solved challenges are remembered until they expire, so that each is
// accepted once.
class PowReplayMemory {
 public:
  PowReplayMemory() = default;
  PowReplayMemory(const PowReplayMemory&) = delete;
  PowReplayMemory& operator=(const PowReplayMemory&) = delete;
  virtual ~PowReplayMemory() = default;
  // Remembers `challenge` until `expires_at` (> now). Ok the first time;
  // "pow_replayed" once it was spent (on any server sharing the memory);
  // "pow_busy" when the memory is full; "storage_*" from a database.
  virtual Status spend(std::string_view challenge, int64_t expires_at, int64_t now) = 0;
};

// This process's memory, at most `max_remembered` unexpired solutions.
std::unique_ptr<PowReplayMemory> memory_pow_replay(size_t max_remembered);

class PowIssuer {
 public:
  static constexpr size_t kKeyBytes = 32;
  // One server: a random key and memory_pow_replay(policy.max_remembered).
  explicit PowIssuer(PowPolicy policy);
  // Several servers: the MAC key they all hold, and their shared memory of
  // spent solutions (policy.max_remembered is then `spent`'s business).
  PowIssuer(PowPolicy policy, std::span<const uint8_t, kKeyBytes> key,
            std::unique_ptr<PowReplayMemory> spent);
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
  // "pow_busy", or spend()'s "storage_*". The nonce must meet the difficulty the challenge was
  // issued at. With the policy's difficulty 0 everything passes.
  Status redeem(std::string_view challenge, uint64_t nonce, PowPurpose purpose, int64_t now);

 private:
  PowPolicy policy_;
  std::array<uint8_t, kKeyBytes> key_{};
  std::unique_ptr<PowReplayMemory> spent_;
};

}  // namespace isoloir::portal

#endif  // ISOLOIR_PORTAL_POW_ISSUER_H_

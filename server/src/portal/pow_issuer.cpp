#include "isoloir/portal/pow_issuer.h"

#include <sodium.h>

#include <algorithm>
#include <iterator>
#include <mutex>
#include <string>
#include <unordered_map>
#include <utility>

#include "isoloir/bytes.h"
#include "isoloir/pow.h"
#include "isoloir/random.h"

namespace isoloir::portal {
namespace {

constexpr size_t kPayloadBytes = 1 + 8 + 16;
constexpr size_t kMacBytes = crypto_auth_hmacsha256_BYTES;
constexpr size_t kChallengeBytes = kPayloadBytes + kMacBytes;

void put_be64(uint8_t* out, int64_t v) {
  const auto u = static_cast<uint64_t>(v);
  for (int i = 0; i < 8; ++i) out[i] = static_cast<uint8_t>(u >> (56 - 8 * i));
}

int64_t get_be64(const uint8_t* in) {
  uint64_t u = 0;
  for (int i = 0; i < 8; ++i) u = (u << 8) | in[i];
  return static_cast<int64_t>(u);
}

// Solved challenges in this process, until they expire; refuses new ones
// when full rather than forget unexpired ones, which would reopen replays.
class MemoryPowReplay final : public PowReplayMemory {
 public:
  explicit MemoryPowReplay(size_t max_remembered) : max_(max_remembered) {}

  Status spend(std::string_view challenge, int64_t expires_at, int64_t now) override {
    std::lock_guard lock(mu_);
    if (spent_.size() >= max_) forget_expired(now);
    if (spent_.size() >= max_) return fail("pow_busy", "too many requests; try again in a minute");
    if (!spent_.emplace(std::string(challenge), expires_at).second) {
      return fail("pow_replayed", "this challenge has been used already");
    }
    return Status::Ok();
  }

 private:
  void forget_expired(int64_t now) {
    for (auto it = spent_.begin(); it != spent_.end();) {
      it = it->second <= now ? spent_.erase(it) : std::next(it);
    }
  }

  const size_t max_;
  std::mutex mu_;
  std::unordered_map<std::string, int64_t> spent_;  // challenge -> its expiry
};

}  // namespace

std::unique_ptr<PowReplayMemory> memory_pow_replay(size_t max_remembered) {
  return std::make_unique<MemoryPowReplay>(max_remembered);
}

PowIssuer::PowIssuer(PowPolicy policy)
    : policy_(policy), spent_(memory_pow_replay(policy.max_remembered)) {
  ensure_sodium();
  random_bytes(key_);
}

PowIssuer::PowIssuer(PowPolicy policy, std::span<const uint8_t, kKeyBytes> key,
                     std::unique_ptr<PowReplayMemory> spent)
    : policy_(policy), spent_(std::move(spent)) {
  ensure_sodium();
  std::copy(key.begin(), key.end(), key_.begin());
}

PowIssuer::~PowIssuer() {
  sodium_memzero(key_.data(), key_.size());
}

std::string PowIssuer::issue(PowPurpose purpose, int64_t now) {
  return issue(purpose, now, policy_.difficulty);
}

std::string PowIssuer::issue(PowPurpose purpose, int64_t now, int difficulty) {
  const int floor = std::min(policy_.difficulty, kMaxDifficulty);
  const int d = std::clamp(difficulty, floor, kMaxDifficulty);
  std::array<uint8_t, kChallengeBytes> c{};
  // The purpose in the low 2 bits, the difficulty above: both under the MAC.
  c[0] = static_cast<uint8_t>(static_cast<unsigned>(purpose) | (static_cast<unsigned>(d) << 2));
  put_be64(&c[1], now + policy_.lifetime_seconds);
  random_bytes(std::span<uint8_t>(&c[9], 16));
  crypto_auth_hmacsha256(&c[kPayloadBytes], c.data(), kPayloadBytes, key_.data());
  return base64url_encode(c);
}

Status PowIssuer::redeem(std::string_view challenge, uint64_t nonce, PowPurpose purpose,
                         int64_t now) {
  if (policy_.difficulty == 0) return Status::Ok();
  if (challenge.empty()) return fail("pow_required", "solve a proof-of-work challenge first");
  auto raw = base64url_decode_fixed<kChallengeBytes>(challenge, "pow challenge");
  if (!raw) return fail("bad_pow", "not a challenge of this server");
  const auto& c = *raw;
  if (crypto_auth_hmacsha256_verify(&c[kPayloadBytes], c.data(), kPayloadBytes, key_.data()) != 0) {
    return fail("bad_pow", "not a challenge of this server");
  }
  if ((c[0] & 3U) != static_cast<uint8_t>(purpose)) {
    return fail("bad_pow", "this challenge is for another request");
  }
  const int64_t expires = get_be64(&c[1]);
  if (now >= expires) return fail("pow_expired", "the challenge has expired; ask for a new one");
  // The difficulty this challenge was issued with (never below the policy's).
  const int difficulty = std::max(policy_.difficulty, static_cast<int>(c[0] >> 2));
  if (!pow_meets(challenge, nonce, difficulty)) {
    return fail("bad_pow", "the nonce does not solve the challenge");
  }
  return spent_->spend(challenge, expires, now);
}

}  // namespace isoloir::portal

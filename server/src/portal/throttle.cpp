#include "isoloir/portal/throttle.h"

#include <sodium.h>

#include <algorithm>
#include <climits>
#include <cstring>
#include <limits>
#include <tuple>
#include <vector>

#include "isoloir/random.h"

namespace isoloir::portal {
namespace {

// now + seconds without overflow (seconds >= 0): a time near the end of
// int64 must not wrap a lock into the past.
int64_t later(int64_t now, int64_t seconds) {
  return now > std::numeric_limits<int64_t>::max() - seconds ? std::numeric_limits<int64_t>::max()
                                                             : now + seconds;
}

}  // namespace

namespace throttle_rules {

ThrottlePolicy sanitized(ThrottlePolicy p) {
  p.free_failures = std::max(p.free_failures, 0);
  p.base_delay_seconds = std::max<int64_t>(p.base_delay_seconds, 0);
  p.max_delay_seconds = std::max<int64_t>(p.max_delay_seconds, 0);
  p.lock_seconds = std::max<int64_t>(p.lock_seconds, 0);
  p.forget_after_seconds = std::max<int64_t>(p.forget_after_seconds, 0);
  p.max_keys = std::max<size_t>(p.max_keys, 1);
  return p;
}

int64_t stale_at(const ThrottlePolicy& policy, const ThrottleState& s) {
  return s.locked ? s.next_allowed : later(s.last_failure, policy.forget_after_seconds);
}

bool stale(const ThrottlePolicy& policy, const ThrottleState& s, int64_t now) {
  return now >= stale_at(policy, s);
}

ThrottleVerdict verdict(const ThrottlePolicy& policy, const ThrottleState& s, int64_t now) {
  if (stale(policy, s, now) || now >= s.next_allowed) return {true, 0, false};
  return {false, s.next_allowed - now, s.locked};
}

// Base, doubling, capped.
int64_t delay_after(const ThrottlePolicy& policy, int failures) {
  const int doublings = failures - policy.free_failures - 1;
  int64_t delay = policy.base_delay_seconds;
  if (delay == 0) return 0;  // nothing to double (and no reason to loop)
  for (int i = 0; i < doublings && delay < policy.max_delay_seconds; ++i) {
    if (delay > policy.max_delay_seconds / 2) return policy.max_delay_seconds;
    delay *= 2;
  }
  return std::min(delay, policy.max_delay_seconds);
}

ThrottleState after_failure(const ThrottlePolicy& policy, ThrottleState s, int64_t now) {
  if (stale(policy, s, now)) s = ThrottleState{};
  // Attempts that raced the lock: refused already, counting them would only
  // let anyone keep a voter locked out longer.
  if (s.locked) return s;
  if (s.failures < INT_MAX) ++s.failures;
  s.last_failure = now;
  if (policy.lock_after > 0 && s.failures >= policy.lock_after) {
    s.locked = true;
    s.next_allowed = later(now, policy.lock_seconds);
  } else if (s.failures > policy.free_failures) {
    s.next_allowed = later(now, delay_after(policy, s.failures));
  } else {
    s.next_allowed = now;
  }
  return s;
}

}  // namespace throttle_rules

size_t Throttle::DigestHash::operator()(const Digest& d) const {
  // The digest is a keyed hash already: any 8 of its bytes are uniform.
  size_t h = 0;
  std::memcpy(&h, d.data(), sizeof h);
  return h;
}

Throttle::Throttle(ThrottlePolicy policy) : policy_(throttle_rules::sanitized(policy)) {
  ensure_sodium();
  randombytes_buf(hash_key_.data(), hash_key_.size());
}

Throttle::Digest Throttle::digest(std::string_view key) const {
  Digest d{};
  crypto_generichash(d.data(), d.size(), reinterpret_cast<const unsigned char*>(key.data()),
                     key.size(), hash_key_.data(), hash_key_.size());
  return d;
}

// Frees one eighth of max_keys (at least one entry) in one pass, in the order
// the header gives: stale, allowed, delayed, locked; within a tier fewest
// failures first, then the oldest.
void Throttle::evict(int64_t now) {
  using Rank = std::tuple<int, int, int64_t>;
  struct Candidate {
    Rank rank;
    Map::iterator it;
  };
  std::vector<Candidate> candidates;
  candidates.reserve(entries_.size());
  for (auto it = entries_.begin(); it != entries_.end(); ++it) {
    const Entry& e = it->second;
    if (throttle_rules::stale(policy_, e, now)) {
      candidates.push_back({Rank{0, 0, 0}, it});
    } else if (e.locked) {
      candidates.push_back({Rank{3, 0, e.next_allowed}, it});
    } else {
      const int tier = now >= e.next_allowed ? 1 : 2;
      candidates.push_back({Rank{tier, e.failures, e.last_failure}, it});
    }
  }
  const size_t count = std::min(candidates.size(), std::max<size_t>(policy_.max_keys / 8, 1));
  const auto by_rank = [](const Candidate& a, const Candidate& b) { return a.rank < b.rank; };
  std::nth_element(candidates.begin(), candidates.begin() + static_cast<ptrdiff_t>(count),
                   candidates.end(), by_rank);
  for (size_t i = 0; i < count; ++i) entries_.erase(candidates[i].it);
}

ThrottleVerdict Throttle::check(std::string_view key, int64_t now) const {
  const Digest d = digest(key);
  const std::lock_guard lock(mutex_);
  const auto it = entries_.find(d);
  if (it == entries_.end()) return {true, 0, false};
  return throttle_rules::verdict(policy_, it->second, now);
}

ThrottleVerdict Throttle::failure(std::string_view key, int64_t now) {
  const Digest d = digest(key);
  const std::lock_guard lock(mutex_);
  auto it = entries_.find(d);
  if (it == entries_.end()) {
    if (entries_.size() >= policy_.max_keys) evict(now);
    it = entries_.emplace(d, Entry{}).first;
  }
  it->second = throttle_rules::after_failure(policy_, it->second, now);
  return throttle_rules::verdict(policy_, it->second, now);
}

void Throttle::success(std::string_view key) {
  const Digest d = digest(key);
  const std::lock_guard lock(mutex_);
  entries_.erase(d);
}

size_t Throttle::size() const {
  const std::lock_guard lock(mutex_);
  return entries_.size();
}

namespace {

// The in-memory Throttle as a ThrottleStore: one server's, never failing.
class MemoryThrottle final : public ThrottleStore {
 public:
  explicit MemoryThrottle(ThrottlePolicy policy) : throttle_(policy) {}
  Result<ThrottleVerdict> check(std::string_view key, int64_t now) override {
    return throttle_.check(key, now);
  }
  Result<ThrottleVerdict> failure(std::string_view key, int64_t now) override {
    return throttle_.failure(key, now);
  }
  Status success(std::string_view key) override {
    throttle_.success(key);
    return Status::Ok();
  }

 private:
  Throttle throttle_;
};

}  // namespace

std::unique_ptr<ThrottleStore> memory_throttle(ThrottlePolicy policy) {
  return std::make_unique<MemoryThrottle>(policy);
}

}  // namespace isoloir::portal

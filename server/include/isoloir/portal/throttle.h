// Slows down, then locks, repeated failures per key: one Throttle for
// accounts (keyed by identifier), one for client addresses, later one for
// vote-code entry. In memory (a restart forgets everything), thread-safe
// (one mutex), and clock-free: every call is given `now` in unix seconds, so
// tests are deterministic. Times are compared as given: a clock stepped back
// makes the running waits last longer by as much, never shorter.
//
// The policy below (free failures, delays, lock, forgetting) is a set of pure
// functions on one key's ThrottleState (throttle_rules), so that the
// PostgreSQL throttle of several servers (portal_state.h) applies exactly
// this one to its shared rows. The memory bound and eviction are this
// in-memory Throttle's alone.
//
// With the default policy, failures 1–3 are free; after the 4th the key waits
// 2 s, after the 5th 4 s, then 8, 16, 32, 60 (capped); the 10th failure locks
// it for 15 minutes. Each failure counts, even one recorded while the key
// waits: concurrent attempts that all passed check() before any failure was
// recorded are each real guesses, and dropping their failures would let an
// attacker multiply its rate by its parallelism.
//
// Lock. Failures reported while the key is locked (attempts that raced the
// lock) are neither counted nor extend the lock: it ends lock_seconds after
// it began, whatever the key does meanwhile, so a voter's account locked by
// someone else's guessing comes back on time. When it ends, the count starts
// again from zero (free failures again, then delays, then a new lock).
//
// Forgetting. A key whose last failure is forget_after_seconds old starts
// afresh (unless it is still locked).
//
// Memory. Keys are kept as a 16-byte keyed BLAKE2b of the key (random key per
// Throttle): any key length costs the same (about 100 bytes an entry, so
// about 100 MB for the default million) and an attacker cannot choose keys
// that collide in the hash table. When a new key arrives and max_keys are
// already kept, one eighth of them (at least one) is evicted in one pass, so
// a flood costs amortised constant time per key (the pass ranks every entry
// in a temporary of 24 bytes an entry). Entries are evicted in this
// order, each tier before the next:
//   1. forgotten or lock ended (they would start afresh anyway: nothing lost);
//   2. allowed to try now, fewest failures first, then oldest last failure;
//   3. waiting out a delay, fewest failures first, then oldest;
//   4. locked, the lock ending soonest first.
// The trade-off: a flood of distinct keys (an attacker rotating addresses
// or identifiers) can make the throttle forget a key that was allowed to try
// or delayed, giving that key its free failures back, but only once the
// flood's own keys outrank it: a pass evicts the lowest eighth, so the
// attacker must first fill most of the table with keys holding at least as
// many failures each, on the order of max_keys × that count failures
// (millions by default) for each reset; single-failure floods only evict each
// other. A locked key is evicted only when every kept key is locked, which
// takes lock_after × max_keys failures within lock_seconds (10 million in 15
// minutes by default).
#ifndef ISOLOIR_PORTAL_THROTTLE_H_
#define ISOLOIR_PORTAL_THROTTLE_H_

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string_view>
#include <unordered_map>

#include "isoloir/result.h"

namespace isoloir::portal {

// Negative numbers are taken as zero; lock_after < 1 never locks;
// max_keys < 1 is taken as 1.
struct ThrottlePolicy {
  int free_failures = 3;                // failures allowed before any delay
  int64_t base_delay_seconds = 2;       // the wait after the first delayed failure, then doubling
  int64_t max_delay_seconds = 60;       // the doubling stops here
  int lock_after = 10;                  // this many failures in a row lock the key...
  int64_t lock_seconds = 900;           // ...for this long
  int64_t forget_after_seconds = 3600;  // no failure for this long: the key starts afresh
  size_t max_keys = 1'000'000;          // memory bound (see above for what is evicted)
};

struct ThrottleVerdict {
  bool allowed;                 // may try now
  int64_t retry_after_seconds;  // 0 when allowed; otherwise how long to wait
  bool locked;                  // refused because locked (not merely delayed)
};

// One key's record. A key never seen is ThrottleState{}.
struct ThrottleState {
  int failures = 0;          // in a row, since the last fresh start
  int64_t last_failure = 0;  // when the last counted failure was recorded
  int64_t next_allowed = 0;  // refused before this (delay or lock end)
  bool locked = false;
};

// The policy's arithmetic, shared by every throttle backend. `policy` must
// have gone through sanitized() first.
namespace throttle_rules {
// Negative numbers as zero, max_keys at least 1 (ThrottlePolicy's comment).
ThrottlePolicy sanitized(ThrottlePolicy policy);
// When the key starts afresh: its lock's end, or (not locked)
// forget_after_seconds after its last failure.
int64_t stale_at(const ThrottlePolicy& policy, const ThrottleState& s);
// now >= stale_at: nothing of the key's record matters any more.
bool stale(const ThrottlePolicy& policy, const ThrottleState& s, int64_t now);
// May the key try now, and if not, for how long not.
ThrottleVerdict verdict(const ThrottlePolicy& policy, const ThrottleState& s, int64_t now);
// The state after a failure recorded at `now` (unchanged while locked).
ThrottleState after_failure(const ThrottlePolicy& policy, ThrottleState s, int64_t now);
// The wait after the n-th failure in a row (n > free_failures).
int64_t delay_after(const ThrottlePolicy& policy, int failures);
}  // namespace throttle_rules

// What the portal's handlers use: a Throttle's three calls, through a store
// that may be this process's memory (memory_throttle) or a database several
// servers share (PortalState::throttle, whose calls can fail: "storage_*").
// The same verdicts either way.
class ThrottleStore {
 public:
  ThrottleStore() = default;
  ThrottleStore(const ThrottleStore&) = delete;
  ThrottleStore& operator=(const ThrottleStore&) = delete;
  virtual ~ThrottleStore() = default;
  // Throttle::check, failure and success.
  virtual Result<ThrottleVerdict> check(std::string_view key, int64_t now) = 0;
  virtual Result<ThrottleVerdict> failure(std::string_view key, int64_t now) = 0;
  virtual Status success(std::string_view key) = 0;
};

class Throttle {
 public:
  explicit Throttle(ThrottlePolicy policy);
  Throttle(const Throttle&) = delete;
  Throttle& operator=(const Throttle&) = delete;

  // May `key` try now? Refused while delayed or locked, with how long to
  // wait. Changes nothing.
  ThrottleVerdict check(std::string_view key, int64_t now) const;

  // Records a failed attempt (one that check allowed) and returns the
  // verdict for the next try at `now`. While locked: not counted, the lock
  // verdict is returned unchanged.
  ThrottleVerdict failure(std::string_view key, int64_t now);

  // A success forgets the key's failures (and a lock, which only a race
  // with check can reach: the caller lets no attempt through while locked).
  // For the address throttle, mind that an attacker who can succeed on an
  // account of their own could interleave those logins with guesses to keep
  // their address clear; the per-account throttle still counts every guess.
  void success(std::string_view key);

  // How many keys are kept now.
  size_t size() const;

 private:
  using Digest = std::array<uint8_t, 16>;
  struct DigestHash {
    size_t operator()(const Digest& d) const;
  };
  using Entry = ThrottleState;
  using Map = std::unordered_map<Digest, Entry, DigestHash>;

  Digest digest(std::string_view key) const;
  void evict(int64_t now);

  ThrottlePolicy policy_;
  std::array<uint8_t, 32> hash_key_{};
  mutable std::mutex mutex_;
  Map entries_;
};

// A Throttle in this process's memory behind the store interface: what one
// server alone uses (its calls never fail).
std::unique_ptr<ThrottleStore> memory_throttle(ThrottlePolicy policy);

}  // namespace isoloir::portal

#endif  // ISOLOIR_PORTAL_THROTTLE_H_

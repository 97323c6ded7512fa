// The failure throttle: free failures, doubling delays, locks, forgetting,
// the memory bound and concurrent use. Time is given, never read.
#include "isoloir/portal/throttle.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <limits>
#include <string>
#include <thread>
#include <vector>

namespace isoloir::portal {
namespace {

constexpr int64_t kT = 1'700'000'000;

void expect_verdict(const ThrottleVerdict& v, bool allowed, int64_t retry_after, bool locked,
                    const std::string& where) {
  EXPECT_EQ(v.allowed, allowed) << where;
  EXPECT_EQ(v.retry_after_seconds, retry_after) << where;
  EXPECT_EQ(v.locked, locked) << where;
}

TEST(ThrottleDelay, FreeFailuresThenDoublingDelaysCapped) {
  ThrottlePolicy policy;
  policy.lock_after = 100;  // no lock here: see the delays past the cap
  Throttle t(policy);
  expect_verdict(t.check("alice", kT), true, 0, false, "fresh");
  for (int i = 1; i <= 3; ++i) {
    expect_verdict(t.failure("alice", kT), true, 0, false, "free " + std::to_string(i));
  }
  // The 4th failure waits 2 s, then 4, 8, 16, 32, and 60 (64 capped) from then on.
  int64_t now = kT;
  const int64_t waits[] = {2, 4, 8, 16, 32, 60, 60, 60};
  for (const int64_t wait : waits) {
    const std::string where = "wait " + std::to_string(wait);
    expect_verdict(t.failure("alice", now), false, wait, false, where);
    expect_verdict(t.check("alice", now), false, wait, false, where);
    expect_verdict(t.check("alice", now + wait - 1), false, 1, false, where);
    expect_verdict(t.check("alice", now + wait), true, 0, false, where);
    now += wait;
  }
}

TEST(ThrottleDelay, HugeDelaysSaturate) {
  ThrottlePolicy policy;
  policy.free_failures = 0;
  policy.base_delay_seconds = std::numeric_limits<int64_t>::max() / 2 + 1;
  policy.max_delay_seconds = std::numeric_limits<int64_t>::max();
  policy.lock_after = 0;
  Throttle t(policy);
  expect_verdict(t.failure("huge", kT), false, policy.base_delay_seconds, false, "first");
  // Doubling the base would overflow: capped at the maximum, and the end of
  // the wait saturates at the end of time rather than wrapping into the past.
  for (int i = 2; i <= 70; ++i) {
    expect_verdict(t.failure("huge", kT), false, std::numeric_limits<int64_t>::max() - kT, false,
                   std::to_string(i));
  }
}

TEST(ThrottleDelay, FailuresWhileWaitingCount) {
  Throttle t(ThrottlePolicy{});
  for (int i = 0; i < 4; ++i) (void)t.failure("bob", kT);
  expect_verdict(t.check("bob", kT), false, 2, false, "4th");
  // Attempts that raced the delay are real guesses: each counts, and the
  // wait starts again from now.
  expect_verdict(t.failure("bob", kT + 1), false, 4, false, "5th");
  expect_verdict(t.failure("bob", kT + 1), false, 8, false, "6th");
}

TEST(ThrottleDelay, KeysAreIndependent) {
  Throttle t(ThrottlePolicy{});
  for (int i = 0; i < 5; ++i) (void)t.failure("alice", kT);
  expect_verdict(t.check("alice", kT), false, 4, false, "alice");
  expect_verdict(t.check("bob", kT), true, 0, false, "bob");
  expect_verdict(t.check("alice ", kT), true, 0, false, "another key");
  EXPECT_EQ(t.size(), 1u);
}

TEST(ThrottleLock, LocksAfterNAndNotLonger) {
  Throttle t(ThrottlePolicy{});
  for (int i = 1; i < 10; ++i) {
    EXPECT_FALSE(t.failure("carol", kT).locked) << i;
  }
  expect_verdict(t.failure("carol", kT), false, 900, true, "10th");
  expect_verdict(t.check("carol", kT + 899), false, 1, true, "before the end");
  // Attempts while locked neither count nor extend the lock.
  for (int i = 0; i < 50; ++i) {
    expect_verdict(t.failure("carol", kT + 500), false, 400, true, "while locked");
  }
  expect_verdict(t.check("carol", kT + 900), true, 0, false, "lock over");
  // The count starts again: three free failures, then 2 s.
  for (int i = 0; i < 3; ++i) {
    expect_verdict(t.failure("carol", kT + 900), true, 0, false, "free again");
  }
  expect_verdict(t.failure("carol", kT + 900), false, 2, false, "delayed again");
}

TEST(ThrottleLock, LockOutlastsForgetting) {
  ThrottlePolicy policy;
  policy.free_failures = 0;
  policy.lock_after = 2;
  policy.lock_seconds = 100;
  policy.forget_after_seconds = 10;
  Throttle t(policy);
  (void)t.failure("dave", kT);
  expect_verdict(t.failure("dave", kT), false, 100, true, "locked");
  expect_verdict(t.check("dave", kT + 50), false, 50, true, "past forget_after");
  expect_verdict(t.check("dave", kT + 100), true, 0, false, "over");
}

TEST(ThrottleLock, SuccessForgetsFailures) {
  Throttle t(ThrottlePolicy{});
  for (int i = 0; i < 5; ++i) (void)t.failure("erin", kT);
  expect_verdict(t.check("erin", kT), false, 4, false, "delayed");
  t.success("erin");
  EXPECT_EQ(t.size(), 0u);
  expect_verdict(t.check("erin", kT), true, 0, false, "after success");
  for (int i = 0; i < 3; ++i) expect_verdict(t.failure("erin", kT), true, 0, false, "free");
  expect_verdict(t.failure("erin", kT), false, 2, false, "4th again");
  t.success("nobody");  // unknown keys are fine
  EXPECT_EQ(t.size(), 1u);
}

TEST(ThrottleLock, ForgetsAfterAQuietHour) {
  Throttle t(ThrottlePolicy{});
  for (int i = 0; i < 5; ++i) (void)t.failure("frank", kT);
  // One second short of forgetting: the 6th failure waits 8 s.
  expect_verdict(t.failure("frank", kT + 3599), false, 8, false, "remembered");
  // An hour after that last failure, it starts afresh.
  const int64_t later = kT + 3599 + 3600;
  for (int i = 0; i < 3; ++i) expect_verdict(t.failure("frank", later), true, 0, false, "fresh");
  expect_verdict(t.failure("frank", later), false, 2, false, "4th of the new run");
}

TEST(ThrottleEviction, BoundedUnderAFloodAndKeepsLockedAndDelayedKeys) {
  ThrottlePolicy policy;
  policy.max_keys = 64;
  Throttle t(policy);
  for (int i = 0; i < 10; ++i) (void)t.failure("victim", kT);
  for (int i = 0; i < 5; ++i) (void)t.failure("waiting", kT);
  for (int i = 0; i < 2; ++i) (void)t.failure("twice", kT);
  size_t peak = 0;
  for (int i = 0; i < 20'000; ++i) {
    (void)t.failure("10.0." + std::to_string(i / 256) + "." + std::to_string(i % 256), kT + 1);
    peak = std::max(peak, t.size());
  }
  EXPECT_LE(peak, 64u);
  EXPECT_GE(t.size(), 64u - 64u / 8);
  expect_verdict(t.check("victim", kT + 1), false, 899, true, "still locked");
  expect_verdict(t.check("waiting", kT + 1), false, 3, false, "still waiting");
  // Two failures outrank the flood's single ones: still counted.
  expect_verdict(t.failure("twice", kT + 1), true, 0, false, "3rd");
  expect_verdict(t.failure("twice", kT + 1), false, 2, false, "4th");
}

TEST(ThrottleEviction, ForgottenKeysGoFirst) {
  ThrottlePolicy policy;
  policy.free_failures = 5;
  policy.forget_after_seconds = 10;
  policy.max_keys = 2;
  Throttle t(policy);
  for (int i = 0; i < 3; ++i) (void)t.failure("old", kT);
  (void)t.failure("recent", kT + 11);
  (void)t.failure("new", kT + 11);  // full: "old" (forgotten) goes, not "recent"
  EXPECT_EQ(t.size(), 2u);
  for (int i = 0; i < 4; ++i) (void)t.failure("recent", kT + 11);
  // 6 failures in all: "recent" kept its first one.
  expect_verdict(t.failure("recent", kT + 11), false, 2, false, "recent kept");
}

TEST(ThrottleEviction, DelayedKeysOutlastKeysAllowedToTry) {
  ThrottlePolicy policy;
  policy.free_failures = 0;
  policy.base_delay_seconds = 10;
  policy.max_keys = 2;
  Throttle t(policy);
  (void)t.failure("allowed", kT - 100);
  (void)t.failure("allowed", kT - 100);  // two failures, but its wait is over
  (void)t.failure("waiting", kT);        // one failure, waiting until kT + 10
  (void)t.failure("new", kT);
  EXPECT_EQ(t.size(), 2u);
  expect_verdict(t.check("waiting", kT), false, 10, false, "kept");
  expect_verdict(t.failure("allowed", kT), false, 10, false, "evicted: a first failure again");
}

TEST(ThrottleEviction, LockedKeysGoOnlyWhenAllAreLocked) {
  ThrottlePolicy policy;
  policy.free_failures = 0;
  policy.lock_after = 1;
  policy.lock_seconds = 100;
  policy.max_keys = 4;
  Throttle t(policy);
  for (int i = 0; i < 4; ++i) (void)t.failure("k" + std::to_string(i), kT + i);
  EXPECT_EQ(t.size(), 4u);
  (void)t.failure("k4", kT + 4);  // every key locked: the lock ending soonest goes
  EXPECT_EQ(t.size(), 4u);
  expect_verdict(t.check("k0", kT + 4), true, 0, false, "k0 evicted");
  for (int i = 1; i <= 4; ++i) {
    EXPECT_TRUE(t.check("k" + std::to_string(i), kT + 4).locked) << i;
  }
}

TEST(ThrottleEviction, AnyKeyLengthIsOneEntry) {
  ThrottlePolicy policy;
  policy.max_keys = 8;
  Throttle t(policy);
  for (int i = 0; i < 100; ++i)
    (void)t.failure(std::string(10'000, char('a' + i % 26)) + std::to_string(i), kT);
  EXPECT_LE(t.size(), 8u);
}

TEST(ThrottleThreads, ConcurrentFailuresAreAllCounted) {
  constexpr int kThreads = 8;
  constexpr int kPerThread = 2'000;
  constexpr int kKeys = 16;
  constexpr int kPerKey = kThreads * kPerThread / kKeys;
  ThrottlePolicy policy;
  policy.free_failures = kPerKey - 1;  // only each key's last failure is delayed
  policy.lock_after = 0;
  Throttle t(policy);
  ThrottlePolicy small;
  small.max_keys = 32;
  Throttle flood(small);
  std::atomic<int> refused{0};
  std::vector<std::thread> threads;
  threads.reserve(kThreads);
  for (int n = 0; n < kThreads; ++n) {
    threads.emplace_back([&, n] {
      for (int i = 0; i < kPerThread; ++i) {
        const std::string key = "key" + std::to_string((n * kPerThread + i) % kKeys);
        if (!t.failure(key, kT).allowed) ++refused;
        (void)t.check(key, kT);
        (void)flood.failure(std::to_string(n) + "/" + std::to_string(i), kT + i);
        if (i % 7 == 0) flood.success(std::to_string(n) + "/" + std::to_string(i));
        if (flood.size() > 32) ++refused;  // would be a broken bound
      }
    });
  }
  for (std::thread& th : threads) th.join();
  EXPECT_EQ(refused.load(), kKeys);
  EXPECT_EQ(t.size(), static_cast<size_t>(kKeys));
  for (int k = 0; k < kKeys; ++k) {
    expect_verdict(t.check("key" + std::to_string(k), kT), false, 2, false, std::to_string(k));
  }
  EXPECT_LE(flood.size(), 32u);
}

}  // namespace
}  // namespace isoloir::portal

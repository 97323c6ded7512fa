// The portal's short-lived state behind its interfaces (portal_state.h): the
// throttles, the proof of work's replay memory and the OpenID flows, in this
// process's memory and in PostgreSQL (the server of ISOLOIR_PG_URL, a
// schema per test: pg_fixture.h). The in-memory Throttle is the spec: the
// database's throttle must give the same verdicts for the same calls. The
// tests named Shared open two PortalStates on one schema, as two servers
// would, and check that what one does the other sees.
#include "isoloir/portal/portal_state.h"

#include <gtest/gtest.h>

#include <atomic>
#include <latch>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "isoloir/pow.h"
#include "pg_fixture.h"

namespace isoloir::portal {
namespace {

constexpr int64_t kNow = 1'800'000'000;

enum class Backend { kMemory, kPostgres };

std::string backend_name(const ::testing::TestParamInfo<Backend>& info) {
  return info.param == Backend::kMemory ? "Memory" : "Postgres";
}

ThrottlePolicy small_policy() {
  ThrottlePolicy p;
  p.free_failures = 2;
  p.base_delay_seconds = 2;
  p.max_delay_seconds = 8;
  p.lock_after = 6;
  p.lock_seconds = 30;
  p.forget_after_seconds = 100;
  return p;
}

uint64_t solve(const std::string& challenge, int difficulty) {
  auto n = pow_search(challenge, difficulty, 0, uint64_t{1} << 24);
  EXPECT_TRUE(n.has_value());
  return n.value_or(0);
}

PowPolicy pow_policy() {
  PowPolicy p;
  p.difficulty = 4;
  p.lifetime_seconds = 300;
  p.max_remembered = 1000;
  return p;
}

class PortalStateTest : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override {
    if (GetParam() == Backend::kPostgres) {
      ISOLOIR_NEED_PG();
      schema_ = std::make_unique<pg::test::Schema>();
      ASSERT_TRUE(schema_->status().ok()) << schema_->status().error().message();
    }
    state_ = open_state();
    ASSERT_NE(state_, nullptr);
  }

  // Another PortalState on the test's database is another server's.
  std::unique_ptr<PortalState> open_state() {
    if (GetParam() == Backend::kMemory) return PortalState::in_memory();
    auto opened = PortalState::open_postgres(schema_->conninfo(), 2);
    EXPECT_TRUE(opened.ok()) << opened.error().message();
    return opened ? std::move(*opened) : nullptr;
  }

  std::unique_ptr<pg::test::Schema> schema_;
  std::unique_ptr<PortalState> state_;
};

INSTANTIATE_TEST_SUITE_P(Backends, PortalStateTest,
                         ::testing::Values(Backend::kMemory, Backend::kPostgres), backend_name);

// Shared only makes sense on PostgreSQL: two memory states share nothing.
class SharedPortalState : public PortalStateTest {};
INSTANTIATE_TEST_SUITE_P(Backends, SharedPortalState, ::testing::Values(Backend::kPostgres),
                         backend_name);

ThrottleVerdict must(const Result<ThrottleVerdict>& v) {
  EXPECT_TRUE(v.ok()) << v.error().message();
  return v.ok() ? *v : ThrottleVerdict{false, -1, false};
}

void expect_same(const ThrottleVerdict& got, const ThrottleVerdict& want, const std::string& at) {
  EXPECT_EQ(got.allowed, want.allowed) << at;
  EXPECT_EQ(got.retry_after_seconds, want.retry_after_seconds) << at;
  EXPECT_EQ(got.locked, want.locked) << at;
}

// Every rule of throttle.h in one script (free failures, doubling delays
// capped, failures while delayed counted, the lock, failures while locked
// not counted, the lock's end, success, forgetting, keys and names apart),
// played on the backend's store and on the in-memory Throttle: the same
// verdict at every step.
TEST_P(PortalStateTest, AThrottleGivesTheInMemoryThrottlesVerdictsAtEveryStep) {
  const ThrottlePolicy policy = small_policy();
  Throttle spec(policy);
  auto store = state_->throttle("logins", policy);
  auto other_name = state_->throttle("links", policy);
  enum Op { kCheck, kFail, kSucceed };
  struct Step {
    int64_t at;
    Op op;
    const char* key;
  };
  const std::vector<Step> script = {
      {0, kCheck, "a"},  {0, kFail, "a"},    {0, kFail, "a"},    {0, kCheck, "a"},
      {0, kFail, "a"},   {1, kCheck, "a"},   {1, kFail, "a"},    {2, kFail, "a"},
      {3, kCheck, "a"},  {9, kCheck, "a"},   {9, kFail, "a"},    {10, kFail, "a"},
      {10, kCheck, "a"}, {11, kFail, "a"},   {20, kCheck, "a"},  {39, kCheck, "a"},
      {40, kCheck, "a"}, {40, kFail, "a"},   {41, kCheck, "a"},  {41, kFail, "b"},
      {41, kFail, "b"},  {41, kFail, "b"},   {42, kCheck, "b"},  {42, kSucceed, "b"},
      {42, kCheck, "b"}, {42, kFail, "b"},   {50, kFail, "c"},   {50, kFail, "c"},
      {50, kFail, "c"},  {149, kCheck, "c"}, {150, kCheck, "c"}, {150, kFail, "c"},
      {150, kFail, "c"}, {150, kCheck, "c"}, {150, kFail, "c"},  {151, kCheck, "c"},
  };
  bool delayed = false;
  bool locked = false;
  auto seen = [&](const ThrottleVerdict& v) {
    delayed = delayed || (!v.allowed && !v.locked);
    locked = locked || v.locked;
    return v;
  };
  for (size_t i = 0; i < script.size(); ++i) {
    const Step& s = script[i];
    const std::string at = "step " + std::to_string(i) + " (t+" + std::to_string(s.at) + ")";
    const int64_t now = kNow + s.at;
    switch (s.op) {
      case kCheck:
        expect_same(must(store->check(s.key, now)), seen(spec.check(s.key, now)), at);
        break;
      case kFail:
        expect_same(must(store->failure(s.key, now)), seen(spec.failure(s.key, now)), at);
        break;
      case kSucceed:
        EXPECT_TRUE(store->success(s.key).ok()) << at;
        spec.success(s.key);
        break;
    }
  }
  // The script went through delays and a lock, and a throttle of another
  // name saw none of it.
  EXPECT_TRUE(delayed);
  EXPECT_TRUE(locked);
  expect_same(must(other_name->check("a", kNow + 41)), ThrottleVerdict{true, 0, false}, "links");
}

TEST_P(PortalStateTest, AFlowIsTakenOnceAndExpiredOnesAreForgotten) {
  auto flows = state_->oidc_flows(10);
  const OidcFlow flow{"jeanne@example.org", "the-nonce", "the-verifier", kNow + 600};
  ASSERT_TRUE(flows->put("state-1", flow, kNow).ok());
  auto taken = flows->take("state-1");
  ASSERT_TRUE(taken.ok()) << taken.error().message();
  EXPECT_EQ(taken->identifier, "jeanne@example.org");
  EXPECT_EQ(taken->nonce, "the-nonce");
  EXPECT_EQ(taken->verifier, "the-verifier");
  EXPECT_EQ(taken->expires_at, kNow + 600);
  EXPECT_EQ(flows->take("state-1").error().reason, "oidc_bad_state");
  EXPECT_EQ(flows->take("").error().reason, "oidc_bad_state");
  EXPECT_EQ(flows->take("never-put").error().reason, "oidc_bad_state");
  // Past its expiry but not yet forgotten: returned, the caller refuses it.
  ASSERT_TRUE(flows->put("state-2", flow, kNow).ok());
  EXPECT_EQ(flows->take("state-2")->expires_at, kNow + 600);
  // A later start forgets the flows expired by then.
  ASSERT_TRUE(flows->put("state-3", flow, kNow).ok());
  ASSERT_TRUE(flows->put("state-4", flow, kNow + 600).ok());
  EXPECT_EQ(flows->take("state-3").error().reason, "oidc_bad_state");
  EXPECT_TRUE(flows->take("state-4").ok());
}

TEST_P(PortalStateTest, ASolutionIsAcceptedOnce) {
  auto pow = state_->pow_issuer(pow_policy());
  const std::string c = pow->issue(PowPurpose::kLogin, kNow);
  const uint64_t nonce = solve(c, 4);
  EXPECT_EQ(pow->redeem(c, nonce, PowPurpose::kLink, kNow).error().reason, "bad_pow");
  EXPECT_TRUE(pow->redeem(c, nonce, PowPurpose::kLogin, kNow + 1).ok());
  EXPECT_EQ(pow->redeem(c, nonce, PowPurpose::kLogin, kNow + 2).error().reason, "pow_replayed");
  EXPECT_EQ(pow->redeem(c, nonce, PowPurpose::kLogin, kNow + 300).error().reason, "pow_expired");
}

// --- two servers on one database -------------------------------------------

TEST_P(SharedPortalState, FailuresOnEveryServerCountTogether) {
  auto other = open_state();
  ASSERT_NE(other, nullptr);
  const ThrottlePolicy policy = small_policy();
  auto a = state_->throttle("logins", policy);
  auto b = other->throttle("logins", policy);
  // Free failures: one on each server, then the third (on A) is delayed.
  EXPECT_TRUE(must(a->failure("jeanne", kNow)).allowed);
  EXPECT_TRUE(must(b->failure("jeanne", kNow)).allowed);
  expect_same(must(a->failure("jeanne", kNow)), ThrottleVerdict{false, 2, false}, "3rd on A");
  expect_same(must(b->check("jeanne", kNow + 1)), ThrottleVerdict{false, 1, false}, "B sees it");
  // Up to the lock, alternating servers.
  (void)must(b->failure("jeanne", kNow + 2));
  (void)must(a->failure("jeanne", kNow + 6));
  expect_same(must(b->failure("jeanne", kNow + 14)), ThrottleVerdict{false, 30, true}, "lock");
  expect_same(must(a->check("jeanne", kNow + 15)), ThrottleVerdict{false, 29, true}, "A locked");
  // A success on B (a password reset) frees the account on A too.
  ASSERT_TRUE(b->success("jeanne").ok());
  EXPECT_TRUE(must(a->check("jeanne", kNow + 15)).allowed);
}

// Failures recorded at the same moment on two servers are all counted: none
// is lost between a read and a write.
TEST_P(SharedPortalState, ConcurrentFailuresOnTwoServersAreAllCounted) {
  auto other = open_state();
  ASSERT_NE(other, nullptr);
  ThrottlePolicy policy;
  policy.free_failures = 1000;  // no delay: only the count decides
  policy.lock_after = 40;
  auto a = state_->throttle("logins", policy);
  auto b = other->throttle("logins", policy);
  std::latch go(2);
  std::atomic<int> errors{0};
  auto hammer = [&](ThrottleStore& t) {
    go.arrive_and_wait();
    for (int i = 0; i < 20; ++i) errors += t.failure("jeanne", kNow).ok() ? 0 : 1;
  };
  std::thread ta(hammer, std::ref(*a));
  std::thread tb(hammer, std::ref(*b));
  ta.join();
  tb.join();
  EXPECT_EQ(errors.load(), 0);
  // 40 failures in all, the 40th locked; had one been lost, it would not be.
  EXPECT_TRUE(must(a->check("jeanne", kNow)).locked);
  ASSERT_TRUE(a->success("jeanne").ok());
  for (int i = 0; i < 39; ++i) (void)must((i % 2 == 0 ? a : b)->failure("jeanne", kNow));
  EXPECT_TRUE(must(b->check("jeanne", kNow)).allowed);
}

TEST_P(SharedPortalState, AChallengeFromOneServerIsSpentOnceOnAll) {
  auto other = open_state();
  ASSERT_NE(other, nullptr);
  auto a = state_->pow_issuer(pow_policy());
  auto b = other->pow_issuer(pow_policy());
  // Issued by A, solved, sent to B: the servers share the key.
  const std::string c = a->issue(PowPurpose::kLink, kNow);
  const uint64_t nonce = solve(c, 4);
  EXPECT_TRUE(b->redeem(c, nonce, PowPurpose::kLink, kNow).ok());
  EXPECT_EQ(a->redeem(c, nonce, PowPurpose::kLink, kNow).error().reason, "pow_replayed");
  // Sent to both at once: one accepts.
  for (int round = 0; round < 5; ++round) {
    const std::string d = b->issue(PowPurpose::kLogin, kNow);
    const uint64_t n = solve(d, 4);
    std::latch go(2);
    std::atomic<int> accepted{0};
    auto send = [&](PowIssuer& to) {
      go.arrive_and_wait();
      accepted += to.redeem(d, n, PowPurpose::kLogin, kNow).ok() ? 1 : 0;
    };
    std::thread ta(send, std::ref(*a));
    std::thread tb(send, std::ref(*b));
    ta.join();
    tb.join();
    EXPECT_EQ(accepted.load(), 1) << "round " << round;
  }
}

// Spent solutions are forgotten once expired (with a margin for the other
// servers' clocks), so the table holds only what could still be replayed.
TEST_P(SharedPortalState, SpentSolutionsAreForgottenAfterTheyExpire) {
  auto count = [&] {
    auto c = pg::Connection::open(schema_->conninfo());
    EXPECT_TRUE(c.ok());
    auto r = (*c)->exec_sql("SELECT count(*) FROM portal_pow_spent");
    EXPECT_TRUE(r.ok());
    return r ? pg::as_int((*r)[0][0]) : -1;
  };
  auto a = state_->pow_issuer(pow_policy());
  const std::string c = a->issue(PowPurpose::kLogin, kNow);
  ASSERT_TRUE(a->redeem(c, solve(c, 4), PowPurpose::kLogin, kNow).ok());
  EXPECT_EQ(count(), 1);
  // A server started later purges at its first spend: not yet within the
  // margin for other clocks, then past it.
  const int64_t expired = kNow + 300;
  for (const auto& [at, left] : {std::pair{expired + 100, 2}, std::pair{expired + 1000, 1}}) {
    auto later = open_state();
    ASSERT_NE(later, nullptr);
    auto b = later->pow_issuer(pow_policy());
    const std::string d = b->issue(PowPurpose::kLogin, at);
    ASSERT_TRUE(b->redeem(d, solve(d, 4), PowPurpose::kLogin, at).ok());
    EXPECT_EQ(count(), left) << "at expiry + " << at - expired;
  }
}

TEST_P(SharedPortalState, AFlowStartedOnOneServerIsTakenOnceOnAnother) {
  auto other = open_state();
  ASSERT_NE(other, nullptr);
  auto a = state_->oidc_flows(10);
  auto b = other->oidc_flows(10);
  const OidcFlow flow{"jeanne@example.org", "n", "v", kNow + 600};
  ASSERT_TRUE(a->put("state-1", flow, kNow).ok());
  EXPECT_EQ(b->take("state-1")->verifier, "v");
  EXPECT_EQ(a->take("state-1").error().reason, "oidc_bad_state");
  // Two callbacks at once (a replayed redirect): one gets the flow.
  for (int round = 0; round < 5; ++round) {
    const std::string state = "race-" + std::to_string(round);
    ASSERT_TRUE(b->put(state, flow, kNow).ok());
    std::latch go(2);
    std::atomic<int> taken{0};
    auto take = [&](OidcFlowStore& from) {
      go.arrive_and_wait();
      taken += from.take(state).ok() ? 1 : 0;
    };
    std::thread ta(take, std::ref(*a));
    std::thread tb(take, std::ref(*b));
    ta.join();
    tb.join();
    EXPECT_EQ(taken.load(), 1) << "round " << round;
  }
}

TEST(MemoryPortalState, FlowsAreBoundedAndNothingIsShared) {
  auto state = PortalState::in_memory();
  auto flows = state->oidc_flows(2);
  const OidcFlow flow{"jeanne@example.org", "n", "v", kNow + 600};
  ASSERT_TRUE(flows->put("s1", flow, kNow).ok());
  ASSERT_TRUE(flows->put("s2", flow, kNow).ok());
  EXPECT_EQ(flows->put("s3", flow, kNow).error().reason, "oidc_busy");
  EXPECT_TRUE(flows->put("s3", flow, kNow + 600).ok());  // the others expired
  // Two servers on their own memory: a challenge of one is not the other's.
  auto other = PortalState::in_memory();
  auto a = state->pow_issuer(pow_policy());
  auto b = other->pow_issuer(pow_policy());
  const std::string c = a->issue(PowPurpose::kLogin, kNow);
  EXPECT_EQ(b->redeem(c, solve(c, 4), PowPurpose::kLogin, kNow).error().reason, "bad_pow");
  EXPECT_STREQ(state->backend(), "memory");
}

}  // namespace
}  // namespace isoloir::portal

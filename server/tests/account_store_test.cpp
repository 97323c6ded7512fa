// The portal's store on its own, with time passed in: links that work once,
// for one purpose, until they expire or a newer one replaces them; sessions
// that end when idle, when old, at logout and at a password reset. Every
// test runs on both backends, SQLite and PostgreSQL (the server of
// ISOLOIR_PG_URL, a schema per test: pg_fixture.h); the races at the end
// run two stores on one database, as two servers would.
#include "isoloir/portal/account_store.h"

#include <gtest/gtest.h>

#include <atomic>
#include <fstream>
#include <iterator>
#include <latch>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "pg_fixture.h"
#include "urn_fixture.h"

namespace isoloir::portal {
namespace {

constexpr int64_t kNow = 1'800'000'000;

enum class Backend { kSqlite, kPostgres };

class AccountStoreTest : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override {
    if (GetParam() == Backend::kPostgres) {
      ISOLOIR_NEED_PG();
      schema_ = std::make_unique<pg::test::Schema>();
      ASSERT_TRUE(schema_->status().ok()) << schema_->status().error().message();
    }
    store_ = open_store();
    ASSERT_NE(store_, nullptr);
  }

  // A store on the test's database: another one is another server.
  std::unique_ptr<AccountStore> open_store() {
    SessionPolicy policy;
    policy.idle_seconds = 600;
    policy.max_seconds = 3600;
    auto opened = GetParam() == Backend::kPostgres
                      ? AccountStore::open_postgres(schema_->conninfo(), policy)
                      : AccountStore::open(dir_.path() + "/portal.sqlite", policy);
    EXPECT_TRUE(opened.ok()) << opened.error().message();
    return opened ? std::move(*opened) : nullptr;
  }

  Account account(const std::string& who) const {
    return Account{who, "$argon2id$password", "Question ?", "$argon2id$answer", 0};
  }

  // An active account for `who`, made through an activation link.
  void activate(const std::string& who) {
    auto token = store_->issue_token(who, TokenPurpose::kActivation, kNow, 3600);
    ASSERT_TRUE(token.ok());
    ASSERT_TRUE(store_->activate(*token, account(who), kNow).ok());
  }

  // Every byte the store keeps, as text: the SQLite files, or PostgreSQL's
  // rows (closes the store).
  std::string stored_bytes() {
    store_.reset();
    std::string bytes;
    if (GetParam() == Backend::kSqlite) {
      for (const char* name : {"/portal.sqlite", "/portal.sqlite-wal"}) {
        std::ifstream in(dir_.path() + name, std::ios::binary);
        bytes.append(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
      }
      return bytes;
    }
    auto c = pg::Connection::open(schema_->conninfo());
    EXPECT_TRUE(c.ok());
    if (!c) return bytes;
    for (const char* table : {"portal_sessions", "portal_tokens", "portal_accounts"}) {
      auto rows = (*c)->exec_sql(std::string("SELECT t::text FROM ") + table + " t");
      EXPECT_TRUE(rows.ok()) << rows.error().message();
      if (rows) {
        for (const auto& row : *rows) bytes += pg::as_text(row[0]) + "\n";
      }
    }
    return bytes;
  }

  urn::test::TempDir dir_;
  std::unique_ptr<pg::test::Schema> schema_;
  std::unique_ptr<AccountStore> store_;
};

TEST_P(AccountStoreTest, ALinkOpensOnceForItsPurposeUntilItExpires) {
  auto token = store_->issue_token("Jeanne@Example.org", TokenPurpose::kActivation, kNow, 100);
  ASSERT_TRUE(token.ok());
  EXPECT_EQ(token->size(), 43u);
  EXPECT_EQ(*store_->check_token(*token, TokenPurpose::kActivation, kNow + 99),
            "jeanne@example.org");
  EXPECT_EQ(store_->check_token(*token, TokenPurpose::kActivation, kNow + 100).error().reason,
            "token_expired");
  EXPECT_EQ(store_->check_token(*token, TokenPurpose::kPasswordReset, kNow).error().reason,
            "bad_token");
  EXPECT_EQ(store_->check_token("not-a-token", TokenPurpose::kActivation, kNow).error().reason,
            "bad_token");
  EXPECT_EQ(store_->activate(*token, account("x"), kNow + 100).error().reason, "token_expired");

  auto who = store_->activate(*token, account("ignored"), kNow + 1);
  ASSERT_TRUE(who.ok()) << who.error().message();
  EXPECT_EQ(*who, "jeanne@example.org");  // the token's voter, not the caller's
  EXPECT_EQ(store_->activate(*token, account("x"), kNow + 2).error().reason, "token_used");
  auto stored = store_->account("JEANNE@example.org");
  ASSERT_TRUE(stored.ok());
  EXPECT_EQ(stored->password_hash, "$argon2id$password");
  EXPECT_EQ(stored->activated_at, kNow + 1);
}

TEST_P(AccountStoreTest, OnlyTheLatestLinkWorksAndAnAccountActivatesOnce) {
  const std::string who = "luc@example.org";
  auto first = store_->issue_token(who, TokenPurpose::kActivation, kNow, 3600);
  auto reset = store_->issue_token(who, TokenPurpose::kPasswordReset, kNow, 3600);
  auto second = store_->issue_token(who, TokenPurpose::kActivation, kNow, 3600);
  ASSERT_TRUE(first.ok() && second.ok() && reset.ok());
  EXPECT_NE(*first, *second);
  EXPECT_EQ(store_->check_token(*first, TokenPurpose::kActivation, kNow).error().reason,
            "bad_token");
  // Another purpose's link is not replaced.
  EXPECT_TRUE(store_->check_token(*reset, TokenPurpose::kPasswordReset, kNow).ok());
  ASSERT_TRUE(store_->activate(*second, account(who), kNow).ok());
  auto third = store_->issue_token(who, TokenPurpose::kActivation, kNow, 3600);
  ASSERT_TRUE(third.ok());
  EXPECT_EQ(store_->activate(*third, account(who), kNow).error().reason, "already_active");
  // The refused activation used nothing up.
  EXPECT_TRUE(store_->check_token(*third, TokenPurpose::kActivation, kNow).ok());
  EXPECT_EQ(store_->account("nobody@example.org").error().reason, "not_found");
}

TEST_P(AccountStoreTest, ConsumingATokenWorksOnceAndOnlyForItsPurpose) {
  auto token = store_->issue_token("a@example.org", TokenPurpose::kCodeReissue, kNow, 900);
  ASSERT_TRUE(token.ok());
  EXPECT_EQ(store_->consume_token(*token, TokenPurpose::kActivation, kNow).error().reason,
            "bad_token");
  EXPECT_EQ(store_->consume_token(*token, TokenPurpose::kCodeReissue, kNow + 900).error().reason,
            "token_expired");
  EXPECT_EQ(*store_->consume_token(*token, TokenPurpose::kCodeReissue, kNow + 899),
            "a@example.org");
  EXPECT_EQ(store_->consume_token(*token, TokenPurpose::kCodeReissue, kNow + 899).error().reason,
            "token_used");
}

TEST_P(AccountStoreTest, SessionsEndWhenIdleWhenOldAndAtLogout) {
  activate("a@example.org");
  auto s = store_->open_session("a@example.org", kNow);
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->expires_at, kNow + 3600);
  EXPECT_NE(s->id, s->csrf);
  auto seen = store_->session(s->id, kNow + 599);
  ASSERT_TRUE(seen.ok());
  EXPECT_EQ(seen->identifier, "a@example.org");
  EXPECT_EQ(seen->csrf, s->csrf);
  EXPECT_EQ(seen->expires_at, kNow + 599 + 600);
  // Kept alive by use, every 9 minutes, until the absolute end.
  for (int64_t t = kNow + 1140; t < kNow + 3600; t += 540) {
    EXPECT_TRUE(store_->session(s->id, t).ok()) << t - kNow;
  }
  EXPECT_EQ(store_->session(s->id, kNow + 3600).error().reason, "no_session");

  auto idle = store_->open_session("a@example.org", kNow);
  ASSERT_TRUE(idle.ok());
  EXPECT_EQ(store_->session(idle->id, kNow + 600).error().reason, "no_session");
  EXPECT_EQ(store_->session(idle->id, kNow + 1).error().reason, "no_session");  // gone for good

  auto closed = store_->open_session("a@example.org", kNow);
  ASSERT_TRUE(closed.ok());
  ASSERT_TRUE(store_->close_session(closed->id).ok());
  EXPECT_EQ(store_->session(closed->id, kNow).error().reason, "no_session");
  EXPECT_EQ(store_->session("", kNow).error().reason, "no_session");
}

TEST_P(AccountStoreTest, APasswordResetEndsEverySessionOfThatVoterOnly) {
  activate("a@example.org");
  activate("b@example.org");
  auto a1 = store_->open_session("a@example.org", kNow);
  auto a2 = store_->open_session("a@example.org", kNow);
  auto b = store_->open_session("b@example.org", kNow);
  ASSERT_TRUE(a1.ok() && a2.ok() && b.ok());
  auto token = store_->issue_token("a@example.org", TokenPurpose::kPasswordReset, kNow, 60);
  ASSERT_TRUE(token.ok());
  EXPECT_EQ(store_->reset_password(*token, "$argon2id$new", kNow + 60).error().reason,
            "token_expired");
  auto who = store_->reset_password(*token, "$argon2id$new", kNow + 1);
  ASSERT_TRUE(who.ok()) << who.error().message();
  EXPECT_EQ(*who, "a@example.org");
  EXPECT_EQ(store_->account("a@example.org")->password_hash, "$argon2id$new");
  EXPECT_FALSE(store_->session(a1->id, kNow + 2).ok());
  EXPECT_FALSE(store_->session(a2->id, kNow + 2).ok());
  EXPECT_TRUE(store_->session(b->id, kNow + 2).ok());
  EXPECT_EQ(store_->reset_password(*token, "$argon2id$again", kNow + 2).error().reason,
            "token_used");

  // A reset link for a voter who never activated changes nothing.
  auto stray = store_->issue_token("c@example.org", TokenPurpose::kPasswordReset, kNow, 60);
  ASSERT_TRUE(stray.ok());
  EXPECT_EQ(store_->reset_password(*stray, "$argon2id$x", kNow).error().reason, "bad_token");
  EXPECT_TRUE(store_->check_token(*stray, TokenPurpose::kPasswordReset, kNow).ok());
}

TEST_P(AccountStoreTest, SecretsAreRandomAndTheStoreHoldsOnlyTheirHashes) {
  activate("a@example.org");
  std::set<std::string> seen;
  std::vector<NewSession> sessions;
  for (int i = 0; i < 50; ++i) {
    auto s = store_->open_session("a@example.org", kNow);
    ASSERT_TRUE(s.ok());
    EXPECT_TRUE(seen.insert(s->id).second);
    EXPECT_TRUE(seen.insert(s->csrf).second);
    sessions.push_back(*s);
  }
  const std::string bytes = stored_bytes();
  ASSERT_FALSE(bytes.empty());
  for (const NewSession& s : sessions) {
    EXPECT_EQ(bytes.find(s.id), std::string::npos);
  }
}

TEST_P(AccountStoreTest, PurgeForgetsOnlyWhatHasExpired) {
  activate("a@example.org");
  auto old_link = store_->issue_token("b@example.org", TokenPurpose::kActivation, kNow, 10);
  auto live_link = store_->issue_token("c@example.org", TokenPurpose::kActivation, kNow, 1000);
  auto old_session = store_->open_session("a@example.org", kNow);
  auto live_session = store_->open_session("a@example.org", kNow + 500);
  ASSERT_TRUE(old_link.ok() && live_link.ok() && old_session.ok() && live_session.ok());
  ASSERT_TRUE(store_->purge(kNow + 700).ok());
  EXPECT_EQ(store_->check_token(*old_link, TokenPurpose::kActivation, kNow).error().reason,
            "bad_token");
  EXPECT_TRUE(store_->check_token(*live_link, TokenPurpose::kActivation, kNow + 700).ok());
  EXPECT_FALSE(store_->session(old_session->id, kNow).ok());
  EXPECT_TRUE(store_->session(live_session->id, kNow + 700).ok());
}

// --- two servers at once ------------------------------------------------------

// Runs a(0) and b(1) at the same instant on two threads.
template <class F>
void at_once(F f) {
  std::latch go(2);
  std::thread other([&] {
    go.arrive_and_wait();
    f(1);
  });
  go.arrive_and_wait();
  f(0);
  other.join();
}

TEST_P(AccountStoreTest, TwoServersUsingOneLinkAtOnceUseItOnce) {
  auto other = open_store();
  ASSERT_NE(other, nullptr);
  AccountStore* servers[2] = {store_.get(), other.get()};
  for (int round = 0; round < 20; ++round) {
    auto token = store_->issue_token("a@example.org", TokenPurpose::kCodeReissue, kNow, 900);
    ASSERT_TRUE(token.ok());
    Result<std::string> got[2] = {fail("unset"), fail("unset")};
    std::atomic<int> thens{0};
    at_once([&](int i) {
      got[i] = round % 2 == 0 ? servers[i]->consume_token(*token, TokenPurpose::kCodeReissue, kNow)
                              : servers[i]->consume_token_then(*token, TokenPurpose::kCodeReissue,
                                                               kNow, [&](const std::string&) {
                                                                 ++thens;
                                                                 return Status::Ok();
                                                               });
    });
    ASSERT_NE(got[0].ok(), got[1].ok()) << "round " << round;
    const Result<std::string>& loser = got[0].ok() ? got[1] : got[0];
    EXPECT_EQ(loser.error().reason, "token_used") << loser.error().message();
    EXPECT_EQ(*(got[0].ok() ? got[0] : got[1]), "a@example.org");
    if (round % 2 == 1) {
      EXPECT_EQ(thens.load(), 1);
    }
  }
}

TEST_P(AccountStoreTest, TwoServersActivatingOneAccountAtOnceMakeItOnce) {
  auto other = open_store();
  ASSERT_NE(other, nullptr);
  AccountStore* servers[2] = {store_.get(), other.get()};
  for (int round = 0; round < 10; ++round) {
    const std::string who = "voter" + std::to_string(round) + "@example.org";
    auto token = store_->issue_token(who, TokenPurpose::kActivation, kNow, 900);
    ASSERT_TRUE(token.ok());
    Result<std::string> got[2] = {fail("unset"), fail("unset")};
    at_once([&](int i) {
      Account a = account(who);
      a.password_hash = "$argon2id$server" + std::to_string(i);
      got[i] = servers[i]->activate(*token, a, kNow);
    });
    ASSERT_NE(got[0].ok(), got[1].ok()) << "round " << round;
    const int winner = got[0].ok() ? 0 : 1;
    EXPECT_EQ(got[1 - winner].error().reason, "token_used");
    auto stored = other->account(who);
    ASSERT_TRUE(stored.ok());
    EXPECT_EQ(stored->password_hash, "$argon2id$server" + std::to_string(winner));
  }
}

TEST_P(AccountStoreTest, OfTwoLinksIssuedAtOnceOnlyOneWorks) {
  auto other = open_store();
  ASSERT_NE(other, nullptr);
  AccountStore* servers[2] = {store_.get(), other.get()};
  for (int round = 0; round < 20; ++round) {
    Result<std::string> tokens[2] = {fail("unset"), fail("unset")};
    at_once([&](int i) {
      tokens[i] = servers[i]->issue_token("b@example.org", TokenPurpose::kPasswordReset, kNow, 900);
    });
    ASSERT_TRUE(tokens[0].ok() && tokens[1].ok());
    int usable = 0;
    for (const auto& t : tokens) {
      usable += store_->check_token(*t, TokenPurpose::kPasswordReset, kNow).ok() ? 1 : 0;
    }
    EXPECT_EQ(usable, 1) << "round " << round;
  }
}

TEST_P(AccountStoreTest, ASessionOpenedOnOneServerIsKnownToTheOther) {
  auto other = open_store();
  ASSERT_NE(other, nullptr);
  activate("a@example.org");
  auto s = store_->open_session("a@example.org", kNow);
  ASSERT_TRUE(s.ok());
  auto seen = other->session(s->id, kNow + 100);
  ASSERT_TRUE(seen.ok()) << seen.error().message();
  EXPECT_EQ(seen->csrf, s->csrf);
  // The idle expiry one server extended holds on the other.
  EXPECT_TRUE(store_->session(s->id, kNow + 650).ok());
  ASSERT_TRUE(other->close_session(s->id).ok());
  EXPECT_EQ(store_->session(s->id, kNow + 651).error().reason, "no_session");
}

INSTANTIATE_TEST_SUITE_P(Backends, AccountStoreTest,
                         ::testing::Values(Backend::kSqlite, Backend::kPostgres),
                         [](const ::testing::TestParamInfo<Backend>& p) {
                           return p.param == Backend::kSqlite ? "SQLite" : "PostgreSQL";
                         });

}  // namespace
}  // namespace isoloir::portal

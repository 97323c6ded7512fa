// The portal's time-bound rules on a clock the test steps, instead of
// sleeping through them on the machine's clock (which a stalled machine
// would turn into a failure): the whole API in process, behind the real
// transport on a loopback port, over a real urn and account store in a
// temporary directory, with Services::clock read from the test.
#include <gtest/gtest.h>
#include <httplib.h>

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "http_harness.h"
#include "in_process_server.h"
#include "isoloir/credential.h"
#include "isoloir/manifest.h"
#include "isoloir/portal/account_store.h"
#include "isoloir/server/config.h"
#include "isoloir/server/http_api.h"
#include "isoloir/server/http_server.h"
#include "isoloir/server/mailer.h"
#include "isoloir/server/router.h"
#include "isoloir/server/sms.h"
#include "isoloir/timestamp.h"
#include "isoloir/urn/data_dir.h"
#include "isoloir/urn/urn.h"
#include "isoloir/vote_code.h"
#include "portal_harness.h"
#include "vectors.h"

namespace isoloir::server::test {
namespace {

// 29 March 2026, 00:59:30 UTC: half a minute before Paris moves to summer
// time, so that nothing here may depend on the wall clock's local hour.
constexpr int64_t kStart = 1'774'745'970;

// An election of `voters` voters and the API serving it, on the test's clock.
class InProcessPortal {
 public:
  explicit InProcessPortal(size_t voters) {
    ServerConfig config;
    config.data_dir = dir_.path;
    config.pow_difficulty = 0;
    config.password_cost = "minimum";
    // The policy of the black-box Portal suite: 2 free failures, then
    // delays, locked at the 4th for 2 s.
    config.login_free_failures = 2;
    config.login_lock_after = 4;
    config.login_lock_seconds = 2;
    server_ = std::make_unique<InProcessServer>(config, now_);
    urn::Urn& urn = server_->urn();
    const auto key = must(urn::open_server_key(dir_.path));
    Json doc = isoloir::test::load_vector("manifest.json")["manifest"];
    doc["server_key"] = base64url_encode(key.public_key());
    doc["opens_at"] = Timestamp::from_unix(kStart - 3600).to_string();
    doc["closes_at"] = Timestamp::from_unix(kStart + 8 * 86'400).to_string();
    const Manifest manifest = must(parse_manifest(doc.dump()));
    EXPECT_TRUE(urn.import_election(
        manifest.canonical,
        isoloir::test::read_file(isoloir::test::vector_path("record/trustees.json"))));
    std::vector<urn::VoterRow> rows;
    for (size_t i = 0; i < voters; ++i) {
      urn::VoterRow row;
      row.identifier = "agent" + std::to_string(i) + "@ac-test.fr";
      row.name = "Agent " + std::to_string(i);
      for (const Scrutin& s : manifest.scrutins) row.scrutins.push_back(s.id);
      row.credential =
          base64url_encode(must(credential_key(manifest.id, generate_vote_code())).public_key());
      row.pseudonym = "p-" + std::to_string(i);
      rows.push_back(std::move(row));
    }
    EXPECT_TRUE(urn.import_voters(rows, Timestamp::from_unix(kStart)));
  }
  InProcessPortal(const InProcessPortal&) = delete;
  InProcessPortal& operator=(const InProcessPortal&) = delete;

  int port() const { return server_->port(); }
  std::string outbox() const { return server_->outbox(); }
  std::string identifier(size_t i) const { return "agent" + std::to_string(i) + "@ac-test.fr"; }
  void advance(int64_t seconds) { now_ += seconds; }

  // Voter i's account activated with kPassword, over HTTP.
  void activate(size_t i) {
    Browser b(port());
    Json ask = Json::object();
    ask["identifier"] = identifier(i);
    ASSERT_EQ(b.post("/api/v1/account/activation-link", ask, false)->status, 202);
    Json body = Json::object();
    body["token"] = mailed_token(outbox(), identifier(i), "activation", 0);
    body["password"] = kPassword;
    body["question"] = "Ville de naissance ?";
    body["answer"] = "Saint-Étienne";
    auto r = b.post("/api/v1/account/activate", body, false);
    ASSERT_TRUE(r);
    ASSERT_EQ(r->status, 201) << r->body;
  }

 private:
  TempDir dir_;
  std::atomic<int64_t> now_{kStart};
  std::unique_ptr<InProcessServer> server_;
};

int retry_after(const httplib::Result& r) {
  return std::stoi(r->get_header_value("Retry-After"));
}

// Was Portal.RepeatedFailuresSlowDownThenLockTheAccountForAWhile, which slept
// through the server's Retry-After and lock on the real clock: a machine
// stalled for a second between two requests failed it. Here time moves only
// when the test says, so each boundary is checked on both sides.
TEST(PortalClock, RepeatedFailuresSlowDownThenLockTheAccountForAWhile) {
  InProcessPortal p(2);
  p.activate(0);
  p.activate(1);  // the bystander below
  const std::string who = p.identifier(0);
  Browser b(p.port());
  EXPECT_EQ(b.login(who, "Wrong-Password-1")->status, 401);
  EXPECT_EQ(b.login(who, "Wrong-Password-2")->status, 401);
  EXPECT_EQ(b.login(who, "Wrong-Password-3")->status, 401);
  auto slowed = b.login(who, kPassword);  // even the right password waits its turn
  ASSERT_TRUE(slowed);
  EXPECT_EQ(slowed->status, 429) << slowed->body;
  EXPECT_EQ(error_of(slowed), "too_many_attempts");
  const int wait = retry_after(slowed);
  ASSERT_GE(wait, 1);
  p.advance(wait - 1);  // a second short of the wait: still refused
  auto early = b.login(who, kPassword);
  EXPECT_EQ(early->status, 429);
  EXPECT_EQ(retry_after(early), 1);
  p.advance(1);  // the wait is over: a 4th failure locks the account
  auto locked = b.login(who, "Wrong-Password-4");
  ASSERT_TRUE(locked);
  EXPECT_EQ(locked->status, 429) << locked->body;
  EXPECT_EQ(error_of(locked), "locked");
  EXPECT_EQ(retry_after(locked), 2);
  // Another account from the same address is not affected.
  EXPECT_EQ(Browser(p.port()).login(p.identifier(1), kPassword)->status, 201);
  p.advance(1);
  auto still = b.login(who, kPassword);
  EXPECT_EQ(still->status, 429);
  EXPECT_EQ(error_of(still), "locked");
  p.advance(1);  // the lock has ended: the right password opens a session
  auto open = b.login(who, kPassword);
  ASSERT_TRUE(open);
  EXPECT_EQ(open->status, 201) << open->body;
}

}  // namespace
}  // namespace isoloir::server::test

// Two servers on one election in one PostgreSQL database, as behind a load
// balancer with no sticky sessions: two whole APIs in this process, each
// behind the real transport on its own loopback port, each over its own data
// directory naming the database (postgres.conninfo) and holding the same
// server key, on one clock the test steps. What a voter or an attacker does
// on one server, the other must know: the proof of work spent, the failed
// logins, the session, the FranceConnect flow. Needs ISOLOIR_PG_URL
// (skipped without it, failed with ISOLOIR_REQUIRE_PG=1: pg_fixture.h).
#include <gtest/gtest.h>
#include <httplib.h>

#include <atomic>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "fake_oidc_provider.h"
#include "http_harness.h"
#include "in_process_server.h"
#include "isoloir/credential.h"
#include "isoloir/manifest.h"
#include "isoloir/portal/account_store.h"
#include "isoloir/pow.h"
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
#include "jose_test_keys.h"
#include "pg_fixture.h"
#include "pg_scratch.h"
#include "portal_harness.h"
#include "vectors.h"

namespace isoloir::server::test {
namespace {

constexpr int64_t kStart = 1'774'745'970;
constexpr int kDifficulty = 4;  // a few microseconds to solve, still checked

// One isoloir-server's worth of objects, in process, on `dir` (which names
// the database).
std::unique_ptr<InProcessServer> node(const std::string& dir, const std::string& oidc_issuer,
                                      std::atomic<int64_t>& clock) {
  ServerConfig config;
  config.data_dir = dir;
  config.pow_difficulty = kDifficulty;
  config.password_cost = "minimum";
  config.login_free_failures = 2;
  config.login_lock_after = 4;
  config.login_lock_seconds = 60;
  config.oidc_issuer = oidc_issuer;
  config.oidc_client_id = "isoloir";
  config.oidc_client_secret = "s3cret";
  return std::make_unique<InProcessServer>(config, clock);
}

// A challenge fetched from `port` for `purpose`, solved, in `body`.
void add_pow(int port, const std::string& purpose, Json& body) {
  httplib::Client c("127.0.0.1", port);
  auto r = c.Get(("/api/v1/pow?purpose=" + purpose).c_str());
  ASSERT_TRUE(r && r->status == 200) << (r ? r->body : "no answer");
  const Json pow = body_of(r);
  const std::string challenge = pow["challenge"].get<std::string>();
  const auto nonce = pow_search(challenge, pow["difficulty"].get<int>(), 0, uint64_t{1} << 24);
  ASSERT_TRUE(nonce.has_value());
  body["pow_challenge"] = challenge;
  body["pow_nonce"] = std::to_string(*nonce);
}

Json login_body(const std::string& who, const std::string& password) {
  Json body = Json::object();
  body["identifier"] = who;
  body["password"] = password;
  return body;
}

class SharedState : public ::testing::Test {
 protected:
  void SetUp() override {
    ISOLOIR_NEED_PG();
    database_ = std::make_unique<urn::test::ScratchDatabase>();
    // Two data directories naming the database, with one server key.
    for (const std::string* d : {&dir_a_.path, &dir_b_.path}) {
      write_file(*d + "/" + urn::kPostgresFile, database_->conninfo());
    }
    (void)must(urn::open_server_key(dir_a_.path));
    std::filesystem::copy_file(dir_a_.path + "/" + urn::kServerKeyFile,
                               dir_b_.path + "/" + urn::kServerKeyFile,
                               std::filesystem::copy_options::overwrite_existing);
    a_ = node(dir_a_.path, provider_.issuer(), now_);
    import_election(a_->urn());
    b_ = node(dir_b_.path, provider_.issuer(), now_);
  }

  void import_election(urn::Urn& urn) {
    const auto key = must(urn::open_server_key(dir_a_.path));
    Json doc = isoloir::test::load_vector("manifest.json")["manifest"];
    doc["server_key"] = base64url_encode(key.public_key());
    doc["opens_at"] = Timestamp::from_unix(kStart - 3600).to_string();
    doc["closes_at"] = Timestamp::from_unix(kStart + 8 * 86'400).to_string();
    const Manifest manifest = must(parse_manifest(doc.dump()));
    ASSERT_TRUE(urn.import_election(
        manifest.canonical,
        isoloir::test::read_file(isoloir::test::vector_path("record/trustees.json"))));
    std::vector<urn::VoterRow> rows;
    for (size_t i = 0; i < 2; ++i) {
      urn::VoterRow row;
      row.identifier = identifier(i);
      row.name = "Jeanne Dupont";
      for (const Scrutin& s : manifest.scrutins) row.scrutins.push_back(s.id);
      row.credential =
          base64url_encode(must(credential_key(manifest.id, generate_vote_code())).public_key());
      row.pseudonym = "p-" + std::to_string(i);
      rows.push_back(std::move(row));
    }
    ASSERT_TRUE(urn.import_voters(rows, Timestamp::from_unix(kStart)));
  }

  static std::string identifier(size_t i) { return "agent" + std::to_string(i) + "@ac-test.fr"; }

  // Voter i's account, activated through server A with kPassword.
  void activate(size_t i) {
    Json ask = Json::object();
    ask["identifier"] = identifier(i);
    add_pow(a_->port(), "link", ask);
    ASSERT_EQ(Browser(a_->port()).post("/api/v1/account/activation-link", ask, false)->status, 202);
    Json body = Json::object();
    body["token"] = mailed_token(a_->outbox(), identifier(i), "activation", 0);
    body["password"] = kPassword;
    body["question"] = "Ville de naissance ?";
    body["answer"] = "Saint-Étienne";
    auto r = Browser(a_->port()).post("/api/v1/account/activate", body, false);
    ASSERT_TRUE(r);
    ASSERT_EQ(r->status, 201) << r->body;
  }

  // A login attempt on `port`, its proof of work fetched from the same server.
  httplib::Result login(Browser& b, int port, const std::string& password) {
    Json body = login_body(identifier(0), password);
    add_pow(port, "login", body);
    return b.post("/api/v1/session", body, false);
  }

  isoloir::test::FakeOidcProvider provider_;
  std::atomic<int64_t> now_{kStart};
  std::unique_ptr<urn::test::ScratchDatabase> database_;
  TempDir dir_a_, dir_b_;
  std::unique_ptr<InProcessServer> a_, b_;
};

TEST_F(SharedState, AProofOfWorkFromOneServerIsSpentOnceOnBoth) {
  // Fetched from A, solved, sent to B: B knows A's challenges...
  Json body = login_body(identifier(0), "Wrong-Password-1");
  add_pow(a_->port(), "login", body);
  auto first = Browser(b_->port()).post("/api/v1/session", body, false);
  ASSERT_TRUE(first);
  EXPECT_EQ(first->status, 401) << first->body;  // past the proof of work
  // ...and neither server takes the solution again.
  for (const int port : {a_->port(), b_->port()}) {
    auto replay = Browser(port).post("/api/v1/session", body, false);
    ASSERT_TRUE(replay);
    EXPECT_EQ(replay->status, 400) << replay->body;
    EXPECT_EQ(error_of(replay), "pow_replayed");
  }
}

TEST_F(SharedState, LoginFailuresOnBothServersAddUpToTheLock) {
  activate(0);
  Browser b(a_->port());
  // Two free failures, one on each server; the third is delayed.
  EXPECT_EQ(login(b, a_->port(), "Wrong-Password-1")->status, 401);
  EXPECT_EQ(login(b, b_->port(), "Wrong-Password-2")->status, 401);
  EXPECT_EQ(login(b, a_->port(), "Wrong-Password-3")->status, 401);
  auto delayed = login(b, b_->port(), kPassword);
  EXPECT_EQ(delayed->status, 429) << delayed->body;
  EXPECT_EQ(error_of(delayed), "too_many_attempts");
  now_ += 2;
  // The fourth, on B, locks the account on both.
  auto locked = login(b, b_->port(), "Wrong-Password-4");
  EXPECT_EQ(locked->status, 429) << locked->body;
  EXPECT_EQ(error_of(locked), "locked");
  auto on_a = login(b, a_->port(), kPassword);
  EXPECT_EQ(on_a->status, 429) << on_a->body;
  EXPECT_EQ(error_of(on_a), "locked");
  now_ += 60;
  EXPECT_EQ(login(b, a_->port(), kPassword)->status, 201);
}

TEST_F(SharedState, ASessionOpenedOnOneServerWorksOnTheOther) {
  activate(0);
  Browser on_a(a_->port());
  auto opened = login(on_a, a_->port(), kPassword);
  ASSERT_EQ(opened->status, 201) << opened->body;
  // The same cookie, sent to B (httplib's Browser keeps it per object).
  httplib::Client b("127.0.0.1", b_->port());
  const httplib::Headers cookie = {{"Cookie", on_a.cookie()}};
  auto who = b.Get("/api/v1/session", cookie);
  ASSERT_TRUE(who);
  EXPECT_EQ(who->status, 200) << who->body;
  EXPECT_EQ(body_of(who)["identifier"], identifier(0));
  // Logged out on B: gone on A too.
  httplib::Headers out = cookie;
  out.emplace("X-CSRF-Token", body_of(opened)["csrf_token"].get<std::string>());
  auto closed = b.Delete("/api/v1/session", out);
  ASSERT_TRUE(closed);
  EXPECT_LT(closed->status, 300) << closed->body;
  EXPECT_EQ(on_a.get("/api/v1/session")->status, 401);
}

TEST_F(SharedState, AFranceConnectFlowStartedOnOneServerCompletesOnTheOther) {
  const isoloir::test::TestKey key = isoloir::test::TestKey::ec("ec-1");
  provider_.set_jwks(isoloir::test::jwks_of({key.jwk()}));
  activate(0);
  Browser voter(a_->port());
  ASSERT_EQ(login(voter, a_->port(), kPassword)->status, 201);
  auto start = voter.get("/api/v1/code/oidc/start");
  ASSERT_TRUE(start && start->status == 302) << (start ? start->body : "no answer");
  const std::string location = start->get_header_value("Location");
  httplib::Params authorize;
  httplib::detail::parse_query_text(location.substr(location.find('?') + 1), authorize);
  Json claims = Json::object();
  claims["iss"] = provider_.issuer();
  claims["aud"] = "isoloir";
  claims["sub"] = "fc-dupont";
  claims["nonce"] = authorize.find("nonce")->second;
  claims["iat"] = kStart;
  claims["exp"] = kStart + 60;
  claims["email"] = "Jeanne.FC@example.net";
  claims["email_verified"] = true;
  claims["family_name"] = "Dupont";
  provider_.set_id_token(key.sign(claims));
  const std::string callback = "/api/v1/code/oidc/callback?code=the-code&state=" +
                               httplib::detail::encode_query_param(authorize.find("state")->second);
  // The provider sends the browser back through the load balancer: to B.
  auto back = Browser(b_->port()).get(callback);
  ASSERT_TRUE(back);
  EXPECT_EQ(back->status, 302);
  EXPECT_EQ(back->get_header_value("Location"), "/reassort?sent=email&to=j***@example.net");
  EXPECT_EQ(mails_to(b_->outbox(), "jeanne.fc@example.net").size(), 1u);
  // The flow was used up: the same redirect again, on either server, is refused.
  for (const int port : {a_->port(), b_->port()}) {
    auto again = Browser(port).get(callback);
    ASSERT_TRUE(again);
    EXPECT_EQ(again->get_header_value("Location"), "/reassort?error=oidc_bad_state");
  }
}

}  // namespace
}  // namespace isoloir::server::test

// The OpenID Connect client against a provider on 127.0.0.1: the code
// exchange, and the provider's key set fetched, cached for its lifetime,
// fetched again once on a rotation, and never more often than the refetch
// interval however many tokens name a key it lacks. The clock is the one
// the test passes (redeem's `now`), never the machine's.
#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "fake_oidc_provider.h"
#include "isoloir/server/oidc_client.h"
#include "jose_test_keys.h"

namespace isoloir::server {
namespace {

using test::jwks_of;
using test::TestKey;

constexpr int64_t kNow = 1'900'000'000;

class OidcClientTest : public ::testing::Test {
 protected:
  void SetUp() override {
    OidcConfig c;
    c.issuer = provider_.issuer();
    c.client_id = "isoloir";
    c.client_secret = "s3cret";
    c.redirect_uri = "http://127.0.0.1:1/api/v1/code/oidc/callback";
    c.timeout_seconds = 5;
    c.jwks_max_age_seconds = 900;
    c.jwks_refetch_seconds = 60;
    auto made = OidcClient::make(c);
    ASSERT_TRUE(made.ok()) << made.error().message();
    client_ = std::move(*made);
  }

  // A token of `key` for nonce "n-1", issued at `at`, answered by the
  // provider's token endpoint; then the client redeems a code at `now`.
  Result<Json> redeem_signed_by(const TestKey& key, int64_t at, int64_t now) {
    Json c = Json::object();
    c["iss"] = provider_.issuer();
    c["aud"] = "isoloir";
    c["sub"] = "fc-sub";
    c["nonce"] = "n-1";
    c["iat"] = at;
    c["exp"] = at + 60;
    c["email"] = "jeanne.fc@example.net";
    provider_.set_id_token(key.sign(c));
    return client_->redeem("the-code", "the-verifier", "n-1", now);
  }

  test::FakeOidcProvider provider_;
  std::unique_ptr<OidcClient> client_;
};

// Drawing RSA keys takes a while: once for the program.
const TestKey& rsa1() {
  static const TestKey* k = new TestKey(TestKey::rsa("rsa-1"));
  return *k;
}
const TestKey& rsa2() {
  static const TestKey* k = new TestKey(TestKey::rsa("rsa-2"));
  return *k;
}

TEST_F(OidcClientTest, TheCodeIsExchangedAndTheKeysKeptForTheirLifetime) {
  const TestKey ec = TestKey::ec("ec-1");
  const TestKey ed = TestKey::ed25519("ed-1");
  provider_.set_jwks(jwks_of({rsa1().jwk(), ec.jwk(), ed.jwk()}));
  auto claims = redeem_signed_by(rsa1(), kNow, kNow);
  ASSERT_TRUE(claims.ok()) << claims.error().message();
  EXPECT_EQ((*claims)["email"], "jeanne.fc@example.net");
  ASSERT_EQ(provider_.token_requests().size(), 1u);
  httplib::Params form = provider_.token_requests()[0];
  auto one = [&](const char* key) {
    EXPECT_EQ(form.count(key), 1u) << key;
    return form.find(key) == form.end() ? std::string() : form.find(key)->second;
  };
  EXPECT_EQ(one("grant_type"), "authorization_code");
  EXPECT_EQ(one("code"), "the-code");
  EXPECT_EQ(one("code_verifier"), "the-verifier");
  EXPECT_EQ(one("client_id"), "isoloir");
  EXPECT_EQ(one("client_secret"), "s3cret");
  // Every algorithm through the same cached set, within its lifetime.
  EXPECT_TRUE(redeem_signed_by(ec, kNow + 100, kNow + 100).ok());
  EXPECT_TRUE(redeem_signed_by(ed, kNow + 899, kNow + 899).ok());
  EXPECT_EQ(provider_.jwks_fetches(), 1);
  // Past its lifetime, fetched again; and again when the clock went back.
  EXPECT_TRUE(redeem_signed_by(ec, kNow + 900, kNow + 900).ok());
  EXPECT_EQ(provider_.jwks_fetches(), 2);
  EXPECT_TRUE(redeem_signed_by(ec, kNow + 10, kNow + 10).ok());
  EXPECT_EQ(provider_.jwks_fetches(), 3);
}

TEST_F(OidcClientTest, ARotatedKeyIsFetchedOnceAndItsTokensVerify) {
  provider_.set_jwks(jwks_of({rsa1().jwk()}));
  ASSERT_TRUE(redeem_signed_by(rsa1(), kNow, kNow).ok());
  EXPECT_EQ(provider_.jwks_fetches(), 1);
  // The provider publishes rsa-2 and signs with it, a minute later.
  provider_.set_jwks(jwks_of({rsa2().jwk(), rsa1().jwk()}));
  auto claims = redeem_signed_by(rsa2(), kNow + 60, kNow + 60);
  ASSERT_TRUE(claims.ok()) << claims.error().message();
  EXPECT_EQ(provider_.jwks_fetches(), 2);
  // Both keys now known: no fetch for either.
  EXPECT_TRUE(redeem_signed_by(rsa1(), kNow + 61, kNow + 61).ok());
  EXPECT_TRUE(redeem_signed_by(rsa2(), kNow + 62, kNow + 62).ok());
  EXPECT_EQ(provider_.jwks_fetches(), 2);
  // rsa-1 withdrawn: its tokens are still accepted until the set's
  // lifetime is over (the bound on a withdrawn key), then refused.
  provider_.set_jwks(jwks_of({rsa2().jwk()}));
  EXPECT_TRUE(redeem_signed_by(rsa1(), kNow + 900, kNow + 900).ok());
  EXPECT_EQ(provider_.jwks_fetches(), 2);
  auto withdrawn = redeem_signed_by(rsa1(), kNow + 960, kNow + 960);
  ASSERT_FALSE(withdrawn.ok());
  EXPECT_EQ(withdrawn.error().reason, "bad_id_token");
  EXPECT_NE(withdrawn.error().detail.find("no key of the provider has the kid \"rsa-1\""),
            std::string::npos)
      << withdrawn.error().detail;
  EXPECT_EQ(provider_.jwks_fetches(), 3);
}

TEST_F(OidcClientTest, TokensOfUnknownKeysCannotMakeItHammerTheProvider) {
  provider_.set_jwks(jwks_of({rsa1().jwk()}));
  const TestKey stranger = TestKey::ec("not-published");
  auto first = redeem_signed_by(stranger, kNow, kNow);
  ASSERT_FALSE(first.ok());
  EXPECT_EQ(first.error().reason, "bad_id_token");
  EXPECT_NE(first.error().detail.find("no key of the provider has the kid \"not-published\""),
            std::string::npos)
      << first.error().detail;
  // The first token fetched the set (there was none) and found no such
  // key; the second fetches it once more, as for a rotation.
  EXPECT_EQ(provider_.jwks_fetches(), 1);
  auto second = redeem_signed_by(stranger, kNow + 1, kNow + 1);
  EXPECT_EQ(second.error().reason, "bad_id_token");
  EXPECT_EQ(provider_.jwks_fetches(), 2);
  // Twenty more within the interval, each naming another kid: no fetch.
  for (int i = 0; i < 20; ++i) {
    auto r =
        redeem_signed_by(stranger.renamed("k" + std::to_string(i)), kNow + 2 + i, kNow + 2 + i);
    EXPECT_EQ(r.error().reason, "bad_id_token");
  }
  EXPECT_EQ(provider_.jwks_fetches(), 2);
  // A real rotation inside that interval waits for its end (the interval
  // is the bound on how stale a rotation can find us)...
  provider_.set_jwks(jwks_of({rsa2().jwk(), rsa1().jwk()}));
  EXPECT_EQ(redeem_signed_by(rsa2(), kNow + 30, kNow + 30).error().reason, "bad_id_token");
  EXPECT_EQ(provider_.jwks_fetches(), 2);
  // ...and is fetched once it is over.
  auto rotated = redeem_signed_by(rsa2(), kNow + 61, kNow + 61);
  EXPECT_TRUE(rotated.ok()) << rotated.error().message();
  EXPECT_EQ(provider_.jwks_fetches(), 3);
}

TEST_F(OidcClientTest, AProvidersBrokenKeySetOrDiscoveryIsRefusedClearly) {
  provider_.set_jwks("{\"keys\": [");
  auto r = redeem_signed_by(rsa1(), kNow, kNow);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().reason, "oidc_unavailable");
  EXPECT_NE(r.error().detail.find("the provider's key set"), std::string::npos) << r.error().detail;
  // Only weak keys: each token refused, saying why its key was left out.
  const TestKey weak = TestKey::rsa("rsa-weak", 1024);
  provider_.set_jwks(jwks_of({weak.jwk()}));
  r = redeem_signed_by(weak, kNow + 1000, kNow + 1000);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().reason, "bad_id_token");
  EXPECT_NE(r.error().detail.find("1024 bits, under 2048"), std::string::npos) << r.error().detail;
  // The token endpoint's answer: an ID token too long, or none.
  provider_.set_jwks(jwks_of({rsa1().jwk()}));
  provider_.set_id_token(std::string(20'000, 'a'));
  r = client_->redeem("c", "v", "n-1", kNow + 2000);
  EXPECT_EQ(r.error().reason, "bad_id_token");
  EXPECT_NE(r.error().detail.find("longer than"), std::string::npos) << r.error().detail;
}

TEST(OidcClient, ADiscoveryDocumentOfAnotherIssuerIsRefused) {
  test::FakeOidcProvider provider;
  provider.set_discovery_issuer("https://evil.example.org");
  OidcConfig c;
  c.issuer = provider.issuer();
  c.client_id = "isoloir";
  c.client_secret = "s3cret";
  auto client = OidcClient::make(c);
  ASSERT_TRUE(client.ok());
  auto url = (*client)->authorization_url("st", "no", "ch");
  ASSERT_FALSE(url.ok());
  EXPECT_EQ(url.error().reason, "oidc_unavailable");
  c.jwks_refetch_seconds = 0;
  EXPECT_EQ(OidcClient::make(c).error().reason, "bad_config");
}

}  // namespace
}  // namespace isoloir::server

// The FranceConnect route of the code re-issue against the real
// isoloir-server, its provider on 127.0.0.1 in the test
// (fake_oidc_provider.h): the two navigations, /oidc/start (its answers
// without a session or a provider) and /oidc/callback with ID tokens signed
// RS256, ES256 and EdDSA, a rotated key, and keys the provider does not
// publish.
#include <gtest/gtest.h>
#include <httplib.h>

#include <chrono>
#include <string>

#include "fake_oidc_provider.h"
#include "http_harness.h"
#include "isoloir/bytes.h"
#include "isoloir/hash.h"
#include "jose_test_keys.h"
#include "portal_harness.h"

namespace isoloir::server::test {
namespace {

using isoloir::test::FakeOidcProvider;
using isoloir::test::jwks_of;
using isoloir::test::TestKey;

// Regression (issue 9): without a session, /oidc/start answered 404 when no
// provider was configured, where docs/api.md says 401.
TEST(PortalOidc, StartWithoutASessionIs401WithOrWithoutAProvider) {
  Election plain(staff(1), -3600, 86'400);
  auto anonymous = Browser(plain.port()).get("/api/v1/code/oidc/start");
  ASSERT_TRUE(anonymous);
  EXPECT_EQ(anonymous->status, 401);
  EXPECT_EQ(error_of(anonymous), "not_logged_in");
  auto logged_in = plain.activated(0).get("/api/v1/code/oidc/start");
  EXPECT_EQ(logged_in->status, 404);
  EXPECT_EQ(error_of(logged_in), "oidc_not_configured");
  EXPECT_EQ(Browser(plain.port()).get("/api/v1/code/oidc/callback?state=x&code=y")->status, 404);
  EXPECT_EQ(plain.stop(), 0);

  FakeOidcProvider provider;
  Election with(staff(1), -3600, 86'400,
                ", \"oidc\": {\"issuer\": \"" + provider.issuer() +
                    "\", \"client_id\": \"isoloir\", \"client_secret\": \"s3cret\"}");
  auto none = Browser(with.port()).get("/api/v1/code/oidc/start");
  EXPECT_EQ(none->status, 401);
  EXPECT_EQ(error_of(none), "not_logged_in");
  EXPECT_EQ(with.stop(), 0);
}

// One voter's trip to the provider and back: the start's redirect, the
// token the provider then issues (made by `sign` from the request's nonce),
// the callback's redirect.
struct Trip {
  httplib::Params authorize;   // the authorization request's parameters
  std::string back;            // where the callback sent the browser
  httplib::Params token_form;  // what the server sent to the token endpoint
};

class OidcRoute : public ::testing::Test {
 protected:
  OidcRoute()
      : election_(staff(2), -3600, 86'400,
                  ", \"oidc\": {\"issuer\": \"" + provider_.issuer() +
                      "\", \"client_id\": \"isoloir\", \"client_secret\": \"s3cret\"}") {}

  Json claims(const std::string& nonce, const std::string& family_name) const {
    Json c = Json::object();
    c["iss"] = provider_.issuer();
    c["aud"] = "isoloir";
    c["sub"] = "fc-" + family_name;
    c["nonce"] = nonce;
    c["iat"] = now_unix();
    c["exp"] = now_unix() + 60;
    c["email"] = "Jeanne.FC@example.net";
    c["email_verified"] = true;
    c["family_name"] = family_name;
    return c;
  }

  static int64_t now_unix() {
    return std::chrono::duration_cast<std::chrono::seconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
  }

  Trip trip(Browser& voter, const TestKey& key, const std::string& family_name = "Dupont") {
    Trip t;
    auto start = voter.get("/api/v1/code/oidc/start");
    EXPECT_TRUE(start && start->status == 302) << (start ? start->body : "no answer");
    if (!start || start->status != 302) return t;
    const std::string location = start->get_header_value("Location");
    EXPECT_EQ(location.rfind(provider_.issuer() + "/auth?", 0), 0u) << location;
    httplib::detail::parse_query_text(location.substr(location.find('?') + 1), t.authorize);
    provider_.set_id_token(key.sign(claims(param(t.authorize, "nonce"), family_name)));
    const size_t before = provider_.token_requests().size();
    // The provider sends the browser back (no session cookie: a cross-site
    // redirect does not carry a SameSite=Strict one).
    auto back = Browser(election_.port())
                    .get("/api/v1/code/oidc/callback?code=the-code&state=" +
                         httplib::detail::encode_query_param(param(t.authorize, "state")));
    EXPECT_TRUE(back && back->status == 302);
    if (back) t.back = back->get_header_value("Location");
    const auto forms = provider_.token_requests();
    if (forms.size() > before) t.token_form = forms.back();
    return t;
  }

  static std::string param(const httplib::Params& p, const char* key) {
    const auto it = p.find(key);
    return it == p.end() ? std::string() : it->second;
  }

  // httplib's client gives the Location header URL-decoded.
  static std::string sent_to(const std::string& masked) {
    return "/reassort?sent=email&to=" + masked;
  }

  size_t mails() const { return mails_to(election_.outbox(), "jeanne.fc@example.net").size(); }

  FakeOidcProvider provider_;
  Election election_;
};

TEST_F(OidcRoute, RS256ES256AndEdDSATokensEachMailTheLink) {
  const TestKey rsa = TestKey::rsa("rsa-1");
  const TestKey ec = TestKey::ec("ec-1");
  const TestKey ed = TestKey::ed25519("ed-1");
  provider_.set_jwks(jwks_of({rsa.jwk(), ec.jwk(), ed.jwk()}));
  Browser voter = election_.activated(0);
  size_t sent = 0;
  for (const TestKey* key : {&rsa, &ec, &ed}) {
    const Trip t = trip(voter, *key);
    EXPECT_EQ(t.back, sent_to("j***@example.net")) << key->alg();
    EXPECT_EQ(mails(), ++sent) << key->alg();
    // PKCE S256: the verifier sent to the token endpoint is the one whose
    // hash went in the authorization request; the rest as registered.
    EXPECT_EQ(param(t.authorize, "code_challenge_method"), "S256");
    EXPECT_EQ(param(t.authorize, "client_id"), "isoloir");
    EXPECT_EQ(param(t.authorize, "response_type"), "code");
    const std::string verifier = param(t.token_form, "code_verifier");
    EXPECT_EQ(base64url_encode(sha256(as_bytes(verifier))), param(t.authorize, "code_challenge"));
    EXPECT_EQ(param(t.token_form, "code"), "the-code");
  }
  const std::string link = mails_to(election_.outbox(), "jeanne.fc@example.net").back().body;
  EXPECT_NE(link.find("/reassort#"), std::string::npos);
  EXPECT_EQ(provider_.jwks_fetches(), 1);
  EXPECT_EQ(election_.stop(), 0);
}

TEST_F(OidcRoute, ARotatedKeyVerifiesAndKeysNotPublishedAreRefused) {
  const TestKey rsa1 = TestKey::rsa("rsa-1");
  provider_.set_jwks(jwks_of({rsa1.jwk()}));
  Browser voter = election_.activated(0);
  EXPECT_EQ(trip(voter, rsa1).back, sent_to("j***@example.net"));
  // The provider rotates: rsa-2 published first and signing; the server
  // has the old set cached and fetches it once more.
  const TestKey rsa2 = TestKey::rsa("rsa-2");
  provider_.set_jwks(jwks_of({rsa2.jwk(), rsa1.jwk()}));
  EXPECT_EQ(trip(voter, rsa2).back, sent_to("j***@example.net"));
  EXPECT_EQ(provider_.jwks_fetches(), 2);
  EXPECT_EQ(mails(), 2u);
  // A key the provider does not publish, under a new kid or under the
  // kid of a published key: refused, nothing mailed.
  const TestKey stranger = TestKey::ec("ec-9");
  EXPECT_EQ(trip(voter, stranger).back, "/reassort?error=bad_id_token");
  EXPECT_EQ(trip(voter, TestKey::rsa("rsa-2")).back, "/reassort?error=bad_id_token");
  // Signed by the right key for someone else's name: identity refused.
  EXPECT_EQ(trip(voter, rsa2, "Martin").back, "/reassort?error=identity_mismatch");
  EXPECT_EQ(mails(), 2u);
  // The unknown kid made one more fetch at most.
  EXPECT_LE(provider_.jwks_fetches(), 3);
  EXPECT_EQ(election_.stop(), 0);
}

}  // namespace
}  // namespace isoloir::server::test

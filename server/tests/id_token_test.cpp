// ID token checks, with tokens signed here by an Ed25519 key of the test's.
#include "isoloir/portal/id_token.h"

#include <gtest/gtest.h>
#include <sodium.h>

#include <array>
#include <cstdlib>
#include <string>

namespace isoloir::portal {
namespace {

constexpr int64_t kNow = 1'800'000'000;

std::string b64(std::string_view raw) {
  std::string out(sodium_base64_ENCODED_LEN(raw.size(), sodium_base64_VARIANT_URLSAFE_NO_PADDING),
                  '\0');
  sodium_bin2base64(out.data(), out.size(), reinterpret_cast<const unsigned char*>(raw.data()),
                    raw.size(), sodium_base64_VARIANT_URLSAFE_NO_PADDING);
  out.resize(out.find('\0'));
  return out;
}

struct Provider {
  std::array<uint8_t, crypto_sign_PUBLICKEYBYTES> pk{};
  std::array<uint8_t, crypto_sign_SECRETKEYBYTES> sk{};
  Provider() {
    if (sodium_init() < 0) std::abort();
    crypto_sign_keypair(pk.data(), sk.data());
  }
  std::string jwks(const std::string& kid = "k1") const {
    return R"({"keys":[{"kty":"RSA","kid":"r","n":"AQAB","e":"AQAB"},)"
           R"({"kty":"OKP","crv":"Ed25519","kid":")" +
           kid + R"(","x":")" +
           b64(std::string_view(reinterpret_cast<const char*>(pk.data()), pk.size())) + R"("}]})";
  }
  std::string sign(const Json& header, const Json& claims) const {
    const std::string signing = b64(header.dump()) + "." + b64(claims.dump());
    std::array<uint8_t, crypto_sign_BYTES> sig{};
    crypto_sign_detached(sig.data(), nullptr, reinterpret_cast<const uint8_t*>(signing.data()),
                         signing.size(), sk.data());
    return signing + "." +
           b64(std::string_view(reinterpret_cast<const char*>(sig.data()), sig.size()));
  }
};

Json header(const std::string& alg = "EdDSA", const std::string& kid = "k1") {
  Json h = Json::object();
  h["alg"] = alg;
  h["kid"] = kid;
  return h;
}

Json claims() {
  Json c = Json::object();
  c["iss"] = "https://fc.example.org";
  c["aud"] = "isoloir";
  c["sub"] = "abc";
  c["nonce"] = "n-123";
  c["iat"] = kNow - 10;
  c["exp"] = kNow + 60;
  c["email"] = "jeanne@example.net";
  return c;
}

IdTokenExpectations expect() {
  return IdTokenExpectations{"https://fc.example.org", "isoloir", "n-123", kNow, 120};
}

TEST(IdToken, AGoodTokenGivesItsClaims) {
  Provider p;
  auto c = verify_id_token(p.sign(header(), claims()), p.jwks(), expect());
  ASSERT_TRUE(c.ok()) << c.error().message();
  EXPECT_EQ((*c)["email"], "jeanne@example.net");
  // Several audiences are fine when we are the authorised party.
  Json multi = claims();
  multi["aud"] = Json::array({"other", "isoloir"});
  multi["azp"] = "isoloir";
  EXPECT_TRUE(verify_id_token(p.sign(header(), multi), p.jwks(), expect()).ok());
}

TEST(IdToken, EveryFaultIsRefused) {
  Provider p;
  Provider other;
  const std::string good = p.sign(header(), claims());
  auto refused = [&](const std::string& jwt, const std::string& jwks, const std::string& why) {
    auto r = verify_id_token(jwt, jwks, expect());
    ASSERT_FALSE(r.ok()) << why;
    EXPECT_EQ(r.error().reason, "bad_id_token") << why;
    EXPECT_NE(r.error().detail.find(why), std::string::npos) << r.error().detail;
  };
  refused(good.substr(0, good.rfind('.')), p.jwks(), "three parts");
  refused(good + ".x", p.jwks(), "three parts");
  refused(p.sign(header("none"), claims()), p.jwks(), "EdDSA");
  refused(p.sign(header("RS256"), claims()), p.jwks(), "EdDSA");
  // "none" with an empty signature, the classic downgrade.
  const std::string unsigned_jwt = good.substr(0, good.rfind('.') + 1);
  refused(unsigned_jwt, p.jwks(), "signature");
  refused(other.sign(header(), claims()), p.jwks(), "does not verify");
  refused(good, p.jwks("k2"), "no Ed25519 key");
  refused(good, R"({"keys": 3})", "JWKS");
  std::string flipped = good;
  flipped[good.find('.') + 5] = flipped[good.find('.') + 5] == 'A' ? 'B' : 'A';
  refused(flipped, p.jwks(), "");
  Json c = claims();
  c["iss"] = "https://evil.example.org";
  refused(p.sign(header(), c), p.jwks(), "issuer");
  c = claims();
  c["aud"] = "someone-else";
  refused(p.sign(header(), c), p.jwks(), "audience");
  c["aud"] = Json::array({"other", "isoloir"});
  refused(p.sign(header(), c), p.jwks(), "authorised party");
  c = claims();
  c["exp"] = kNow - 121;
  refused(p.sign(header(), c), p.jwks(), "expired");
  c = claims();
  c["iat"] = kNow + 500;
  refused(p.sign(header(), c), p.jwks(), "future");
  c = claims();
  c["nonce"] = "n-124";
  refused(p.sign(header(), c), p.jwks(), "nonce");
  c.erase("nonce");
  refused(p.sign(header(), c), p.jwks(), "nonce");
  Json crit = header();
  crit["crit"] = Json::array({"exp"});
  refused(p.sign(crit, claims()), p.jwks(), "critical");
}

}  // namespace
}  // namespace isoloir::portal

// ID token checks, with tokens signed here by keys the test draws (RSA and
// P-256 with OpenSSL, Ed25519 with libsodium): each algorithm accepted,
// then every fault refused with its reason, and the key set's parser
// leaving out each weak or malformed key with a reason.
#include "isoloir/portal/id_token.h"

#include <gtest/gtest.h>
#include <openssl/hmac.h>

#include <string>
#include <vector>

#include "jose_test_keys.h"

namespace isoloir::portal {
namespace {

using test::b64u;
using test::jwks_of;
using test::TestKey;
using namespace std::string_literals;

constexpr int64_t kNow = 1'800'000'000;

// Drawing RSA keys takes a while: once for the whole program.
struct Keys {
  TestKey rsa = TestKey::rsa("rsa-1");
  TestKey ec = TestKey::ec("ec-1");
  TestKey ed = TestKey::ed25519("ed-1");
  TestKey other_rsa = TestKey::rsa("rsa-1");  // same kid, another key
  TestKey other_ec = TestKey::ec("ec-1");
  TestKey short_rsa = TestKey::rsa("rsa-short", 1024);
  std::string jwks() const { return jwks_of({rsa.jwk(), ec.jwk(), ed.jwk()}); }
};

const Keys& keys() {
  static const Keys* k = new Keys();
  return *k;
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
  IdTokenExpectations e;
  e.issuer = "https://fc.example.org";
  e.client_id = "isoloir";
  e.nonce = "n-123";
  e.now = kNow;
  return e;
}

// A compact JWS with this header and payload text and these signature bytes.
std::string compact(const Json& header, const std::string& payload, const std::string& sig) {
  return b64u(header.dump()) + "." + b64u(payload) + "." + b64u(sig);
}

// `jwt` refused with "bad_id_token" and `why` in the detail.
void refused(const std::string& jwt, const std::string& jwks, const std::string& why,
             const IdTokenExpectations& e = expect()) {
  auto r = verify_id_token(jwt, jwks, e);
  ASSERT_FALSE(r.ok()) << "accepted, expected: " << why;
  EXPECT_EQ(r.error().reason, "bad_id_token") << why;
  EXPECT_NE(r.error().detail.find(why), std::string::npos) << r.error().detail;
}

TEST(IdToken, EachAlgorithmVerifiesWithItsKey) {
  const Keys& k = keys();
  for (const TestKey* key : {&k.rsa, &k.ec, &k.ed}) {
    auto c = verify_id_token(key->sign(claims()), k.jwks(), expect());
    ASSERT_TRUE(c.ok()) << key->alg() << ": " << c.error().message();
    EXPECT_EQ((*c)["email"], "jeanne@example.net");
  }
  // Several audiences are fine when we are the authorised party.
  Json multi = claims();
  multi["aud"] = Json::array({"other", "isoloir"});
  multi["azp"] = "isoloir";
  EXPECT_TRUE(verify_id_token(k.ec.sign(multi), k.jwks(), expect()).ok());
  // No kid in the token: the one key of the algorithm's type.
  Json no_kid = Json::object();
  no_kid["alg"] = "RS256";
  EXPECT_TRUE(verify_id_token(k.rsa.sign(claims(), no_kid), k.jwks(), expect()).ok());
  // The key set parsed once, used for many tokens.
  auto set = parse_jwks(k.jwks());
  ASSERT_TRUE(set.ok());
  EXPECT_EQ(set->keys.size(), 3u);
  EXPECT_TRUE(set->ignored.empty());
  EXPECT_TRUE(verify_id_token(k.ed.sign(claims()), *set, expect()).ok());
}

TEST(IdToken, OnlyTheAcceptedAlgorithmsAndNeverTheTokensChoiceOfKeyType) {
  const Keys& k = keys();
  const std::string jwks = k.jwks();
  const std::string good = k.rsa.sign(claims());
  const std::string payload = claims().dump();
  Json h = k.rsa.header();
  // "none" with an empty signature, the classic downgrade.
  h["alg"] = "none";
  refused(compact(h, payload, ""), jwks, "\"none\"");
  // HS256 keyed with the RSA public key's text: the classic confusion.
  h["alg"] = "HS256";
  const std::string secret = k.rsa.jwk().dump();
  const std::string input = b64u(h.dump()) + "." + b64u(payload);
  std::vector<uint8_t> mac(32);
  unsigned int mac_len = 0;
  HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()),
       reinterpret_cast<const uint8_t*>(input.data()), input.size(), mac.data(), &mac_len);
  refused(input + "." + b64u(mac), jwks, "\"HS256\" is not accepted");
  for (const char* alg : {"RS384", "PS256", "ES384", "ES256K", "Ed25519", "rs256"}) {
    h["alg"] = alg;
    refused(k.rsa.sign(claims(), h), jwks, "is not accepted");
  }
  h.erase("alg");
  refused(k.rsa.sign(claims(), h), jwks, "no \"alg\"");
  h["alg"] = 256;
  refused(k.rsa.sign(claims(), h), jwks, "no \"alg\"");

  // alg/key mismatch: the token says ES256 and names the RSA key (and
  // every other pairing): the key's type decides, the token cannot.
  for (const TestKey* signer : {&k.rsa, &k.ec, &k.ed}) {
    for (const TestKey* named : {&k.rsa, &k.ec, &k.ed}) {
      if (signer == named) continue;
      Json mixed = signer->header();
      mixed["kid"] = named->kid();
      refused(signer->sign(claims(), mixed), jwks, "key, not for");
    }
  }
  // An algorithm we verify but the deployment did not configure.
  IdTokenExpectations only_es = expect();
  only_es.algorithms = {JwsAlg::kES256};
  refused(good, jwks, "RS256 is not configured", only_es);
  EXPECT_TRUE(verify_id_token(k.ec.sign(claims()), jwks, only_es).ok());
}

TEST(IdToken, UnknownKidsBadSignaturesAndWrongLengthsAreRefused) {
  const Keys& k = keys();
  const std::string jwks = k.jwks();
  refused(k.rsa.renamed("rsa-9").sign(claims()), jwks, "no key of the provider has the kid");
  refused(k.rsa.sign(claims()), jwks_of({k.ec.jwk()}), "no key of the provider has the kid");
  Json no_kid = Json::object();
  no_kid["alg"] = "ES256";
  refused(k.ec.sign(claims(), no_kid), jwks_of({k.rsa.jwk()}), "no ES256 key");
  refused(k.ec.sign(claims(), no_kid), jwks_of({k.ec.jwk(), k.other_ec.renamed("ec-2").jwk()}),
          "several ES256 keys");
  refused(k.ec.sign(claims()), jwks_of({k.ec.jwk(), k.other_ec.jwk()}), "share the kid");
  // Signed by another key under a published kid.
  refused(k.other_rsa.sign(claims()), jwks, "does not verify");
  refused(k.other_ec.sign(claims()), jwks, "does not verify");
  refused(TestKey::ed25519("ed-1").sign(claims()), jwks, "does not verify");
  // One payload byte changed after signing, for each algorithm.
  for (const TestKey* key : {&k.rsa, &k.ec, &k.ed}) {
    std::string t = key->sign(claims());
    char& c = t[t.find('.') + 5];
    c = c == 'A' ? 'B' : 'A';
    refused(t, jwks, "does not verify");
  }
  // ES256: JOSE's raw r || s only; OpenSSL's DER form is refused, so is
  // any other length, and r or s zero.
  const Json eh = k.ec.header();
  const std::string payload = claims().dump();
  const std::string input = b64u(eh.dump()) + "." + b64u(payload);
  refused(input + "." + b64u(k.ec.der_signature(input)), jwks, "64 bytes (r || s)");
  std::vector<uint8_t> raw = k.ec.signature(input);
  refused(input + "." + b64u(std::vector<uint8_t>(raw.begin(), raw.begin() + 63)), jwks,
          "64 bytes");
  std::vector<uint8_t> longer = raw;
  longer.push_back(0);
  refused(input + "." + b64u(longer), jwks, "64 bytes");
  std::vector<uint8_t> zero_r = raw;
  std::fill(zero_r.begin(), zero_r.begin() + 32, 0);
  refused(input + "." + b64u(zero_r), jwks, "r or s 0");
  // The order n of P-256 as s (out of range): refused by the verification.
  std::vector<uint8_t> big_s = raw;
  const std::vector<uint8_t> order =
      *hex_decode("ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551");
  std::copy(order.begin(), order.end(), big_s.begin() + 32);
  refused(input + "." + b64u(big_s), jwks, "does not verify");
  // RS256: exactly the modulus length.
  const std::string rinput = b64u(k.rsa.header().dump()) + "." + b64u(payload);
  std::vector<uint8_t> rsig = k.rsa.signature(rinput);
  rsig.pop_back();
  refused(rinput + "." + b64u(rsig), jwks, "must be 256 bytes");
  refused(rinput + ".", jwks, "must be 256 bytes");
  // EdDSA: 64 bytes.
  const std::string dinput = b64u(k.ed.header().dump()) + "." + b64u(payload);
  refused(dinput + "." + b64u(std::string(63, 'x')), jwks, "64 bytes");
  refused(dinput + ".not*base64", jwks, "signature is not base64url");
}

TEST(IdToken, EveryClaimFaultIsRefused) {
  const Keys& k = keys();
  const std::string jwks = k.jwks();
  const TestKey& s = k.ec;
  Json c = claims();
  c["iss"] = "https://evil.example.org";
  refused(s.sign(c), jwks, "issuer");
  c.erase("iss");
  refused(s.sign(c), jwks, "issuer");
  c = claims();
  c["aud"] = "someone-else";
  refused(s.sign(c), jwks, "another audience");
  c["aud"] = Json::array({"other", "isoloir"});
  refused(s.sign(c), jwks, "authorised party");
  c["aud"] = 7;
  refused(s.sign(c), jwks, "malformed audience");
  c.erase("aud");
  refused(s.sign(c), jwks, "no audience");
  c = claims();
  c["exp"] = kNow - 121;
  refused(s.sign(c), jwks, "expired");
  c["exp"] = "soon";
  refused(s.sign(c), jwks, "integers");
  c = claims();
  c["iat"] = kNow + 500;
  refused(s.sign(c), jwks, "future");
  c = claims();
  c["nbf"] = kNow + 500;
  refused(s.sign(c), jwks, "not valid yet");
  c = claims();
  c.erase("sub");
  refused(s.sign(c), jwks, "no subject");
  c = claims();
  c["nonce"] = "n-124";
  refused(s.sign(c), jwks, "nonce");
  c["nonce"] = "n-12";
  refused(s.sign(c), jwks, "nonce");
  c.erase("nonce");
  refused(s.sign(c), jwks, "nonce");
  IdTokenExpectations no_nonce = expect();
  no_nonce.nonce = "";
  refused(s.sign(claims()), jwks, "nonce", no_nonce);
  // The clock: just inside the leeway passes, just outside fails.
  c = claims();
  c["exp"] = kNow - 119;
  EXPECT_TRUE(verify_id_token(s.sign(c), jwks, expect()).ok());
  c["exp"] = kNow - 120;
  refused(s.sign(c), jwks, "expired");
}

TEST(IdToken, HostileHeadersAndPayloadsGetAClearRefusal) {
  const Keys& k = keys();
  const std::string jwks = k.jwks();
  const std::string good = k.ec.sign(claims());
  refused(good.substr(0, good.rfind('.')), jwks, "three parts");
  refused(good + ".x", jwks, "three parts");
  refused("", jwks, "three parts");
  refused("..", jwks, "the header: not JSON");
  refused(std::string(kMaxIdTokenBytes + 1, 'a'), jwks, "longer than 16384 bytes");
  // Not base64url: padding, the standard alphabet, spaces, odd lengths.
  const std::string h64 = good.substr(0, good.find('.'));
  const std::string rest = good.substr(good.find('.'));
  refused(h64 + "=" + rest, jwks, "the header is not base64url");
  refused("+/" + h64 + rest, jwks, "the header is not base64url");
  refused(" " + h64 + rest, jwks, "the header is not base64url");
  refused(h64.substr(1) + rest, jwks, "the header");
  // Not an object; deep; duplicate alg; invalid UTF-8; a NUL byte.
  auto with_header = [&](const std::string& text) { return b64u(text) + rest; };
  refused(with_header("[\"ES256\"]"), jwks, "not a JSON object");
  refused(with_header("\"ES256\""), jwks, "not a JSON object");
  refused(with_header(std::string(5000, '[') + std::string(5000, ']')), jwks, "nested too deep");
  refused(with_header(R"({"alg":"ES256","x":)" + std::string(50, '{') + "}"), jwks,
          "nested too deep");
  refused(with_header(R"({"alg":"none","alg":"ES256","kid":"ec-1"})"), jwks,
          "the header: not JSON");
  refused(with_header("{\"alg\":\"ES256\",\"kid\":\"\xff\"}"), jwks, "the header: not JSON");
  refused(with_header("{\"alg\":\"ES256\"}\0{{{"s), jwks, "the header: a NUL byte");
  refused(with_header(R"({"alg":"ES256","kid":7})"), jwks, "\"kid\" is not a string");
  // Header parameters that change how the token is read.
  Json h = k.ec.header();
  h["crit"] = Json::array({"exp"});
  refused(k.ec.sign(claims(), h), jwks, "critical");
  h = k.ec.header();
  h["zip"] = "DEF";
  refused(k.ec.sign(claims(), h), jwks, "compressed");
  h = k.ec.header();
  h["typ"] = "at+jwt";
  refused(k.ec.sign(claims(), h), jwks, "not JWT");
  h["typ"] = "jwt";
  EXPECT_TRUE(verify_id_token(k.ec.sign(claims(), h), jwks, expect()).ok());
  // A payload that is signed but not a claims object, or hostile inside.
  const std::string input_head = b64u(k.ec.header().dump()) + ".";
  auto signed_payload = [&](const std::string& text) {
    const std::string input = input_head + b64u(text);
    return input + "." + b64u(k.ec.signature(input));
  };
  refused(signed_payload("[1,2]"), jwks, "the payload: not a JSON object");
  refused(signed_payload(std::string(5000, '[') + std::string(5000, ']')), jwks,
          "the payload: nested too deep");
  refused(signed_payload(R"({"sub":"a","sub":"b"})"), jwks, "the payload: not JSON");
  refused(signed_payload("{\"a\":1}\0"s), jwks, "the payload: a NUL byte");
  refused(signed_payload("{\"exp\": 1.5e9}"), jwks, "the payload: not JSON");
}

// The reason key i of `set` was left out (fails the test when it was kept).
std::string ignored_reason(const std::vector<Json>& set) {
  auto parsed = parse_jwks(jwks_of(set));
  EXPECT_TRUE(parsed.ok()) << parsed.error().message();
  if (!parsed) return "";
  EXPECT_TRUE(parsed->keys.empty());
  EXPECT_EQ(parsed->ignored.size(), 1u);
  return parsed->ignored.empty() ? "" : parsed->ignored[0];
}

#define EXPECT_IGNORED(jwk, why) \
  EXPECT_NE(ignored_reason({jwk}).find(why), std::string::npos) << ignored_reason({jwk})

TEST(IdToken, WeakOrMalformedKeysAreLeftOutWithAReason) {
  const Keys& k = keys();
  // A short RSA key: left out, and its tokens refused saying why.
  EXPECT_IGNORED(k.short_rsa.jwk(), "an RSA modulus of 1024 bits, under 2048");
  refused(k.short_rsa.sign(claims()), jwks_of({k.short_rsa.jwk()}), "1024 bits, under 2048");
  Json j = k.rsa.jwk();
  Bytes n = *base64url_decode(j["n"].get<std::string>());
  n.insert(n.begin(), 0);
  j["n"] = base64url_encode(n);
  EXPECT_IGNORED(j, "leading zero");
  j = k.rsa.jwk();
  n = *base64url_decode(j["n"].get<std::string>());
  n.back() &= 0xfe;
  j["n"] = base64url_encode(n);
  EXPECT_IGNORED(j, "even RSA modulus");
  j = k.rsa.jwk();
  j["n"] = base64url_encode(Bytes(1025, 0xff));
  EXPECT_IGNORED(j, "8200 bits, over 8192");
  for (const char* e : {"AQAA", "Ag", "AQ", "AAEAAQ", "AQEAAQE"}) {  // even, 2, 1, 0-led, 5 bytes
    j = k.rsa.jwk();
    j["e"] = e;
    EXPECT_NE(ignored_reason({j}), "") << e;
  }
  j = k.rsa.jwk();
  j.erase("e");
  EXPECT_IGNORED(j, "no \"e\"");
  j = k.rsa.jwk();
  j["n"] = "a+b/";
  EXPECT_IGNORED(j, "\"n\" is not base64url");
  // EC: a point off the curve (y changed), wrong sizes, another curve.
  j = k.ec.jwk();
  Bytes y = *base64url_decode(j["y"].get<std::string>());
  y[31] ^= 1;
  j["y"] = base64url_encode(y);
  EXPECT_IGNORED(j, "not on P-256");
  refused(k.ec.sign(claims()), jwks_of({j}), "not on P-256");
  j["y"] = base64url_encode(Bytes(32, 0xff));  // not even a field element
  EXPECT_IGNORED(j, "not on P-256");
  j = k.ec.jwk();
  j["x"] = base64url_encode(Bytes(31, 1));
  EXPECT_IGNORED(j, "32 bytes each");
  j = k.ec.jwk();
  j["crv"] = "P-384";
  EXPECT_IGNORED(j, "not P-256");
  j["crv"] = "secp256k1";
  EXPECT_IGNORED(j, "not P-256");
  // Ed25519: a small-order point, another curve.
  j = k.ed.jwk();
  j["x"] = base64url_encode(Bytes(32, 0));
  EXPECT_IGNORED(j, "not a valid Ed25519 point");
  j = k.ed.jwk();
  j["crv"] = "X25519";
  EXPECT_IGNORED(j, "not Ed25519");
  // Not for signatures, for another algorithm, private, symmetric, unknown.
  j = k.rsa.jwk();
  j["use"] = "enc";
  EXPECT_IGNORED(j, "not signatures");
  j = k.rsa.jwk();
  j["key_ops"] = Json::array({"encrypt"});
  EXPECT_IGNORED(j, "does not allow \"verify\"");
  j["key_ops"] = Json::array({"verify"});
  EXPECT_EQ(parse_jwks(jwks_of({j}))->keys.size(), 1u);
  j = k.rsa.jwk();
  j["alg"] = "PS256";
  EXPECT_IGNORED(j, "\"alg\" PS256 is not accepted for an RSA key");
  j = k.ec.jwk();
  j["alg"] = "RS256";
  EXPECT_IGNORED(j, "not accepted for a P-256 (EC) key");
  j = k.ec.jwk();
  j["d"] = j["x"];
  EXPECT_IGNORED(j, "private member \"d\"");
  Json oct = Json::object();
  oct["kty"] = "oct";
  oct["k"] = "c2VjcmV0";
  EXPECT_IGNORED(oct, "symmetric");
  j = k.rsa.jwk();
  j["kty"] = "RSA-PSS";
  EXPECT_IGNORED(j, "key type \"RSA-PSS\"");
  j = k.rsa.jwk();
  j["kid"] = Json::array({"a"});
  EXPECT_IGNORED(j, "\"kid\" is not a string");
  EXPECT_IGNORED(Json("a string"), "not an object");
  // The kid shown in the reason cannot carry control characters.
  j = k.short_rsa.jwk();
  j["kid"] = "\x1b[31mred";
  EXPECT_IGNORED(j, "(kid \"?[31mred\")");
  // The good keys next to the bad are kept.
  auto mixed = parse_jwks(jwks_of({k.short_rsa.jwk(), k.rsa.jwk(), oct, k.ec.jwk()}));
  ASSERT_TRUE(mixed.ok());
  EXPECT_EQ(mixed->keys.size(), 2u);
  EXPECT_EQ(mixed->ignored.size(), 2u);
}

TEST(IdToken, HostileKeySetsAreRefusedWhole) {
  const Keys& k = keys();
  auto bad_set = [](const std::string& text, const std::string& why) {
    auto r = parse_jwks(text);
    ASSERT_FALSE(r.ok()) << why;
    EXPECT_EQ(r.error().reason, "bad_jwks");
    EXPECT_NE(r.error().detail.find(why), std::string::npos) << r.error().detail;
  };
  bad_set(R"({"keys": 3})", "no \"keys\" array");
  bad_set(R"({"key": []})", "no \"keys\" array");
  bad_set("[]", "not a JSON object");
  bad_set("", "not JSON");
  bad_set(std::string(kMaxJwksBytes + 1, ' '), "larger than 65536 bytes");
  bad_set(R"({"keys": )" + std::string(1000, '[') + std::string(1000, ']') + "}",
          "nested too deep");
  std::vector<Json> many(kMaxJwksKeys + 1, k.ec.jwk());
  bad_set(jwks_of(many), "more than 32 keys");
  many.pop_back();
  auto at_limit = parse_jwks(jwks_of(many));
  ASSERT_TRUE(at_limit.ok());
  EXPECT_EQ(at_limit->keys.size(), kMaxJwksKeys);
  // Through verify_id_token: the same reason, as a refused token.
  refused(k.ec.sign(claims()), R"({"keys": 3})", "no \"keys\" array");
}

}  // namespace
}  // namespace isoloir::portal

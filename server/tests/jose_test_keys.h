// Signing keys made in the test, as an OpenID provider holds them: RSA and
// P-256 with OpenSSL, Ed25519 with libsodium; their public JWKs, a JWKS of
// them, and compact JWS signed with them (ES256 as JOSE's r || s). Nothing
// here is fixed in advance: every run draws new keys.
#ifndef ISOLOIR_SERVER_TESTS_JOSE_TEST_KEYS_H_
#define ISOLOIR_SERVER_TESTS_JOSE_TEST_KEYS_H_

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <sodium.h>

#include <array>
#include <cstdlib>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "isoloir/bytes.h"
#include "isoloir/canonical_json.h"

namespace isoloir::test {

inline std::string b64u(std::string_view raw) {
  return base64url_encode(as_bytes(raw));
}

inline std::string b64u(const std::vector<uint8_t>& raw) {
  return base64url_encode(raw);
}

// The unsigned big-endian bytes of an OpenSSL key's BIGNUM parameter.
inline std::vector<uint8_t> bn_param(EVP_PKEY* key, const char* name, int pad = 0) {
  BIGNUM* bn = nullptr;
  if (EVP_PKEY_get_bn_param(key, name, &bn) != 1) std::abort();
  std::vector<uint8_t> out(static_cast<size_t>(pad > 0 ? pad : BN_num_bytes(bn)));
  if (pad > 0) {
    BN_bn2binpad(bn, out.data(), pad);
  } else {
    BN_bn2bin(bn, out.data());
  }
  BN_free(bn);
  return out;
}

enum class KeyKind { kRsa, kEc, kEd25519 };

// One signing key of the test's provider.
class TestKey {
 public:
  static TestKey rsa(std::string kid, size_t bits = 2048) {
    TestKey k(KeyKind::kRsa, std::move(kid));
    k.evp_.reset(EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", bits), EVP_PKEY_free);
    if (!k.evp_) std::abort();
    return k;
  }
  static TestKey ec(std::string kid) {
    TestKey k(KeyKind::kEc, std::move(kid));
    k.evp_.reset(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256"), EVP_PKEY_free);
    if (!k.evp_) std::abort();
    return k;
  }
  static TestKey ed25519(std::string kid) {
    if (sodium_init() < 0) std::abort();
    TestKey k(KeyKind::kEd25519, std::move(kid));
    crypto_sign_keypair(k.pk_.data(), k.sk_.data());
    return k;
  }

  // The same key material under another kid.
  TestKey renamed(std::string kid) const {
    TestKey k = *this;
    k.kid_ = std::move(kid);
    return k;
  }

  const std::string& kid() const { return kid_; }
  KeyKind kind() const { return kind_; }
  const char* alg() const {
    return kind_ == KeyKind::kRsa ? "RS256" : kind_ == KeyKind::kEc ? "ES256" : "EdDSA";
  }

  // The public JWK, with kid, alg and use.
  Json jwk() const {
    Json j = Json::object();
    if (kind_ == KeyKind::kRsa) {
      j["kty"] = "RSA";
      j["n"] = b64u(bn_param(evp_.get(), OSSL_PKEY_PARAM_RSA_N));
      j["e"] = b64u(bn_param(evp_.get(), OSSL_PKEY_PARAM_RSA_E));
    } else if (kind_ == KeyKind::kEc) {
      j["kty"] = "EC";
      j["crv"] = "P-256";
      j["x"] = b64u(bn_param(evp_.get(), OSSL_PKEY_PARAM_EC_PUB_X, 32));
      j["y"] = b64u(bn_param(evp_.get(), OSSL_PKEY_PARAM_EC_PUB_Y, 32));
    } else {
      j["kty"] = "OKP";
      j["crv"] = "Ed25519";
      j["x"] = b64u(std::vector<uint8_t>(pk_.begin(), pk_.end()));
    }
    j["kid"] = kid_;
    j["alg"] = alg();
    j["use"] = "sig";
    return j;
  }

  // The raw JOSE signature of `input` (ES256: r || s).
  std::vector<uint8_t> signature(std::string_view input) const {
    if (kind_ == KeyKind::kEd25519) {
      std::vector<uint8_t> sig(crypto_sign_BYTES);
      crypto_sign_detached(sig.data(), nullptr, reinterpret_cast<const uint8_t*>(input.data()),
                           input.size(), sk_.data());
      return sig;
    }
    std::vector<uint8_t> der = der_signature(input);
    if (kind_ == KeyKind::kRsa) return der;
    const unsigned char* p = der.data();
    ECDSA_SIG* sig = d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(der.size()));
    if (sig == nullptr) std::abort();
    std::vector<uint8_t> raw(64);
    BN_bn2binpad(ECDSA_SIG_get0_r(sig), raw.data(), 32);
    BN_bn2binpad(ECDSA_SIG_get0_s(sig), raw.data() + 32, 32);
    ECDSA_SIG_free(sig);
    return raw;
  }

  // OpenSSL's own output: PKCS #1 v1.5 for RSA, DER for ECDSA.
  std::vector<uint8_t> der_signature(std::string_view input) const {
    EVP_MD_CTX* md = EVP_MD_CTX_new();
    size_t len = 0;
    if (md == nullptr ||
        EVP_DigestSignInit_ex(md, nullptr, "SHA256", nullptr, nullptr, evp_.get(), nullptr) != 1 ||
        EVP_DigestSign(md, nullptr, &len, reinterpret_cast<const uint8_t*>(input.data()),
                       input.size()) != 1) {
      std::abort();
    }
    std::vector<uint8_t> sig(len);
    if (EVP_DigestSign(md, sig.data(), &len, reinterpret_cast<const uint8_t*>(input.data()),
                       input.size()) != 1) {
      std::abort();
    }
    sig.resize(len);
    EVP_MD_CTX_free(md);
    return sig;
  }

  // A compact JWS of `claims` with `header` ({"alg", "kid"} of this key by default).
  std::string sign(const Json& claims, Json header = Json()) const {
    if (header.is_null()) header = this->header();
    const std::string input = b64u(header.dump()) + "." + b64u(claims.dump());
    return input + "." + b64u(signature(input));
  }

  Json header() const {
    Json h = Json::object();
    h["alg"] = alg();
    h["kid"] = kid_;
    h["typ"] = "JWT";
    return h;
  }

 private:
  TestKey(KeyKind kind, std::string kid) : kind_(kind), kid_(std::move(kid)) {}
  KeyKind kind_;
  std::string kid_;
  std::shared_ptr<EVP_PKEY> evp_;
  std::array<uint8_t, crypto_sign_PUBLICKEYBYTES> pk_{};
  std::array<uint8_t, crypto_sign_SECRETKEYBYTES> sk_{};
};

// {"keys": [...]} of these JWKs.
inline std::string jwks_of(const std::vector<Json>& keys) {
  Json set = Json::object();
  set["keys"] = Json::array();
  for (const Json& k : keys) set["keys"].push_back(k);
  return set.dump();
}

}  // namespace isoloir::test

#endif  // ISOLOIR_SERVER_TESTS_JOSE_TEST_KEYS_H_

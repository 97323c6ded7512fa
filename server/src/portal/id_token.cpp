#include "isoloir/portal/id_token.h"

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/rsa.h>
#include <sodium.h>

#include <algorithm>
#include <bit>
#include <initializer_list>
#include <utility>

#include "isoloir/bytes.h"
#include "isoloir/random.h"

namespace isoloir::portal {
namespace {

Error bad(const std::string& what) {
  return fail("bad_id_token", what);
}

Error bad_set(const std::string& what) {
  return fail("bad_jwks", "the provider's key set: " + what);
}

// Why one key of a set is left out (parse_jwks keeps the detail).
Error skip(const std::string& why) {
  return fail("ignored_key", why);
}

// --- OpenSSL's objects, freed on every path --------------------------------

struct BnFree {
  void operator()(BIGNUM* b) const { BN_free(b); }
};
struct BldFree {
  void operator()(OSSL_PARAM_BLD* b) const { OSSL_PARAM_BLD_free(b); }
};
struct ParamFree {
  void operator()(OSSL_PARAM* p) const { OSSL_PARAM_free(p); }
};
struct PkeyCtxFree {
  void operator()(EVP_PKEY_CTX* c) const { EVP_PKEY_CTX_free(c); }
};
struct MdCtxFree {
  void operator()(EVP_MD_CTX* c) const { EVP_MD_CTX_free(c); }
};
struct EcdsaSigFree {
  void operator()(ECDSA_SIG* s) const { ECDSA_SIG_free(s); }
};
using Bignum = std::unique_ptr<BIGNUM, BnFree>;

// Empties this thread's OpenSSL error queue on the way out, so that a
// refused key or signature leaves nothing for its next user (libcurl reads
// the same queue for TLS).
class ErrorQueueGuard {
 public:
  ErrorQueueGuard() = default;
  ErrorQueueGuard(const ErrorQueueGuard&) = delete;
  ErrorQueueGuard& operator=(const ErrorQueueGuard&) = delete;
  ~ErrorQueueGuard() { ERR_clear_error(); }
};

// --- outside text ----------------------------------------------------------

// A value from the provider, safe to put in a message a terminal prints:
// printable ASCII only, at most 64 bytes.
std::string shown(std::string_view s) {
  std::string out;
  for (const char c : s.substr(0, 64)) out += c >= 0x20 && c < 0x7f ? c : '?';
  return s.size() > 64 ? out + "..." : out;
}

// Whether `text` nests arrays and objects at most `max` deep (inside
// strings nothing counts): checked before the parser ever recurses.
bool shallow(std::string_view text, size_t max) {
  size_t depth = 0;
  bool in_string = false;
  bool escaped = false;
  for (const char c : text) {
    if (in_string) {
      if (escaped) {
        escaped = false;
      } else if (c == '\\') {
        escaped = true;
      } else if (c == '"') {
        in_string = false;
      }
    } else if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      if (++depth > max) return false;
    } else if ((c == ']' || c == '}') && depth > 0) {
      --depth;
    }
  }
  return true;
}

// A JSON object from the bytes of `text` (already size-checked), or why not.
Result<Json> object_of(std::string_view text) {
  // A NUL byte is never JSON; some parsers stop at it and take what follows.
  if (text.find('\0') != std::string_view::npos) return fail("bad", "a NUL byte");
  if (!shallow(text, kMaxJsonDepth)) return fail("bad", "nested too deep");
  Result<Json> j = parse_json(text);
  if (!j) return fail("bad", "not JSON (" + j.error().detail + ")");
  if (!j->is_object()) return fail("bad", "not a JSON object");
  return std::move(j).value();
}

// A base64url part of a compact JWS, decoded and parsed as an object.
Result<Json> json_part(std::string_view part, const char* name) {
  Result<Bytes> raw = base64url_decode(part);
  if (!raw) return bad(std::string(name) + " is not base64url (" + raw.error().detail + ")");
  Result<Json> j =
      object_of(std::string_view(reinterpret_cast<const char*>(raw->data()), raw->size()));
  if (!j) return bad(std::string(name) + ": " + j.error().detail);
  return std::move(j).value();
}

// The string member `key`, "" when absent; nullopt-like failure when present
// but not a string.
Result<std::string> optional_string(const Json& o, const char* key) {
  const auto it = o.find(key);
  if (it == o.end()) return std::string();
  if (!it->is_string()) return fail("bad", std::string("\"") + key + "\" is not a string");
  return it->get<std::string>();
}

std::string string_member(const Json& o, const char* key) {
  const auto it = o.find(key);
  return it != o.end() && it->is_string() ? it->get<std::string>() : std::string();
}

// --- keys --------------------------------------------------------------------

const char* key_type_of(JwsAlg alg) {
  switch (alg) {
    case JwsAlg::kEdDSA:
      return "an Ed25519 (OKP)";
    case JwsAlg::kES256:
      return "a P-256 (EC)";
    case JwsAlg::kRS256:
      return "an RSA";
  }
  return "an unknown";
}

// The bytes of the base64url member `key` of a JWK.
Result<Bytes> key_bytes(const Json& k, const char* key) {
  const auto it = k.find(key);
  if (it == k.end() || !it->is_string()) return skip(std::string("no \"") + key + "\"");
  Result<Bytes> raw = base64url_decode(it->get<std::string>());
  if (!raw) return skip(std::string("\"") + key + "\" is not base64url");
  return std::move(raw).value();
}

std::shared_ptr<evp_pkey_st> shared_key(EVP_PKEY* raw) {
  return {raw, EVP_PKEY_free};
}

// An EVP_PKEY of `type` ("RSA", "EC") from public parameters.
Result<std::shared_ptr<evp_pkey_st>> key_from(const char* type, const OSSL_PARAM* params) {
  const std::unique_ptr<EVP_PKEY_CTX, PkeyCtxFree> ctx(
      EVP_PKEY_CTX_new_from_name(nullptr, type, nullptr));
  EVP_PKEY* raw = nullptr;
  if (!ctx || EVP_PKEY_fromdata_init(ctx.get()) != 1 ||
      EVP_PKEY_fromdata(ctx.get(), &raw, EVP_PKEY_PUBLIC_KEY, const_cast<OSSL_PARAM*>(params)) !=
          1 ||
      raw == nullptr) {
    EVP_PKEY_free(raw);
    return skip(std::string("OpenSSL refuses it as an ") + type + " public key");
  }
  std::shared_ptr<evp_pkey_st> key = shared_key(raw);
  // The point on the curve, the modulus sane: OpenSSL's own check too.
  const std::unique_ptr<EVP_PKEY_CTX, PkeyCtxFree> check(
      EVP_PKEY_CTX_new_from_pkey(nullptr, key.get(), nullptr));
  if (!check || EVP_PKEY_public_check(check.get()) != 1) {
    return skip(std::string("not a valid ") + type + " public key");
  }
  return key;
}

Result<Jwk> rsa_key(const Json& k) {
  Result<Bytes> n = key_bytes(k, "n");
  if (!n) return n.error();
  Result<Bytes> e = key_bytes(k, "e");
  if (!e) return e.error();
  // RFC 7518 section 6.3.1: unsigned big-endian, no leading zero byte.
  if (n->empty() || (*n)[0] == 0) return skip("\"n\" is empty or has a leading zero byte");
  const size_t bits = n->size() * 8 - static_cast<size_t>(std::countl_zero((*n)[0]));
  if (bits < kMinRsaBits) {
    return skip("an RSA modulus of " + std::to_string(bits) + " bits, under " +
                std::to_string(kMinRsaBits));
  }
  if (bits > kMaxRsaBits) {
    return skip("an RSA modulus of " + std::to_string(bits) + " bits, over " +
                std::to_string(kMaxRsaBits));
  }
  if ((n->back() & 1) == 0) return skip("an even RSA modulus");
  if (e->empty() || e->size() > 4 || (*e)[0] == 0) {
    return skip("\"e\" is not a minimal integer of at most 32 bits");
  }
  uint32_t exponent = 0;
  for (const uint8_t b : *e) exponent = (exponent << 8) | b;
  if (exponent < 3 || exponent % 2 == 0) return skip("an RSA exponent that is even or under 3");

  const Bignum bn_n(BN_bin2bn(n->data(), static_cast<int>(n->size()), nullptr));
  const Bignum bn_e(BN_bin2bn(e->data(), static_cast<int>(e->size()), nullptr));
  const std::unique_ptr<OSSL_PARAM_BLD, BldFree> bld(OSSL_PARAM_BLD_new());
  if (!bn_n || !bn_e || !bld ||
      OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_N, bn_n.get()) != 1 ||
      OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_E, bn_e.get()) != 1) {
    return skip("out of memory");
  }
  const std::unique_ptr<OSSL_PARAM, ParamFree> params(OSSL_PARAM_BLD_to_param(bld.get()));
  if (!params) return skip("out of memory");
  Result<std::shared_ptr<evp_pkey_st>> key = key_from("RSA", params.get());
  if (!key) return key.error();
  Jwk out;
  out.alg = JwsAlg::kRS256;
  out.evp = std::move(*key);
  out.rsa_bytes = n->size();
  return out;
}

Result<Jwk> ec_key(const Json& k) {
  if (string_member(k, "crv") != "P-256") {
    return skip("the curve \"" + shown(string_member(k, "crv")) + "\" is not P-256");
  }
  Result<Bytes> x = key_bytes(k, "x");
  if (!x) return x.error();
  Result<Bytes> y = key_bytes(k, "y");
  if (!y) return y.error();
  if (x->size() != 32 || y->size() != 32) return skip("\"x\" and \"y\" must be 32 bytes each");
  // SEC 1 section 2.3.3: the uncompressed point 04 || x || y.
  std::array<uint8_t, 65> point{};
  point[0] = 0x04;
  std::copy(x->begin(), x->end(), point.begin() + 1);
  std::copy(y->begin(), y->end(), point.begin() + 33);
  char group[] = "prime256v1";
  const std::array<OSSL_PARAM, 3> params = {
      OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME, group, 0),
      OSSL_PARAM_construct_octet_string(OSSL_PKEY_PARAM_PUB_KEY, point.data(), point.size()),
      OSSL_PARAM_construct_end()};
  Result<std::shared_ptr<evp_pkey_st>> key = key_from("EC", params.data());
  if (!key) return skip("the point (x, y) is not on P-256");
  Jwk out;
  out.alg = JwsAlg::kES256;
  out.evp = std::move(*key);
  return out;
}

Result<Jwk> okp_key(const Json& k) {
  if (string_member(k, "crv") != "Ed25519") {
    return skip("the curve \"" + shown(string_member(k, "crv")) + "\" is not Ed25519");
  }
  Result<Bytes> x = key_bytes(k, "x");
  if (!x) return x.error();
  if (x->size() != 32) return skip("\"x\" must be 32 bytes");
  Jwk out;
  std::copy(x->begin(), x->end(), out.ed25519.begin());
  if (crypto_core_ed25519_is_valid_point(out.ed25519.data()) != 1) {
    return skip("\"x\" is not a valid Ed25519 point");
  }
  out.alg = JwsAlg::kEdDSA;
  return out;
}

// "use" absent or "sig"; "key_ops" absent or an array of strings with "verify".
Status for_signatures(const Json& k) {
  Result<std::string> use = optional_string(k, "use");
  if (!use) return skip(use.error().detail);
  if (!use->empty() && *use != "sig") return skip("for \"" + shown(*use) + "\", not signatures");
  const auto ops = k.find("key_ops");
  if (ops == k.end()) return Status::Ok();
  if (!ops->is_array()) return skip("\"key_ops\" is not an array");
  bool verify = false;
  for (const Json& op : *ops) {
    if (!op.is_string()) return skip("\"key_ops\" holds a non-string");
    verify = verify || op.get<std::string>() == "verify";
  }
  return verify ? Status::Ok() : Status(skip("\"key_ops\" does not allow \"verify\""));
}

Result<Jwk> parse_key(const Json& k) {
  if (!k.is_object()) return skip("not an object");
  Result<std::string> kid = optional_string(k, "kid");
  if (!kid) return skip(kid.error().detail);
  const std::string kty = string_member(k, "kty");
  if (kty == "oct") return skip("a symmetric key (kty oct): HS256 and its kin are never accepted");
  // Private parts published with the key: anyone could sign with it.
  for (const char* m : {"d", "p", "q", "dp", "dq", "qi", "oth", "k"}) {
    if (k.contains(m)) return skip(std::string("a private member \"") + m + "\" is published");
  }
  if (Status s = for_signatures(k); !s) return s.error();
  JwsAlg alg = JwsAlg::kEdDSA;
  if (kty == "RSA") {
    alg = JwsAlg::kRS256;
  } else if (kty == "EC") {
    alg = JwsAlg::kES256;
  } else if (kty != "OKP") {
    return skip("the key type \"" + shown(kty) + "\" is not accepted");
  }
  Result<std::string> declared = optional_string(k, "alg");
  if (!declared) return skip(declared.error().detail);
  if (!declared->empty() && *declared != jws_alg_name(alg)) {
    return skip("\"alg\" " + shown(*declared) + " is not accepted for " + key_type_of(alg) +
                " key (" + jws_alg_name(alg) + " only)");
  }
  Result<Jwk> key = alg == JwsAlg::kRS256   ? rsa_key(k)
                    : alg == JwsAlg::kES256 ? ec_key(k)
                                            : okp_key(k);
  if (!key) return key.error();
  key->kid = std::move(*kid);
  return key;
}

// " (kid \"x\")" for a message about key `k`, or "".
std::string kid_label(const Json& k) {
  const std::string kid = k.is_object() ? string_member(k, "kid") : std::string();
  return kid.empty() ? std::string() : " (kid \"" + shown(kid) + "\")";
}

// The reasons keys were left out, for a message (the first three).
std::string ignored_note(const KeySet& keys) {
  if (keys.ignored.empty()) return "";
  std::string out = "; ignored: ";
  for (size_t i = 0; i < keys.ignored.size() && i < 3; ++i) {
    out += (i == 0 ? "" : "; ") + keys.ignored[i];
  }
  return keys.ignored.size() > 3 ? out + "; ..." : out;
}

// --- signatures --------------------------------------------------------------

// JOSE's ES256 signature is r || s, 32 bytes each (RFC 7518 section
// 3.4); OpenSSL verifies the DER SEQUENCE of two INTEGERs.
Result<Bytes> es256_der(ByteView raw) {
  const std::unique_ptr<ECDSA_SIG, EcdsaSigFree> sig(ECDSA_SIG_new());
  Bignum r(BN_bin2bn(raw.data(), 32, nullptr));
  Bignum s(BN_bin2bn(raw.data() + 32, 32, nullptr));
  if (!sig || !r || !s) return bad("out of memory");
  if (BN_is_zero(r.get()) || BN_is_zero(s.get())) return bad("an ES256 signature with r or s 0");
  if (ECDSA_SIG_set0(sig.get(), r.get(), s.get()) != 1) return bad("out of memory");
  (void)r.release();  // owned by sig now
  (void)s.release();
  unsigned char* der = nullptr;
  const int len = i2d_ECDSA_SIG(sig.get(), &der);
  if (len <= 0 || der == nullptr) return bad("out of memory");
  Bytes out(der, der + len);
  OPENSSL_free(der);
  return out;
}

// SHA-256 then the key's scheme (PKCS #1 v1.5 for RSA, ECDSA for EC).
bool digest_verify(evp_pkey_st* key, bool rsa, ByteView data, ByteView sig) {
  const std::unique_ptr<EVP_MD_CTX, MdCtxFree> md(EVP_MD_CTX_new());
  EVP_PKEY_CTX* pctx = nullptr;  // owned by md
  if (!md ||
      EVP_DigestVerifyInit_ex(md.get(), &pctx, "SHA256", nullptr, nullptr, key, nullptr) != 1) {
    return false;
  }
  if (rsa && EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PADDING) <= 0) return false;
  return EVP_DigestVerify(md.get(), sig.data(), sig.size(), data.data(), data.size()) == 1;
}

Status verify_signature(const Jwk& key, std::string_view signed_part, ByteView sig) {
  const ByteView data = as_bytes(signed_part);
  const ErrorQueueGuard guard;
  switch (key.alg) {
    case JwsAlg::kEdDSA:
      if (sig.size() != crypto_sign_BYTES) return bad("an EdDSA signature must be 64 bytes");
      if (crypto_sign_verify_detached(sig.data(), data.data(), data.size(), key.ed25519.data()) ==
          0) {
        return Status::Ok();
      }
      break;
    case JwsAlg::kES256: {
      if (sig.size() != 64) {
        return bad("an ES256 signature must be 64 bytes (r || s), not " +
                   std::to_string(sig.size()));
      }
      Result<Bytes> der = es256_der(sig);
      if (!der) return der.error();
      if (digest_verify(key.evp.get(), false, data, *der)) return Status::Ok();
      break;
    }
    case JwsAlg::kRS256:
      if (sig.size() != key.rsa_bytes) {
        return bad("an RS256 signature must be " + std::to_string(key.rsa_bytes) +
                   " bytes (the modulus), not " + std::to_string(sig.size()));
      }
      if (digest_verify(key.evp.get(), true, data, sig)) return Status::Ok();
      break;
  }
  return bad("the signature does not verify");
}

// --- claims ------------------------------------------------------------------

Status check_audience(const Json& claims, const std::string& client_id) {
  const auto aud = claims.find("aud");
  if (aud == claims.end()) return bad("no audience");
  if (aud->is_string()) {
    return aud->get<std::string>() == client_id ? Status::Ok() : Status(bad("another audience"));
  }
  if (!aud->is_array()) return bad("a malformed audience");
  bool found = false;
  for (const Json& a : *aud) found = found || (a.is_string() && a.get<std::string>() == client_id);
  if (!found) return bad("another audience");
  if (aud->size() > 1 && string_member(claims, "azp") != client_id) {
    return bad("several audiences and we are not the authorised party");
  }
  return Status::Ok();
}

Status check_times(const Json& claims, const IdTokenExpectations& e) {
  const auto exp = claims.find("exp");
  const auto iat = claims.find("iat");
  if (exp == claims.end() || !exp->is_number_integer() || iat == claims.end() ||
      !iat->is_number_integer()) {
    return bad("exp and iat must be integers");
  }
  if (e.now >= exp->get<int64_t>() + e.leeway) return bad("expired");
  if (iat->get<int64_t>() > e.now + e.leeway) return bad("issued in the future");
  const auto nbf = claims.find("nbf");
  if (nbf != claims.end()) {
    if (!nbf->is_number_integer()) return bad("nbf must be an integer");
    if (nbf->get<int64_t>() > e.now + e.leeway) return bad("not valid yet (nbf)");
  }
  return Status::Ok();
}

Status check_claims(const Json& claims, const IdTokenExpectations& expect) {
  if (string_member(claims, "iss") != expect.issuer) return bad("another issuer");
  if (Status s = check_audience(claims, expect.client_id); !s) return s.error();
  if (Status s = check_times(claims, expect); !s) return s.error();
  if (string_member(claims, "sub").empty()) return bad("no subject (sub)");
  const std::string nonce = string_member(claims, "nonce");
  if (expect.nonce.empty() || nonce.size() != expect.nonce.size() ||
      !equal_ct(as_bytes(nonce), as_bytes(expect.nonce))) {
    return bad("the nonce is not ours");
  }
  return Status::Ok();
}

// The three parts of a compact JWS, or why not.
struct Parts {
  std::string_view header, payload, signature;
};

Result<Parts> split(std::string_view jwt) {
  if (jwt.size() > kMaxIdTokenBytes) {
    return bad("longer than " + std::to_string(kMaxIdTokenBytes) + " bytes");
  }
  const size_t dot1 = jwt.find('.');
  const size_t dot2 = dot1 == std::string_view::npos ? dot1 : jwt.find('.', dot1 + 1);
  if (dot2 == std::string_view::npos || jwt.find('.', dot2 + 1) != std::string_view::npos) {
    return bad("not a compact JWS (three parts)");
  }
  return Parts{jwt.substr(0, dot1), jwt.substr(dot1 + 1, dot2 - dot1 - 1), jwt.substr(dot2 + 1)};
}

}  // namespace

const char* jws_alg_name(JwsAlg alg) {
  switch (alg) {
    case JwsAlg::kEdDSA:
      return "EdDSA";
    case JwsAlg::kES256:
      return "ES256";
    case JwsAlg::kRS256:
      return "RS256";
  }
  return "?";
}

Result<KeySet> parse_jwks(std::string_view text) {
  ensure_sodium();
  const ErrorQueueGuard guard;
  if (text.size() > kMaxJwksBytes) {
    return bad_set("larger than " + std::to_string(kMaxJwksBytes) + " bytes");
  }
  Result<Json> set = object_of(text);
  if (!set) return bad_set(set.error().detail);
  const auto keys = set->find("keys");
  if (keys == set->end() || !keys->is_array()) return bad_set("no \"keys\" array");
  if (keys->size() > kMaxJwksKeys) {
    return bad_set("more than " + std::to_string(kMaxJwksKeys) + " keys");
  }
  KeySet out;
  size_t i = 0;
  for (const Json& k : *keys) {
    Result<Jwk> key = parse_key(k);
    if (key) {
      out.keys.push_back(std::move(*key));
    } else {
      out.ignored.push_back("key " + std::to_string(i) + kid_label(k) + ": " + key.error().detail);
    }
    ++i;
  }
  return out;
}

Result<JoseHeader> read_jose_header(std::string_view jwt, const std::vector<JwsAlg>& allowed) {
  Result<Parts> parts = split(jwt);
  if (!parts) return parts.error();
  Result<Json> header = json_part(parts->header, "the header");
  if (!header) return header.error();
  // The algorithm is ours to choose, not the token's: the few we verify,
  // each bound to its key type by select_key.
  Result<std::string> alg = optional_string(*header, "alg");
  if (!alg || alg->empty()) return bad("the header has no \"alg\"");
  JoseHeader out;
  if (*alg == "EdDSA") {
    out.alg = JwsAlg::kEdDSA;
  } else if (*alg == "ES256") {
    out.alg = JwsAlg::kES256;
  } else if (*alg == "RS256") {
    out.alg = JwsAlg::kRS256;
  } else if (*alg == "none") {
    return bad("the algorithm \"none\" (an unsigned token) is refused");
  } else {
    return bad("the algorithm \"" + shown(*alg) + "\" is not accepted (EdDSA, ES256 or RS256)");
  }
  if (std::find(allowed.begin(), allowed.end(), out.alg) == allowed.end()) {
    return bad(std::string("the algorithm ") + jws_alg_name(out.alg) + " is not configured");
  }
  if (header->contains("crit")) return bad("critical header parameters are not supported");
  if (header->contains("zip")) return bad("compressed payloads are not supported");
  Result<std::string> kid = optional_string(*header, "kid");
  if (!kid) return bad("the header's " + kid.error().detail);
  Result<std::string> typ = optional_string(*header, "typ");
  if (!typ) return bad("the header's " + typ.error().detail);
  std::string lower = *typ;
  for (char& c : lower) c = c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
  if (!lower.empty() && lower != "jwt" && lower != "application/jwt") {
    return bad("the token's type \"" + shown(*typ) + "\" is not JWT");
  }
  out.kid = std::move(*kid);
  return out;
}

Result<const Jwk*> select_key(const KeySet& keys, const JoseHeader& header) {
  std::vector<const Jwk*> candidates;
  const Jwk* other_type = nullptr;
  for (const Jwk& k : keys.keys) {
    if (!header.kid.empty() && k.kid != header.kid) continue;
    if (k.alg == header.alg) {
      candidates.push_back(&k);
    } else {
      other_type = &k;
    }
  }
  if (candidates.size() == 1) return candidates[0];
  const std::string alg = jws_alg_name(header.alg);
  if (candidates.size() > 1) {
    return bad(header.kid.empty()
                   ? "several " + alg + " keys and the token names none"
                   : "several " + alg + " keys share the kid \"" + shown(header.kid) + "\"");
  }
  if (other_type != nullptr && !header.kid.empty()) {
    return bad("the key \"" + shown(header.kid) + "\" is " + key_type_of(other_type->alg) +
               " key, not for " + alg);
  }
  if (!header.kid.empty()) {
    return bad("no key of the provider has the kid \"" + shown(header.kid) + "\" (for " + alg +
               ")" + ignored_note(keys));
  }
  return bad("no " + alg + " key in the provider's key set" + ignored_note(keys));
}

Result<Json> verify_id_token(std::string_view jwt, const KeySet& keys,
                             const IdTokenExpectations& expect) {
  ensure_sodium();
  Result<JoseHeader> header = read_jose_header(jwt, expect.algorithms);
  if (!header) return header.error();
  Result<const Jwk*> key = select_key(keys, *header);
  if (!key) return key.error();
  const Parts parts = *split(jwt);
  Result<Bytes> signature = base64url_decode(parts.signature);
  if (!signature) return bad("the signature is not base64url");
  const std::string_view signed_part =
      jwt.substr(0, parts.header.size() + 1 + parts.payload.size());
  if (Status s = verify_signature(**key, signed_part, *signature); !s) return s.error();
  Result<Json> claims = json_part(parts.payload, "the payload");
  if (!claims) return claims.error();
  if (Status s = check_claims(*claims, expect); !s) return s.error();
  return std::move(claims).value();
}

Result<Json> verify_id_token(std::string_view jwt, std::string_view jwks,
                             const IdTokenExpectations& expect) {
  Result<KeySet> keys = parse_jwks(jwks);
  if (!keys) return bad(keys.error().detail);
  return verify_id_token(jwt, *keys, expect);
}

}  // namespace isoloir::portal

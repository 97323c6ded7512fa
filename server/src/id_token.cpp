#include "isoloir/portal/id_token.h"

#include <sodium.h>

#include <array>
#include <vector>

#include "isoloir/bytes.h"
#include "isoloir/random.h"

namespace isoloir::portal {
namespace {

Error bad(const std::string& what) {
  return fail("bad_id_token", what);
}

// JOSE base64url: no padding (RFC 7515 section 2).
Result<std::string> b64url(std::string_view text) {
  std::string out(text.size(), '\0');
  size_t len = 0;
  if (sodium_base642bin(reinterpret_cast<unsigned char*>(out.data()), out.size(), text.data(),
                        text.size(), nullptr, &len, nullptr,
                        sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0) {
    return bad("a part is not base64url");
  }
  out.resize(len);
  return out;
}

Result<Json> json_part(std::string_view text, const char* name) {
  Result<std::string> raw = b64url(text);
  if (!raw) return raw.error();
  Result<Json> j = parse_json(*raw);
  if (!j || !j->is_object()) return bad(std::string(name) + " is not a JSON object");
  return std::move(j).value();
}

std::string string_member(const Json& o, const char* key) {
  const auto it = o.find(key);
  return it != o.end() && it->is_string() ? it->get<std::string>() : std::string();
}

// The Ed25519 public key for `kid` (any Ed25519 key when kid is empty and
// the set holds exactly one).
Result<std::array<uint8_t, 32>> find_key(std::string_view jwks, const std::string& kid) {
  Result<Json> set = parse_json(jwks);
  if (!set || !set->is_object() || !set->contains("keys") || !(*set)["keys"].is_array()) {
    return bad("the provider's key set is not a JWKS");
  }
  std::vector<std::array<uint8_t, 32>> candidates;
  for (const Json& k : (*set)["keys"]) {
    if (!k.is_object() || string_member(k, "kty") != "OKP" ||
        string_member(k, "crv") != "Ed25519") {
      continue;
    }
    if (!kid.empty() && string_member(k, "kid") != kid) continue;
    Result<std::string> x = b64url(string_member(k, "x"));
    if (!x || x->size() != 32) continue;
    std::array<uint8_t, 32> key{};
    std::copy(x->begin(), x->end(), key.begin());
    candidates.push_back(key);
  }
  if (candidates.size() != 1) {
    return bad(candidates.empty() ? "no Ed25519 key of the provider matches the token"
                                  : "several keys match and the token names none");
  }
  return candidates[0];
}

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
  return Status::Ok();
}

}  // namespace

Result<Json> verify_id_token(std::string_view jwt, std::string_view jwks,
                             const IdTokenExpectations& expect) {
  ensure_sodium();
  const size_t dot1 = jwt.find('.');
  const size_t dot2 = dot1 == std::string_view::npos ? dot1 : jwt.find('.', dot1 + 1);
  if (dot2 == std::string_view::npos || jwt.find('.', dot2 + 1) != std::string_view::npos) {
    return bad("not a compact JWS (three parts)");
  }
  Result<Json> header = json_part(jwt.substr(0, dot1), "the header");
  if (!header) return header.error();
  // The algorithm is ours to choose, not the token's: anything but EdDSA,
  // "none" first of all, is refused.
  if (string_member(*header, "alg") != "EdDSA") return bad("the algorithm must be EdDSA");
  if (header->contains("crit")) return bad("critical header parameters are not supported");
  Result<std::array<uint8_t, 32>> key = find_key(jwks, string_member(*header, "kid"));
  if (!key) return key.error();
  Result<std::string> signature = b64url(jwt.substr(dot2 + 1));
  if (!signature || signature->size() != crypto_sign_BYTES) return bad("a malformed signature");
  const std::string_view signed_part = jwt.substr(0, dot2);
  if (crypto_sign_verify_detached(reinterpret_cast<const unsigned char*>(signature->data()),
                                  reinterpret_cast<const unsigned char*>(signed_part.data()),
                                  signed_part.size(), key->data()) != 0) {
    return bad("the signature does not verify");
  }
  Result<Json> claims = json_part(jwt.substr(dot1 + 1, dot2 - dot1 - 1), "the payload");
  if (!claims) return claims.error();
  if (string_member(*claims, "iss") != expect.issuer) return bad("another issuer");
  if (Status s = check_audience(*claims, expect.client_id); !s) return s.error();
  if (Status s = check_times(*claims, expect); !s) return s.error();
  const std::string nonce = string_member(*claims, "nonce");
  if (expect.nonce.empty() || nonce.size() != expect.nonce.size() ||
      !equal_ct(as_bytes(nonce), as_bytes(expect.nonce))) {
    return bad("the nonce is not ours");
  }
  return std::move(claims).value();
}

}  // namespace isoloir::portal

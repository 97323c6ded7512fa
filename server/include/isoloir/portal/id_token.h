// OpenID Connect ID tokens (the FranceConnect route of the code re-issue,
// issue 5): the checks of OpenID Connect Core 1.0 section 3.1.3.7 on a
// compact JWS, with no network: the caller fetched the provider's keys
// (server/oidc_client.h fetches, caches and refreshes them).
//
// Signatures (RFC 7518 section 3, RFC 8037): EdDSA over Ed25519 with
// libsodium; ES256 (ECDSA P-256 SHA-256) and RS256 (RSASSA-PKCS1-v1_5
// SHA-256), FranceConnect's, with OpenSSL's libcrypto, which only these
// two use (libsodium has neither). Each key type verifies exactly one
// algorithm (OKP Ed25519: EdDSA, EC P-256: ES256, RSA: RS256), so a token
// cannot choose how its key is read: "none", HS256 and every other
// algorithm are refused, never downgraded to. See docs/protocol-notes.md.
#ifndef ISOLOIR_PORTAL_ID_TOKEN_H_
#define ISOLOIR_PORTAL_ID_TOKEN_H_

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "isoloir/canonical_json.h"
#include "isoloir/result.h"

struct evp_pkey_st;  // OpenSSL's EVP_PKEY, kept out of this header

namespace isoloir::portal {

// Bounds on what the provider sends, checked before anything is decoded.
inline constexpr size_t kMaxIdTokenBytes = size_t{16} * 1024;
inline constexpr size_t kMaxJwksBytes = size_t{64} * 1024;
inline constexpr size_t kMaxJwksKeys = 32;
inline constexpr size_t kMaxJsonDepth = 8;  // header, claims and key set
inline constexpr size_t kMinRsaBits = 2048;
inline constexpr size_t kMaxRsaBits = 8192;  // verifying costs grow with the modulus

enum class JwsAlg { kEdDSA, kES256, kRS256 };

// "EdDSA", "ES256", "RS256".
const char* jws_alg_name(JwsAlg alg);

// One verification key of a provider's key set, checked (parse_jwks).
struct Jwk {
  std::string kid;                    // may be empty
  JwsAlg alg = JwsAlg::kEdDSA;        // the one algorithm its type verifies
  std::array<uint8_t, 32> ed25519{};  // kEdDSA
  std::shared_ptr<evp_pkey_st> evp;   // kES256 and kRS256 (OpenSSL)
  size_t rsa_bytes = 0;               // kRS256: the modulus (and signature) length
};

// The usable keys of a JWKS, and why each other one was left out
// ("key 2 (kid \"x\"): an RSA modulus of 1024 bits, under 2048").
struct KeySet {
  std::vector<Jwk> keys;
  std::vector<std::string> ignored;
};

// Parses the JSON text of the provider's jwks_uri (RFC 7517). "bad_jwks"
// when it is not a key set at all: too large (kMaxJwksBytes, kMaxJwksKeys
// keys), too deep, not JSON, no "keys" array. Within it, a key is kept only
// when it is a public signature key of a type above, well formed: RSA with
// n of kMinRsaBits to kMaxRsaBits bits and an odd e of at most 32 bits, EC
// with x and y of 32 bytes on P-256, OKP with a 32-byte Ed25519 point; "use"
// absent or "sig", "key_ops" absent or with "verify", "alg" absent or the
// key type's; no private member. Every other key is ignored with its reason.
Result<KeySet> parse_jwks(std::string_view text);

// The protected header of a compact JWS, checked: three base64url parts
// (no padding), at most kMaxIdTokenBytes; "alg" one of `allowed`; "kid" a
// string if present; "typ" absent or JWT; no "crit" or "zip".
struct JoseHeader {
  JwsAlg alg = JwsAlg::kEdDSA;
  std::string kid;  // empty when the header has none
};
Result<JoseHeader> read_jose_header(std::string_view jwt, const std::vector<JwsAlg>& allowed);

// The key of `keys` for a token with `header`: its kid and the algorithm's
// key type (any key of that type when the token names no kid and the set
// holds exactly one). "bad_id_token" saying why there is none: no key with
// that kid (the caller may fetch the set again), a key of another type (an
// RSA key for an ES256 token), several candidates.
Result<const Jwk*> select_key(const KeySet& keys, const JoseHeader& header);

struct IdTokenExpectations {
  std::string issuer;     // exactly the "iss" claim
  std::string client_id;  // in "aud" (and "azp" when there are several audiences)
  std::string nonce;      // exactly the "nonce" claim, as sent in the request
  int64_t now = 0;        // unix seconds
  int64_t leeway = 120;   // clock skew allowed on exp, iat and nbf
  std::vector<JwsAlg> algorithms = {JwsAlg::kEdDSA, JwsAlg::kES256, JwsAlg::kRS256};
};

// Verifies `jwt` against the provider's checked keys and the expectations;
// returns the claims. Refusals, all "bad_id_token" with what failed: the
// header (read_jose_header), no key for it (select_key), a signature of the
// wrong length (64 bytes r||s for ES256, the modulus length for RS256) or
// that does not verify, a payload that is not a JSON object, another issuer
// or audience, no subject, expired, issued in the future or not yet valid,
// a nonce that is not ours.
Result<Json> verify_id_token(std::string_view jwt, const KeySet& keys,
                             const IdTokenExpectations& expect);

// The same against the JSON text of a key set (parse_jwks first).
Result<Json> verify_id_token(std::string_view jwt, std::string_view jwks,
                             const IdTokenExpectations& expect);

}  // namespace isoloir::portal

#endif  // ISOLOIR_PORTAL_ID_TOKEN_H_

// OpenID Connect ID tokens (the FranceConnect route of the code re-issue,
// issue 5): the checks of OpenID Connect Core 1.0 section 3.1.3.7 on a
// compact JWS, with no network: the caller fetched the provider's keys.
//
// Signatures: EdDSA over Ed25519 (RFC 8037) only, the one JOSE signature
// libsodium verifies. "none" and every other algorithm are refused, never
// downgraded to. A provider signing with RS256 or ES256 (FranceConnect's
// defaults) must be configured for EdDSA, or this check extended with
// another library: see docs/protocol-notes.md.
#ifndef ISOLOIR_PORTAL_ID_TOKEN_H_
#define ISOLOIR_PORTAL_ID_TOKEN_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "isoloir/canonical_json.h"
#include "isoloir/result.h"

namespace isoloir::portal {

struct IdTokenExpectations {
  std::string issuer;     // exactly the "iss" claim
  std::string client_id;  // in "aud" (and "azp" when there are several audiences)
  std::string nonce;      // exactly the "nonce" claim, as sent in the request
  int64_t now = 0;        // unix seconds
  int64_t leeway = 120;   // clock skew allowed on exp and iat
};

// Verifies `jwt` against the provider's key set `jwks` (the JSON text of its
// jwks_uri) and the expectations; returns the claims. Refusals
// ("bad_id_token" with what failed): not three base64url parts, a header
// that is not {"alg": "EdDSA", ...}, no matching Ed25519 key, a bad
// signature, another issuer or audience, expired, issued in the future, a
// nonce that is not ours.
Result<Json> verify_id_token(std::string_view jwt, std::string_view jwks,
                             const IdTokenExpectations& expect);

}  // namespace isoloir::portal

#endif  // ISOLOIR_PORTAL_ID_TOKEN_H_

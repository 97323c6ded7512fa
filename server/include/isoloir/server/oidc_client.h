// An OpenID Connect relying party for the FranceConnect route of the code
// re-issue (issue 5): the authorization code flow with PKCE (S256), the
// provider's endpoints from its discovery document, the code exchanged at
// its token endpoint and the ID token verified (portal/id_token.h) against
// its published keys. One libcurl handle per request; thread-safe.
//
// The keys (the discovery document's jwks_uri) are fetched when first
// needed and kept jwks_max_age_seconds, then fetched again. A token whose
// key the set lacks (the provider rotated its keys) makes the client fetch
// the set once more before refusing it, but at most once every
// jwks_refetch_seconds, however many such tokens come: no one can make it
// hammer the provider.
#ifndef ISOLOIR_SERVER_OIDC_CLIENT_H_
#define ISOLOIR_SERVER_OIDC_CLIENT_H_

#include <cstdint>
#include <memory>
#include <string>

#include "isoloir/canonical_json.h"
#include "isoloir/result.h"

namespace isoloir::server {

struct OidcConfig {
  std::string issuer;  // https://provider (http:// only on the loopback)
  std::string client_id;
  std::string client_secret;  // sent in the token request body (client_secret_post)
  std::string redirect_uri;   // PUBLIC_URL/api/v1/code/oidc/callback
  std::string scope = "openid email profile";
  long timeout_seconds = 10;
  int64_t jwks_max_age_seconds = 900;
  int64_t jwks_refetch_seconds = 60;
};

class OidcClient {
 public:
  // "bad_config" for an issuer that is not https (or http to the loopback),
  // or an empty client id or secret. Nothing is fetched yet.
  static Result<std::unique_ptr<OidcClient>> make(OidcConfig config);
  virtual ~OidcClient() = default;

  // Where to send the voter's browser: the provider's authorization
  // endpoint with our client, redirect URI, scope, state, nonce and PKCE
  // challenge. "oidc_unavailable" when the discovery document cannot be
  // fetched or is not the configured issuer's.
  virtual Result<std::string> authorization_url(const std::string& state, const std::string& nonce,
                                                const std::string& code_challenge) = 0;

  // Exchanges `code` (with the PKCE verifier) for tokens and returns the ID
  // token's verified claims. "oidc_unavailable" (the provider cannot be
  // reached or refuses, or its key set is not one), "bad_id_token"
  // (verify_id_token's checks). `now` (unix seconds) is the clock of both
  // the token's checks and the key set's cache.
  virtual Result<Json> redeem(const std::string& code, const std::string& code_verifier,
                              const std::string& nonce, int64_t now) = 0;
};

}  // namespace isoloir::server

#endif  // ISOLOIR_SERVER_OIDC_CLIENT_H_

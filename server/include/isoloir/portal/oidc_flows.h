// The OpenID Connect flows in progress (the FranceConnect route of the code
// re-issue, server/src/portal/portal_reissue.cpp): what /oidc/start must hand to the
// callback, kept under the flow's `state` until it expires. The callback
// takes a flow out once, whatever server it lands on: a store in this
// process's memory for one server (memory_oidc_flows), or the database
// several servers share (PortalState::oidc_flows).
#ifndef ISOLOIR_PORTAL_OIDC_FLOWS_H_
#define ISOLOIR_PORTAL_OIDC_FLOWS_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "isoloir/result.h"

namespace isoloir::portal {

// An OpenID Connect flow between /oidc/start and its callback.
struct OidcFlow {
  std::string identifier;  // the voter logged in when it started
  std::string nonce;
  std::string verifier;  // the PKCE code verifier
  int64_t expires_at = 0;
};

class OidcFlowStore {
 public:
  OidcFlowStore() = default;
  OidcFlowStore(const OidcFlowStore&) = delete;
  OidcFlowStore& operator=(const OidcFlowStore&) = delete;
  virtual ~OidcFlowStore() = default;

  // Keeps `flow` under `state` (a fresh random token) and forgets flows
  // expired at `now`. "oidc_busy" when the memory store is full; the
  // database's "storage_*".
  virtual Status put(std::string_view state, const OidcFlow& flow, int64_t now) = 0;

  // Takes the flow of `state` out, so that it is used once: a second take,
  // here or on another server, finds nothing ("oidc_bad_state", as does an
  // unknown state). A flow past its expiry but not yet forgotten is
  // returned as it is: its caller checks expires_at.
  virtual Result<OidcFlow> take(std::string_view state) = 0;
};

// In this process's memory, at most `max_flows` at once.
std::unique_ptr<OidcFlowStore> memory_oidc_flows(size_t max_flows);

}  // namespace isoloir::portal

#endif  // ISOLOIR_PORTAL_OIDC_FLOWS_H_

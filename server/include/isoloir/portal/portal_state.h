// Where the portal keeps its short-lived state besides the AccountStore:
// the throttles, the proof of work's key and replay memory, the OpenID
// Connect flows in progress. One server keeps them in its memory
// (in_memory: a restart forgets them, as it always did); several servers
// behind a load balancer with no sticky sessions keep them in the
// PostgreSQL database they share (open_postgres), so that
//   - a proof of work fetched from one server is accepted on another, and
//     accepted once across all of them;
//   - failures on every server count together against one account, address
//     or voter (the same policy, throttle.h's throttle_rules, on a shared
//     row per key, updated under its row lock);
//   - a FranceConnect callback finds its flow whichever server it reaches,
//     and uses it once.
// The stores it makes hold what they need of it and may outlive it.
#ifndef ISOLOIR_PORTAL_PORTAL_STATE_H_
#define ISOLOIR_PORTAL_PORTAL_STATE_H_

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

#include "isoloir/portal/oidc_flows.h"
#include "isoloir/portal/pow_issuer.h"
#include "isoloir/portal/throttle.h"
#include "isoloir/result.h"

namespace isoloir::portal {

class PortalState {
 public:
  // One server: memory_throttle, PowIssuer's own key and memory,
  // memory_oidc_flows.
  static std::unique_ptr<PortalState> in_memory();
  // Several servers: tables of their own in the database `conninfo` names
  // (portal_secrets, portal_throttles, portal_pow_spent, portal_oidc_flows,
  // made if missing, in the connection's search_path like the
  // AccountStore's), up to `connections` connections. "bad_conninfo",
  // "storage_unavailable", "storage_error".
  static Result<std::unique_ptr<PortalState>> open_postgres(const std::string& conninfo,
                                                            size_t connections = 4);

  PortalState() = default;
  PortalState(const PortalState&) = delete;
  PortalState& operator=(const PortalState&) = delete;
  virtual ~PortalState() = default;

  // "memory" or "postgresql", for the server's startup log.
  virtual const char* backend() const = 0;
  // The throttle named `name` ("login_accounts", ...): servers share the
  // records of a name, and the names of one server never mix. Each server
  // must give a name the same policy.
  virtual std::unique_ptr<ThrottleStore> throttle(std::string_view name, ThrottlePolicy policy) = 0;
  virtual std::unique_ptr<PowIssuer> pow_issuer(PowPolicy policy) = 0;
  // max_flows bounds the memory store only: the database's rows are bounded
  // by the sessions that start a flow and their 10-minute life.
  virtual std::unique_ptr<OidcFlowStore> oidc_flows(size_t max_flows) = 0;
};

}  // namespace isoloir::portal

#endif  // ISOLOIR_PORTAL_PORTAL_STATE_H_

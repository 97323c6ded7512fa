// The portal's short-lived state in this process's memory (portal_state.h):
// what one server alone uses, and what the server always did.
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <utility>

#include "isoloir/portal/oidc_flows.h"
#include "isoloir/portal/portal_state.h"

namespace isoloir::portal {
namespace {

class MemoryOidcFlows final : public OidcFlowStore {
 public:
  explicit MemoryOidcFlows(size_t max_flows) : max_(max_flows) {}

  Status put(std::string_view state, const OidcFlow& flow, int64_t now) override {
    std::lock_guard lock(mu_);
    for (auto it = flows_.begin(); it != flows_.end();) {
      it = it->second.expires_at <= now ? flows_.erase(it) : std::next(it);
    }
    if (flows_.size() >= max_) return fail("oidc_busy", "too many identity checks under way");
    flows_.emplace(std::string(state), flow);
    return Status::Ok();
  }

  Result<OidcFlow> take(std::string_view state) override {
    std::lock_guard lock(mu_);
    const auto it = flows_.find(state);
    if (state.empty() || it == flows_.end()) return bad_state();
    OidcFlow flow = std::move(it->second);
    flows_.erase(it);
    return flow;
  }

 private:
  static Error bad_state() {
    return fail("oidc_bad_state", "no identity check under way for this state");
  }

  const size_t max_;
  std::mutex mu_;
  std::map<std::string, OidcFlow, std::less<>> flows_;  // by state
};

class MemoryPortalState final : public PortalState {
 public:
  const char* backend() const override { return "memory"; }
  std::unique_ptr<ThrottleStore> throttle(std::string_view /*name*/,
                                          ThrottlePolicy policy) override {
    return memory_throttle(policy);
  }
  std::unique_ptr<PowIssuer> pow_issuer(PowPolicy policy) override {
    return std::make_unique<PowIssuer>(policy);
  }
  std::unique_ptr<OidcFlowStore> oidc_flows(size_t max_flows) override {
    return memory_oidc_flows(max_flows);
  }
};

}  // namespace

std::unique_ptr<OidcFlowStore> memory_oidc_flows(size_t max_flows) {
  return std::make_unique<MemoryOidcFlows>(max_flows);
}

std::unique_ptr<PortalState> PortalState::in_memory() {
  return std::make_unique<MemoryPortalState>();
}

}  // namespace isoloir::portal

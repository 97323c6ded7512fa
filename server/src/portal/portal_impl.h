// The Portal's parts (private to the portal): what portal.cpp (accounts,
// sessions, proof of work) and portal_reissue.cpp (the vote code's
// re-issue) share.
#ifndef ISOLOIR_PORTAL_PORTAL_IMPL_H_
#define ISOLOIR_PORTAL_PORTAL_IMPL_H_

#include <atomic>
#include <cstdint>
#include <memory>
#include <semaphore>
#include <string>
#include <string_view>

#include "isoloir/portal/oidc_flows.h"
#include "isoloir/portal/portal.h"
#include "isoloir/portal/throttle.h"
#include "portal/work_queue.h"

namespace isoloir::portal {

struct Portal::Impl {
  Impl(PortalServices s, PortalPolicy p, HashCost c, std::unique_ptr<PortalState> st);

  PortalServices services;
  PortalPolicy policy;
  HashCost cost;
  // A hash of nothing anybody knows, verified against when the identifier
  // has no account, so that a login takes as long either way.
  std::string dummy_hash;
  std::unique_ptr<PortalState> state;
  // Failures per account (identifier) and per client address (logins,
  // links, re-issue answers); link requests per identifier, every request
  // counted.
  std::unique_ptr<ThrottleStore> login_accounts, login_addresses, link_requests;
  // Wrong challenge answers or NUMEN in re-issue requests, per account.
  std::unique_ptr<ThrottleStore> reissue_accounts;
  // Ballots cast with a code not the voter's (wrong or invalidated).
  std::unique_ptr<ThrottleStore> code_entries;
  // Argon2id takes 64 MiB and a core per hash at the interactive cost: at
  // most this many at once, the others wait their turn.
  std::counting_semaphore<> hash_slots;
  std::unique_ptr<PowIssuer> pow;
  std::unique_ptr<OidcFlowStore> oidc_flows;
  static constexpr size_t kMaxOidcFlows = 100'000;
  // Logins so far: every kPurgeEvery-th one also forgets expired sessions
  // and links, so the store does not grow with dead rows.
  std::atomic<uint64_t> logins{0};
  static constexpr uint64_t kPurgeEvery = 256;
  // Link requests, resolved and mailed off the request path (issue 9,
  // finding 5). Last member: destroyed first, so its jobs still find the
  // stores, and every link asked for before a stop is sent.
  WorkQueue links{kLinkQueue};
  static constexpr size_t kLinkQueue = 4096;

  int64_t now() const;
  // A hash or a verify under hash_slots.
  Result<std::string> hash(std::string_view secret);
  bool verify(std::string_view stored, std::string_view secret);
  bool verify_answer(std::string_view stored, std::string_view answer);
  // "too_many_attempts" or "locked" with retry_after_seconds when `throttle`
  // refuses `key` now, its failure when it cannot tell (a database away:
  // refused, not let through unthrottled). `what` names it for people.
  Status allowed(ThrottleStore& throttle, std::string_view key, const std::string& what);
  // The re-issue's identity check: the challenge answer and the NUMEN or
  // NIR digits, failures counted; "reissue_refused" whichever was wrong.
  Status check_identity(const Session& session, const ReissueRequest& r, std::string_view address);
  // The work of a link request, on the background thread.
  void send_link(const std::string& identifier, LinkKind kind);
};

// The refusal of a throttle's verdict.
Error throttled(const ThrottleVerdict& v, const std::string& what);

}  // namespace isoloir::portal

#endif  // ISOLOIR_PORTAL_PORTAL_IMPL_H_

// The voter portal's flows (docs/api.md, "The voter portal"): account links,
// activation, password reset, login and sessions, the proof of work, the
// vote code's re-issue by challenge answer and NUMEN or by FranceConnect.
// Services that take plain values and return results: the HTTP layer parses
// a request, calls one of these and translates what comes back (one table
// from reason to status, server/src/http/http_common.cpp), so every flow is
// also tested without HTTP (server/tests/portal_test.cpp).
//
// A refusal is an Error whose reason is the API's (docs/api.md); a refusal
// that time will lift ("too_many_attempts", "locked", "busy") says when in
// retry_after_seconds. Secrets given in (passwords, answers) are the
// caller's to wipe; the copies made here are wiped before returning.
// Thread-safe: the stores and throttles lock inside.
#ifndef ISOLOIR_PORTAL_PORTAL_H_
#define ISOLOIR_PORTAL_PORTAL_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "isoloir/bytes.h"
#include "isoloir/portal/account_store.h"
#include "isoloir/portal/password.h"
#include "isoloir/portal/portal_state.h"
#include "isoloir/portal/pow_issuer.h"
#include "isoloir/result.h"
#include "isoloir/server/mailer.h"
#include "isoloir/server/oidc_client.h"
#include "isoloir/server/sms.h"
#include "isoloir/signature.h"
#include "isoloir/timestamp.h"
#include "isoloir/urn/urn.h"

namespace isoloir::portal {

// The portal's rules, from the server's configuration (docs/api.md,
// "Running the server").
struct PortalPolicy {
  int64_t login_free_failures = 0;  // per account, before the waits begin
  int64_t login_lock_after = 0;     // per account, failures before the lock
  int64_t login_lock_seconds = 0;
  int64_t address_free_failures = 0;  // per client address: harder proofs of work
  int64_t address_lock_after = 0;
  int64_t activation_link_seconds = 0;
  int64_t reset_link_seconds = 0;
  int64_t reissue_link_seconds = 0;
  int64_t session_idle_seconds = 0;
  int pow_difficulty = 0;  // leading zero bits; 0: no proof of work
  std::string public_url;  // where the links point, no trailing slash
};

// What the flows use; each must outlive the Portal.
struct PortalServices {
  urn::Urn& urn;
  AccountStore& accounts;
  server::Mailer& mailer;
  server::SmsSender& sms;
  // The FranceConnect route of the re-issue; null when not configured.
  server::OidcClient* oidc = nullptr;
  // Now, in Unix seconds: the system's clock when empty. Tests give one to
  // step time instead of sleeping through it.
  std::function<int64_t()> clock = {};
};

enum class LinkKind { kActivation, kPassword };

// A login: the session for the cookie, and the expiry the page shows (the
// idle limit, which every request pushes back).
struct Login {
  std::string identifier;
  NewSession session;
  int64_t shown_expires_at = 0;
};

struct PowChallenge {
  std::string challenge;
  int difficulty = 0;
  int64_t expires_in = 0;
};

// The identity check and where the re-issue link goes: the challenge answer,
// exactly one of the NUMEN or the first 10 NIR digits, and "sms" (the phone
// on file) or "email" (a personal address, not the login identifier).
struct ReissueRequest {
  std::string answer;
  std::string numen;
  std::string nir;
  std::string channel;
  std::string email;
};

// Where a re-issue link went, masked for the voter to recognise.
struct LinkSent {
  std::string channel;  // "sms" or "email"
  std::string masked_to;
  int64_t expires_in = 0;
};

class Portal {
 public:
  // `state` holds the throttles, the proof of work's replay memory and the
  // OpenID flows: this server's memory, or the PostgreSQL database several
  // servers share (portal_state.h). "hash_failed" if the dummy hash cannot
  // be made.
  static Result<std::unique_ptr<Portal>> create(PortalServices services, PortalPolicy policy,
                                                HashCost cost, std::unique_ptr<PortalState> state);
  Portal(const Portal&) = delete;
  Portal& operator=(const Portal&) = delete;
  // Sends every link asked for before it goes.
  ~Portal();

  int64_t now() const;
  const PortalPolicy& policy() const;

  // --- links, activation, password ----------------------------------------

  // Counts the request against the identifier and the address and queues
  // the link, which an elector in the right state receives by mail off the
  // caller's path (the answer must not tell who is registered, not even by
  // its timing). "too_many_attempts"/"locked" (the identifier), "busy" (too
  // many links waiting), storage reasons.
  Status request_link(std::string_view identifier, std::string_view address, LinkKind kind);
  // Whose live link this is ("bad_token", "token_used", "token_expired").
  Result<std::string> link_owner(std::string_view token, TokenPurpose purpose);
  // The account made from an activation link: "weak_password", "malformed"
  // (question), "bad_answer", the link's refusals, "already_active".
  Result<std::string> activate(std::string_view token, std::string_view password,
                               std::string_view question, std::string_view answer);
  // A new password from a reset link; also lifts the account's login lock.
  Result<std::string> reset_password(std::string_view token, std::string_view password);
  // Waits for every link queued so far to be sent (tests, graceful stop).
  void drain_links();

  // --- sessions -----------------------------------------------------------

  // "bad_login" (one answer for a wrong password and an unknown identifier,
  // in the same time), "too_many_attempts"/"locked".
  Result<Login> login(std::string_view identifier, std::string_view password,
                      std::string_view address);
  // The session of a cookie: "not_logged_in". With `csrf`, a state-changing
  // request: "csrf_failed" unless it is the session's token.
  Result<Session> session(std::string_view id, std::optional<std::string_view> csrf);
  Status logout(std::string_view id);

  // --- proof of work --------------------------------------------------------

  // A challenge for `purpose`; an address over its failure threshold (or
  // one the store cannot vouch for) is asked a few bits more.
  PowChallenge pow_challenge(PowPurpose purpose, std::string_view address);
  // "pow_required", "bad_pow", "pow_busy"... (pow_issuer.h).
  Status redeem_pow(std::string_view challenge, std::string_view nonce, PowPurpose purpose);

  // --- the vote code ------------------------------------------------------

  // Before a cast by `identifier`: refused ("too_many_attempts", "locked")
  // after too many ballots with a code not the voter's.
  Status code_entry_allowed(std::string_view identifier);
  // A ballot refused for its code: counted.
  void code_entry_failed(std::string_view identifier);

  // The re-issue link after the identity check, sent by SMS or mail:
  // "malformed", "bad_numen", "bad_nir", "bad_email", "same_email",
  // "reissue_refused" (one answer whichever half was wrong), "no_phone",
  // "sms_unavailable"/"mail_unavailable", throttles.
  Result<LinkSent> request_reissue_link(const Session& session, const ReissueRequest& request,
                                        std::string_view address);
  // The new public credential from a re-issue link's page; the link is
  // used up only if the credential is stored. `session_id`: the cookie of
  // whoever opened the link, if any ("foreign_token" if another voter's).
  Result<Timestamp> reissue(std::string_view token, const PublicKey& credential,
                            std::optional<std::string_view> session_id);

  // The FranceConnect route (docs/api.md): whether there is one, the
  // provider's URL for a logged-in voter ("oidc_not_configured"), and the
  // provider's answer (`code`, or `denied` when it sent an error), which
  // mails the link to the provider's e-mail and gives it masked.
  bool has_oidc() const;
  Result<std::string> oidc_start(const Session& session);
  Result<std::string> oidc_finish(std::string_view state, std::optional<std::string_view> code);

 private:
  struct Impl;
  explicit Portal(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// "j***@example.net": recognisable, not readable over a shoulder.
std::string masked_email(std::string_view email);

}  // namespace isoloir::portal

#endif  // ISOLOIR_PORTAL_PORTAL_H_

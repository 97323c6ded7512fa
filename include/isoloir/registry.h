// The admission checks of PROTOCOL.md section 4 that depend on state: which
// credential each voter holds and when, and who has voted in which scrutin.
// Kept in memory here for the verifier and the tests; the server applies the
// same rules (admission_check) to its database rows.
#ifndef ISOLOIR_REGISTRY_H_
#define ISOLOIR_REGISTRY_H_

#include <map>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "isoloir/ballot.h"
#include "isoloir/manifest.h"
#include "isoloir/result.h"
#include "isoloir/signature.h"
#include "isoloir/timestamp.h"

namespace isoloir {

// One credential's life: usable from issued_at up to, not including, revoked_at.
struct CredentialEvent {
  std::string voter;  // pseudonym
  PublicKey credential{};
  Timestamp issued_at;
  std::optional<Timestamp> revoked_at;
};

// The pure rule, for any store: window first (opens_at <= t < closes_at),
// then the credential's validity at t, then one ballot per voter and scrutin.
// `event` is null when the credential was never registered.
Status admission_check(const Manifest& manifest, const CredentialEvent* event,
                       const Timestamp& received_at, bool voter_has_voted_in_scrutin);

class Registry {
 public:
  explicit Registry(const Manifest& manifest) : manifest_(manifest) {}

  // Gives `voter` a credential at `at`, revoking the previous one at `at`.
  // Refuses a credential that is not a valid Ed25519 point ("bad_credential")
  // or already registered ("duplicate_credential").
  Status issue(const std::string& voter, const PublicKey& credential, const Timestamp& at);

  // Registers a credential event as a record gives it, with its own
  // revocation time. Refuses "bad_credential", "duplicate_credential", and
  // "overlapping_credentials" when the voter would hold two current
  // credentials at once.
  Status add_event(const CredentialEvent& event);

  // Admits a verified ballot received at `received_at`, recording it, or says
  // why not (window_not_open, window_closed, unknown_credential,
  // revoked_credential, already_voted). The voter's pseudonym on success.
  Result<std::string> admit(const VerifiedBallot& ballot, const Timestamp& received_at);

  const std::vector<CredentialEvent>& events() const { return events_; }

 private:
  const Manifest& manifest_;
  std::vector<CredentialEvent> events_;
  std::map<PublicKey, size_t> by_credential_;
  std::map<std::string, std::vector<size_t>> by_voter_;  // voter -> indices of its events
  std::map<std::string, size_t> current_;                // voter -> index of the current event
  std::set<std::pair<std::string, std::string>> voted_;  // (voter, scrutin)
};

}  // namespace isoloir

#endif  // ISOLOIR_REGISTRY_H_

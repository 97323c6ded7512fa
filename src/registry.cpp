#include "isoloir/registry.h"

#include "isoloir/credential.h"

namespace isoloir {

Status admission_check(const Manifest& manifest, const CredentialEvent* event,
                       const Timestamp& received_at, bool voter_has_voted_in_scrutin) {
  if (received_at < manifest.opens_at) {
    return fail("window_not_open", "voting opens at " + manifest.opens_at.to_string());
  }
  if (!(received_at < manifest.closes_at)) {
    return fail("window_closed", "voting closed at " + manifest.closes_at.to_string());
  }
  if (event == nullptr) return fail("unknown_credential", "this vote code is not registered");
  if (received_at < event->issued_at) {
    return fail("unknown_credential", "this vote code was not yet issued");
  }
  if (event->revoked_at && !(received_at < *event->revoked_at)) {
    return fail("revoked_credential", "this vote code has been invalidated");
  }
  if (voter_has_voted_in_scrutin) return fail("already_voted", "a ballot is already recorded");
  return Status::Ok();
}

Status Registry::issue(const std::string& voter, const PublicKey& credential, const Timestamp& at) {
  if (!is_valid_public_credential(credential)) {
    return fail("bad_credential", "not a valid Ed25519 public key");
  }
  if (by_credential_.count(credential) != 0) {
    return fail("duplicate_credential", "credential already registered");
  }
  if (auto it = current_.find(voter); it != current_.end()) {
    events_[it->second].revoked_at = at;
  }
  events_.push_back(CredentialEvent{voter, credential, at, std::nullopt});
  by_credential_[credential] = events_.size() - 1;
  current_[voter] = events_.size() - 1;
  by_voter_[voter].push_back(events_.size() - 1);
  return Status::Ok();
}

Status Registry::add_event(const CredentialEvent& event) {
  if (!is_valid_public_credential(event.credential)) {
    return fail("bad_credential", "credential of " + event.voter);
  }
  if (by_credential_.count(event.credential) != 0) {
    return fail("duplicate_credential", "credential of " + event.voter);
  }
  if (event.revoked_at && !(event.issued_at < *event.revoked_at)) {
    return fail("overlapping_credentials", event.voter + ": revoked before it was issued");
  }
  // Only this voter's earlier events: a scan of every event made reading a
  // million credentials quadratic (hours in verify_record).
  static const std::vector<size_t> kNone;
  const auto found = by_voter_.find(event.voter);
  for (const size_t i : found == by_voter_.end() ? kNone : found->second) {
    const CredentialEvent& other = events_[i];
    // [a, b) and [c, d) overlap when a < d and c < b (an open end is +infinity).
    const bool starts_before_other_ends = !other.revoked_at || event.issued_at < *other.revoked_at;
    const bool other_starts_before_end = !event.revoked_at || other.issued_at < *event.revoked_at;
    if (starts_before_other_ends && other_starts_before_end) {
      return fail("overlapping_credentials",
                  event.voter + " holds two current credentials at once");
    }
  }
  events_.push_back(event);
  by_credential_[event.credential] = events_.size() - 1;
  by_voter_[event.voter].push_back(events_.size() - 1);
  return Status::Ok();
}

Result<std::string> Registry::admit(const VerifiedBallot& ballot, const Timestamp& received_at) {
  const auto it = by_credential_.find(ballot.credential);
  const CredentialEvent* event = it == by_credential_.end() ? nullptr : &events_[it->second];
  const bool voted = event != nullptr && voted_.count({event->voter, ballot.scrutin}) != 0;
  if (Status s = admission_check(manifest_, event, received_at, voted); !s) return s.error();
  voted_.insert({event->voter, ballot.scrutin});
  return event->voter;
}

}  // namespace isoloir

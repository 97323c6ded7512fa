// Writing the election record (PROTOCOL.md section 8) in the layout of
// vectors/README.md, byte for byte: what the urn exports, what the tally
// writes and what verify_record reads back. No file access here either.
#ifndef ISOLOIR_RECORD_WRITER_H_
#define ISOLOIR_RECORD_WRITER_H_

#include <cstdint>
#include <map>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "isoloir/ballot.h"
#include "isoloir/manifest.h"
#include "isoloir/record.h"
#include "isoloir/registry.h"
#include "isoloir/result.h"
#include "isoloir/tally.h"
#include "isoloir/timestamp.h"

namespace isoloir {

// credentials.json: {version, kind: "credentials", election, credentials:
// [{voter, credential, issued_at, revoked_at}]}, the events in the order given.
std::string credentials_file(std::string_view election_hash,
                             std::span<const CredentialEvent> events);

// One line of ballots.jsonl, its '\n' included: {log_index, received_at,
// reference, ballot}. `ballot_bytes` must be canonical JSON ("non_canonical_json"
// otherwise): the line carries the ballot as an object, and the reference is
// SHA-256 of exactly these bytes.
Result<std::string> ballot_line(uint64_t log_index, const Timestamp& received_at,
                                std::string_view ballot_bytes);

// The product of the ballots' ciphertexts per scrutin and option (section 7):
// what every trustee recomputes before decrypting and what tally.json carries.
class Aggregates {
 public:
  explicit Aggregates(const Manifest& manifest);

  // Multiplies in a verified ballot: "unknown_scrutin" or "wrong_answer_count"
  // for a ballot of another election's shape.
  Status add(const VerifiedBallot& ballot);
  // Multiplies in another set made over the same manifest (for work split
  // across threads): "malformed" if the scrutins differ.
  Status merge(const Aggregates& other);

  struct Scrutin {
    uint64_t ballots = 0;
    std::vector<Ciphertext> options;  // manifest order; identity while ballots == 0
  };
  // The scrutin's aggregate; every scrutin of the manifest is present.
  const Scrutin& of(std::string_view scrutin_id) const;

 private:
  std::map<std::string, Scrutin, std::less<>> by_scrutin_;
};

// What one option of tally.json carries: the partial decryptions, by trustee
// index; empty for a scrutin without ballots.
struct ScrutinPartials {
  std::string scrutin;
  std::vector<std::vector<PartialDecryption>> options;  // manifest order
};

// tally.json: {version, kind: "tally", election, scrutins: [{id, ballots,
// options: [{id, index, alpha, beta, partials}]}]}, every scrutin of the
// manifest in its order; a scrutin without ballots gives {id, index} per
// option. Partials are written in increasing trustee order. Refuses partials
// for a scrutin or option the manifest does not have, or partials for a
// scrutin without ballots ("malformed").
Result<std::string> tally_file(const Manifest& manifest, const Aggregates& aggregates,
                               std::span<const ScrutinPartials> partials);

// results.json: {version, kind: "results", election, scrutins: [{id, ballots,
// counts: [{id, count}]}]}, as given (manifest order).
std::string results_file(std::string_view election_hash,
                         std::span<const RecordScrutinResult> results);

}  // namespace isoloir

#endif  // ISOLOIR_RECORD_WRITER_H_

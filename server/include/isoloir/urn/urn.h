// The urn's storage: one election's state on disk, in two SQLite files of a
// data directory (docs/urn-storage.md):
//
//  - urn.sqlite, the public board: the manifest, the ballots in log order and
//    the signed tree heads. Nothing in it names a voter.
//  - emargement.sqlite, the registry: the voters (identifier, name,
//    pseudonym, scrutins), their credential events and the émargements
//    (who voted in which scrutin, and the signed émargement).
//
// A cast writes both files in one SQLite transaction (ATTACH, rollback
// journal, synchronous=FULL), so a crash never leaves a ballot without its
// émargement or the reverse; the deposit proof is returned only after COMMIT,
// so no ballot whose proof reached a voter can be lost.
//
// One process owns a data directory (an flock on urn.lock); inside it, one
// mutex serialises every use of the connection. Methods may be called from
// any thread. Times are kept in whole seconds, as the signed documents carry
// them: `now` is truncated on entry.
#ifndef ISOLOIR_URN_URN_H_
#define ISOLOIR_URN_URN_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "isoloir/manifest.h"
#include "isoloir/merkle.h"
#include "isoloir/record.h"
#include "isoloir/result.h"
#include "isoloir/signature.h"
#include "isoloir/timestamp.h"
#include "isoloir/urn/voter_file.h"

namespace isoloir::urn {

inline constexpr size_t kMaxReclamationBytes = 4000;

// A data directory whose file of this name holds a PostgreSQL connection
// string (libpq's key=value form or a postgresql:// URI) keeps its election
// in that database instead of the directory's SQLite files; several servers,
// each with its own directory naming the same database (and holding the same
// server key), then serve one election (docs/urn-storage.md).
inline constexpr const char* kPostgresFile = "postgres.conninfo";
inline constexpr int64_t kMaxReclamationsPerVoter = 20;

// What a successful cast hands back to the voter, all signed by the server key.
struct CastReceipt {
  std::string reference;  // base64url SHA-256 of the ballot bytes
  uint64_t log_index = 0;
  std::string deposit;     // the deposit proof's canonical bytes: served this once
  std::string emargement;  // the émargement's canonical bytes: downloadable again
};

// A ballot as the board shows it.
struct BoardBallot {
  uint64_t log_index = 0;
  std::string received_at;  // RFC 3339, whole seconds
  std::string reference;
  std::string scrutin;
  std::string ballot;  // its canonical bytes
};

// One scrutin of a voter, with the voter's émargement time if they voted.
struct VoterScrutin {
  std::string scrutin;
  std::optional<std::string> voted_at;  // RFC 3339, whole seconds
};

// What the portal shows a voter about themselves (no credential, no NUMEN).
struct VoterInfo {
  std::string identifier;
  std::string name;
  std::string pseudonym;
  // The current public credential, base64url ("" when revoked without a
  // successor): the booth checks a typed code against it before voting.
  std::string credential;
  // Credentials the voter had before re-issues (base64url): a code that
  // derives one of these was invalidated, not mistyped.
  std::vector<std::string> revoked_credentials;
  std::vector<VoterScrutin> scrutins;  // in manifest order
};

// What a code re-issue checks the voter against, from the registrar's file
// (docs/urn-storage.md): any may be empty.
struct ReissueData {
  std::string numen;  // 13 characters, digits and upper-case letters
  std::string nir10;  // the first 10 digits of the social-security number
  std::string phone;  // where the re-issue link may go by text message
};

// A page of an electoral list: names only, the list sorted by name.
struct ElectorPage {
  uint64_t total = 0;  // how many match the search
  std::vector<std::string> names;
};

// A voter's complaint, as the admin lists it.
struct Reclamation {
  int64_t id = 0;
  std::string filed_at;  // RFC 3339
  std::string voter;     // identifier
  std::string scrutin;
  std::string text;
};

// A signed tree head as stored.
struct StoredTreeHead {
  uint64_t size = 0;
  merkle::Hash root{};
  std::string document;  // canonical bytes, signature included
};

// A ballot with its inclusion proof against a signed tree head.
struct BallotInclusion {
  BoardBallot ballot;
  StoredTreeHead tree_head;
  std::vector<merkle::Hash> path;  // RFC 9162 audit path of ballot.log_index in tree_head.size
};

// The close (docs/election-end.md, section 2): when and how the vote ended,
// signed; the final tree head; the aggregates the trustees decrypt.
struct CloseState {
  std::string closed_at;   // RFC 3339
  bool early = false;      // closed by the admin before closes_at
  std::string document;    // close.json's canonical bytes, signed
  std::string tree_head;   // the final signed tree head (tree_head.json)
  std::string aggregates;  // aggregates.json
};

// One scrutin's turnout: nothing about the ballots, only how many voted.
struct Turnout {
  std::string scrutin;
  uint64_t registered = 0;  // voters on its list
  uint64_t votes = 0;       // émargements
};

// One line of the émargement list (who voted in which scrutin, and when).
struct EmargementEntry {
  std::string scrutin;
  std::string name;
  std::string identifier;
  std::string voted_at;  // RFC 3339
};

// Closes the election of data directory `dir` now, before its closes_at
// (isoloir-admin close), through a connection of its own, so that it works
// while the server runs: casts are refused from the close on. "not_open"
// before opens_at; after closes_at the election is closed as at closes_at
// (not early). "already_closed", "no_election".
Result<CloseState> close_early(const std::string& dir, const Timestamp& now);

// Checks the count (tally.json and results.json, from the trustees'
// partials) against the urn's own record with verify_record and stores it,
// with the record's archive, for the board to publish; works while the
// server runs. "not_closed", "already_published", "no_trustees", and
// verify_record's reasons naming the file and entry.
Result<RecordReport> publish_count(const std::string& dir, std::string_view tally,
                                   std::string_view results);

// Per scrutin, registered voters and votes, read-only while the server runs.
Result<std::vector<Turnout>> read_turnout(const std::string& dir);

// The émargement list: every émargement, by scrutin (manifest order) then
// name; read-only while the server runs.
Result<std::vector<EmargementEntry>> read_emargements(const std::string& dir);

// The close of `dir`, if closed (read-only; "not_closed" otherwise).
Result<CloseState> read_close(const std::string& dir);

// The record files of `dir` as the board serves them (read-only): tally and
// results empty until published.
Result<RecordFiles> read_record(const std::string& dir);

// The manifest of `dir` (read-only; "no_election").
Result<Manifest> read_manifest(const std::string& dir);

// A published file of the count of `dir` (read-only; "not_published").
Result<std::string> read_published(const std::string& dir, std::string_view name);

// Every complaint filed in data directory `dir`, oldest first, read through
// a read-only connection of its own without the urn's lock, so that the
// admin can list them while the server runs ("no_election" when the
// directory holds no urn, "storage_error").
Result<std::vector<Reclamation>> read_reclamations(const std::string& dir);

// Knobs with a sound default, for deployments and tests that need another.
struct UrnOptions {
  // How many ballot references one query reads when the in-memory log
  // catches up with the database (at open, and with other servers' appends
  // on PostgreSQL): the memory a catch-up holds at once, and its round trips.
  uint64_t leaves_per_query = 65536;
};

class Urn {
 public:
  // Opens the data directory `dir` (created if missing), taking its lock
  // ("urn_locked" if another process or Urn holds it), creating the schema of
  // both files if needed, reloading the Merkle log from the ballot table and
  // checking it against the latest signed tree head and the émargements
  // ("corrupt_store" otherwise). The urn owns `server_key`; once an election
  // is imported its manifest's server_key must be this key's public key.
  static Result<std::unique_ptr<Urn>> open(const std::string& dir, SigningKey server_key,
                                           UrnOptions options = {});

  Urn(const Urn&) = delete;
  Urn& operator=(const Urn&) = delete;
  ~Urn();

  // --- loading -------------------------------------------------------------

  // Stores the election's manifest (any JSON layout; its canonical bytes are
  // kept) and the trustees' transcript trustees.json (its exact bytes, which
  // must be canonical). Refuses a manifest parse_manifest refuses, one whose
  // server_key is not this urn's ("bad_manifest"), a transcript that does
  // not verify (load_trustees' reasons), of another election
  // ("wrong_election") or whose key is not the manifest's public_key
  // ("bad_public_key"), and a second import ("already_imported").
  Status import_election(std::string_view manifest_text, std::string_view trustees_text);

  // Registers voters and their initial credentials, issued at `issued_at`, in
  // one transaction: any bad row refuses the whole batch with its reason and
  // a detail naming the row ("line N" or "row I"): "malformed" (an empty or
  // oversized field), "unknown_scrutin", "bad_base64"/"bad_length"/
  // "bad_credential" (the credential), "duplicate_voter" (identifier or
  // pseudonym already registered or repeated), "duplicate_credential".
  // "no_election" before import_election. Importing the same file twice is
  // refused as duplicate voters.
  Status import_voters(const std::vector<VoterRow>& rows, const Timestamp& issued_at);

  // Revokes `voter`'s current credential at `now` and registers
  // `new_credential` from `now`, in one transaction. "unknown_voter",
  // "bad_credential", "duplicate_credential", "bad_time" (now before the
  // current credential's issue).
  Status reissue_credential(std::string_view voter, const PublicKey& new_credential,
                            const Timestamp& now);

  // --- casting -------------------------------------------------------------

  // The voter with identifier `voter` casts `ballot_bytes` at `now`: every
  // stateless check (verify_ballot, outside the lock), then the stateful
  // ones (admission_check: window, the voter's current credential, one
  // ballot per voter and scrutin; then the voter's eligibility for the
  // scrutin, "not_eligible"), then the append, the signatures and the
  // commit. Refusals carry the protocol's reasons, plus "no_election",
  // "unknown_voter", "not_eligible"; a refusal writes nothing.
  Result<CastReceipt> cast(std::string_view voter, std::string_view ballot_bytes,
                           const Timestamp& now);

  // --- the board and the voter's documents -------------------------------

  // The manifest's canonical bytes ("no_election").
  Result<std::string> manifest() const;
  uint64_t size() const;
  // How many voters are registered (for the admin's status; "storage_error").
  Result<uint64_t> voter_count() const;
  // Ballots from log index `from`, at most `limit` of them, in log order.
  Result<std::vector<BoardBallot>> ballots(uint64_t from, uint64_t limit) const;
  // A ballot by reference with its inclusion proof against the latest signed
  // tree head ("not_found").
  Result<BallotInclusion> ballot(std::string_view reference) const;
  // The latest signed tree head ("empty_log" before the first ballot).
  Result<StoredTreeHead> latest_tree_head() const;
  // The signed tree head of the log at `size` ballots ("not_found").
  Result<StoredTreeHead> tree_head(uint64_t size) const;
  // RFC 9162 consistency proof, 0 < first <= second <= size()
  // ("bad_proof_request").
  Result<std::vector<merkle::Hash>> consistency_proof(uint64_t first, uint64_t second) const;
  // The signed émargement of `voter` for `scrutin` ("unknown_voter", "not_found").
  Result<std::string> emargement(std::string_view voter, std::string_view scrutin) const;

  // The voter `identifier` and their scrutins with voted / not voted
  // ("unknown_voter").
  Result<VoterInfo> voter(std::string_view identifier) const;

  // The registrar's identity data of `identifier` ("unknown_voter").
  Result<ReissueData> reissue_data(std::string_view identifier) const;

  // The electoral list of `scrutin`: the voters some word of whose name
  // starts with `query` (case and accents folded as challenge answers are;
  // "Dup" finds "Jeanne Dupont" and "jean" finds "Jeanne Dupont"), sorted by
  // name, `limit` from `from`. "bad_query" for an empty or unfoldable query.
  Result<ElectorPage> electors(std::string_view scrutin, std::string_view query, uint64_t from,
                               uint64_t limit) const;

  // Files a complaint of `voter` about `scrutin` at `now`: text of 1 to
  // kMaxReclamationBytes of UTF-8 without control characters other than
  // line breaks and tabs ("malformed"), at most kMaxReclamationsPerVoter per
  // voter ("too_many_reclamations"), a scrutin of the voter ("not_eligible").
  // Returns its id.
  Result<int64_t> file_reclamation(std::string_view voter, std::string_view scrutin,
                                   std::string_view text, const Timestamp& now);

  // The record files the urn knows (PROTOCOL.md section 8): manifest.json,
  // trustees.json, credentials.json (pseudonyms only), ballots.jsonl,
  // tree_head.json (the close's once closed, else the latest), and
  // tally.json and results.json once the count is published (else empty).
  Result<RecordFiles> export_record() const;

  // --- the end of the election (docs/election-end.md) ----------------------

  // The close: made at the first call at or after closes_at (as at
  // closes_at), or earlier by close_early; "not_closed" while the vote is
  // open. Nothing computes an aggregate before.
  Result<CloseState> close_state(const Timestamp& now);
  // The record's files of the closed election (close_state's refusals
  // before), made once and kept in memory: after the close they never
  // change, and the board must not rebuild a million ballots' file for
  // every download. tally and results are left empty (published() has them).
  Result<std::shared_ptr<const RecordFiles>> closed_record(const Timestamp& now);
  // A published file of the count ("tally.json", "results.json",
  // "record.tar.gz"), or "not_published".
  Result<std::string> published(std::string_view name) const;
  // Per scrutin of the manifest: registered voters and votes.
  Result<std::vector<Turnout>> turnout() const;

 private:
  struct State;
  explicit Urn(std::unique_ptr<State> state);
  std::unique_ptr<State> s_;
};

}  // namespace isoloir::urn

#endif  // ISOLOIR_URN_URN_H_

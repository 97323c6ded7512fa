// How an election ends (docs/election-end.md sections 2 to 4): the signed
// close, the board's files after it (aggregates.json), the trustees' partial
// decryptions and their combination into the record's tally.json and
// results.json. No file access and no network here: the callers hand over
// bytes, and this runs in the WebAssembly module too.
#ifndef ISOLOIR_CLOSING_H_
#define ISOLOIR_CLOSING_H_

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "isoloir/manifest.h"
#include "isoloir/random.h"
#include "isoloir/record.h"
#include "isoloir/record_writer.h"
#include "isoloir/result.h"
#include "isoloir/scalar.h"
#include "isoloir/signature.h"
#include "isoloir/tally.h"
#include "isoloir/timestamp.h"
#include "isoloir/tree_head.h"
#include "isoloir/trustees.h"

namespace isoloir {

// ---------------------------------------------------------------------------
// The close (section 2).

inline constexpr std::string_view kCloseTag = "isoloir/1/close";

// What a verified close.json states.
struct Close {
  Timestamp closed_at;
  bool early = false;
  TreeHead tree_head;
  std::string tree_head_bytes;  // the canonical bytes of the embedded tree head
};

// {"version","kind":"close","election","closed_at","early","tree_head","signature"}
// signed by the server with tag "isoloir/1/close" over the canonical bytes
// without "signature". `signed_tree_head_bytes` must be a tree head of this
// election signed by the same key, with timestamp `closed_at` ("bad_close"
// otherwise, or the tree head's own reasons); `early` says the urn was closed
// before the manifest's closes_at (verify_close refuses a close where it does
// not agree with closed_at).
Result<std::string> close_document(std::string_view election_hash_b64, Timestamp closed_at,
                                   bool early, std::string_view signed_tree_head_bytes,
                                   const SigningKey& server_key);

// Checks close.json: canonical JSON, the header and exact keys, the election,
// the signature by manifest.server_key (tag "isoloir/1/close"), closed_at, the
// embedded tree head (verify_tree_head_document), and "bad_close" when the
// tree head's timestamp is not closed_at, closed_at lies outside [opens_at,
// closes_at], or `early` is not (closed_at < closes_at).
Result<Close> verify_close(std::string_view bytes, const Manifest& manifest);

// ---------------------------------------------------------------------------
// The board (section 3): the record's first five files, checked together.

// Views of the caller's bytes, which must outlive the call.
struct BoardFiles {
  std::string_view manifest;     // manifest.json
  std::string_view trustees;     // trustees.json
  std::string_view credentials;  // credentials.json
  std::string_view ballots;      // ballots.jsonl
  std::string_view tree_head;    // tree_head.json
};

struct Board {
  Manifest manifest;
  Trustees trustees;
  Aggregates aggregates;  // recomputed from the ballots
  TreeHead tree_head;
  RecordReport report;  // election hash, ballots and voters; no results yet
};

// Every check verify_record makes of these five files, in the same order and
// with the same reasons and details (src/record.cpp): the manifest's bytes,
// the trustees' transcript and key, the credential events, every ballot, and
// the tree head's signature, size and root.
Result<Board> verify_board(const BoardFiles& files, const RecordProgress& progress = {});

// ---------------------------------------------------------------------------
// aggregates.json (section 3).

// {"version","kind":"aggregates","election","tree_head":{…},"scrutins":[{"id",
// "ballots","options":[{"id","index","alpha","beta"}]}]}, every scrutin of the
// manifest in its order; a scrutin without ballots has {"id","index"} per
// option. `tree_head_bytes` is the verified tree head of the close (canonical
// JSON; anything else is embedded as null and the file will not verify).
std::string aggregates_file(const Manifest& manifest, const Aggregates& aggregates,
                            std::string_view tree_head_bytes);

// What aggregates.json states, strictly read (exact keys, the manifest's
// scrutins and options in order, strict points): "malformed",
// "non_canonical_json", "wrong_version", "wrong_kind", "wrong_election" and
// the decoders' reasons, the detail naming the entry.
struct AggregatesDocument {
  struct Scrutin {
    std::string id;
    uint64_t ballots = 0;
    std::vector<Ciphertext> options;  // empty when ballots == 0
  };
  std::string tree_head_bytes;  // canonical bytes of the embedded tree head
  std::vector<Scrutin> scrutins;
};
Result<AggregatesDocument> parse_aggregates(std::string_view bytes, const Manifest& manifest);

// That the document says what the board's ballots give: "aggregates_differ"
// naming the tree head, or the scrutin (ballot count) and option (alpha, beta).
Status compare_aggregates(const AggregatesDocument& document, const Manifest& manifest,
                          const Aggregates& computed, std::string_view tree_head_bytes);

// ---------------------------------------------------------------------------
// The board after the close: what a trustee checks before decrypting.

// The five files of BoardFiles and the two the board adds at the close.
struct ClosedBoardFiles {
  BoardFiles board;
  std::string_view close;       // close.json
  std::string_view aggregates;  // aggregates.json
};

// verify_board, then close.json (verify_close) whose tree head must be the
// bytes of tree_head.json ("bad_close"), then aggregates.json read strictly
// and equal to the product of the ballots ("aggregates_differ" naming the
// scrutin and option). The trustee's decryption step (`isoloir trustee
// decrypt` and the trustee page) decrypts nothing the board did not prove.
Result<Board> verify_closed_board(const ClosedBoardFiles& files,
                                  const RecordProgress& progress = {});

// ---------------------------------------------------------------------------
// The trustees' partial decryptions (section 4).

// {"version","kind":"partials","election","trustee":j,"scrutins":[{"id",
// "options":[{"index","d","proof":{"c","s"}}]}]}.
struct PartialsDocument {
  struct Scrutin {
    std::string id;
    std::vector<PartialDecryption> options;  // one per option; empty without ballots
  };
  uint32_t trustee = 0;
  std::vector<Scrutin> scrutins;  // manifest order

  const Scrutin* find(std::string_view scrutin_id) const;
};

// Trustee `trustee`'s partials of every option of every scrutin with ballots,
// every scrutin of the manifest listed. Refuses a trustee index the
// transcript does not have ("unknown_trustee") and a key share whose g^x is
// not that trustee's verification key ("wrong_key_share").
Result<std::string> make_partials(const Manifest& manifest, const Trustees& trustees,
                                  const Aggregates& aggregates, uint32_t trustee,
                                  const Scalar& key_share, ScalarSource& rng);

// make_partials for the trustee whose key share opened from its key file, on
// a board verify_closed_board accepted: "wrong_election" when the key is of
// another election (`key_election_id` is the key file's election id), then
// make_partials' own refusals.
Result<std::string> decrypt_board(const Board& board, std::string_view key_election_id,
                                  uint32_t trustee, const Scalar& key_share, ScalarSource& rng);

// Reads a partials file strictly: canonical JSON, the header and exact keys,
// the election, a trustee index >= 1; scrutins of the manifest in its order,
// each at most once (a trustee may leave a scrutin out: make_partials never
// does), each listing every option in order when the scrutin has ballots and
// none when it has not. Does not check the proofs.
Result<PartialsDocument> parse_partials(std::string_view bytes, const Manifest& manifest,
                                        const Aggregates& aggregates);

// Every proof of the document, against the trustee's verification key and
// the aggregates: "unknown_trustee", "bad_decryption_proof" naming the
// scrutin and option.
Status verify_partials(const PartialsDocument& document, const Manifest& manifest,
                       const Trustees& trustees, const Aggregates& aggregates);

// A partials file as handed to combine_tally: its name (for the messages) and bytes.
struct PartialsFile {
  std::string name;
  std::string bytes;
};

// A file combine_tally did not use, and why.
struct SetAside {
  std::string who;  // "trustee 2 (partials-2.json)", or the file's name if unreadable
  std::string reason;
};

struct Combined {
  std::string tally;                        // tally.json bytes (record_writer's tally_file)
  std::string results;                      // results.json bytes (results_file)
  std::vector<RecordScrutinResult> counts;  // what results.json says
  std::vector<uint32_t> trustees;           // whose partials were used, increasing
  std::vector<SetAside> set_aside;          // in the order of the files
};

// Parses and checks every file: one that does not parse, or with any bad
// proof, is set aside whole; a second file of a trustee already given is set
// aside. Every scrutin with ballots needs at least t valid trustees
// ("not_enough_partials", naming the scrutin, the trustees missing and the
// files set aside). Then every option's A^x from the valid partials, its
// count, and the record's two files in the vectors' layout; tally.json
// carries every valid partial.
Result<Combined> combine_tally(const Manifest& manifest, const Trustees& trustees,
                               const Aggregates& aggregates, std::span<const PartialsFile> files);

}  // namespace isoloir

#endif  // ISOLOIR_CLOSING_H_

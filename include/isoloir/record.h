// The election record (PROTOCOL.md section 8) and its verification from the
// files alone: what an auditor runs after the election. No file access here;
// the caller reads the files and hands over their bytes.
#ifndef ISOLOIR_RECORD_H_
#define ISOLOIR_RECORD_H_

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "isoloir/result.h"

namespace isoloir {

struct RecordFiles {
  std::string manifest;     // manifest.json, its exact canonical bytes
  std::string trustees;     // trustees.json
  std::string credentials;  // credentials.json
  std::string ballots;      // ballots.jsonl
  std::string tree_head;    // tree_head.json
  std::string tally;        // tally.json
  std::string results;      // results.json
};

struct RecordCount {
  std::string option;
  uint64_t count = 0;
};

struct RecordScrutinResult {
  std::string scrutin;
  uint64_t ballots = 0;
  std::vector<RecordCount> counts;  // manifest order
};

struct RecordReport {
  std::string election_hash;
  uint64_t ballots = 0;
  uint64_t voters = 0;
  std::vector<RecordScrutinResult> results;  // manifest order, as recomputed
};

// Recomputes every hash, proof, signature, aggregate and count: the manifest
// hash; the trustees' transcript and that their key is the manifest's; the
// credential events (no voter with two current credentials at once); every
// ballot (canonical, proofs, signature, reference, inside the window and its
// credential's validity, one per voter and scrutin); the tree head's
// signature, size and root; the aggregates; every partial decryption proof;
// the counts from every t-subset of the trustees who decrypted; and that
// results.json says the same. The first fault is the answer, its detail
// naming the file and the entry.
// verify_board (closing.h) is the first half, up to the tree head: what a
// trustee checks of the board before decrypting.
Result<RecordReport> verify_record(const RecordFiles& files);

// The same, telling `progress` (ballots checked, ballots in the record) after
// each block of ballots and once at the end of them; called on the calling
// thread. For a progress display: it may not throw.
using RecordProgress = std::function<void(uint64_t done, uint64_t total)>;
Result<RecordReport> verify_record(const RecordFiles& files, const RecordProgress& progress);

}  // namespace isoloir

#endif  // ISOLOIR_RECORD_H_

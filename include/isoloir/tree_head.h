// Signed tree heads (PROTOCOL.md section 5): the server's signed statement
// that the election's log had `size` ballots with Merkle root `root` at
// `timestamp`. Voters and auditors compare heads to see that everyone is
// shown the same log; every deposit proof carries one.
//
//   {"election","kind":"tree-head","root","signature","size","timestamp","version"}
//
// signed by the manifest's server_key with tag "isoloir/1/tree-head" over the
// canonical bytes without "signature".
#ifndef ISOLOIR_TREE_HEAD_H_
#define ISOLOIR_TREE_HEAD_H_

#include <cstdint>
#include <string_view>

#include "isoloir/bytes.h"
#include "isoloir/canonical_json.h"
#include "isoloir/result.h"
#include "isoloir/signature.h"
#include "isoloir/signed_document.h"
#include "isoloir/timestamp.h"

namespace isoloir {

inline constexpr std::string_view kTreeHeadTag = "isoloir/1/tree-head";

// What a verified tree head states.
struct TreeHead {
  uint64_t size = 0;  // number of ballots in the log
  Digest32 root{};    // RFC 9162 root of those ballots' reference digests
  Timestamp timestamp;
};

// Signs a tree head for the election whose hash (base64url) is
// `election_hash`. `size` must be at most 2^53 - 1 (kMaxJsonInteger), the
// largest integer canonical JSON carries; the time is written without fraction.
SignedDocument sign_tree_head(const SigningKey& server_key, std::string_view election_hash,
                              uint64_t size, const Digest32& root, const Timestamp& timestamp);

// Verifies a tree head received as bytes: canonical JSON ("non_canonical_json"),
// then as verify_tree_head_document.
Result<TreeHead> verify_tree_head(std::string_view bytes, const PublicKey& server_key,
                                  std::string_view election_hash);

// Verifies an already parsed tree head (the one nested in a deposit proof, or
// a file's): exact keys and types ("malformed"), "wrong_version",
// "wrong_kind", "wrong_election", the root ("bad_base64", "bad_length"), the
// timestamp ("bad_time") and the signature ("bad_signature"), in that order.
// `field` names the object in error details.
Result<TreeHead> verify_tree_head_document(const Json& document, const PublicKey& server_key,
                                           std::string_view election_hash,
                                           std::string_view field = "tree_head");

}  // namespace isoloir

#endif  // ISOLOIR_TREE_HEAD_H_

// The booth's surface: what the WebAssembly module exports to the voter's
// browser (see wasm/bindings.cpp), in plain strings so that the binding layer
// stays a thin translation. Everything here is pure protocol: no DOM, no HTTP.
#ifndef ISOLOIR_BOOTH_H_
#define ISOLOIR_BOOTH_H_

#include <string>
#include <string_view>
#include <vector>

#include "isoloir/result.h"

namespace isoloir::booth {

struct CreatedBallot {
  std::string ballot;     // canonical bytes, ready to send
  std::string reference;  // base64url(SHA-256(ballot)), shown on the receipt
};

// Encrypts and proves a ballot for `scrutin_id` marking `option_ids`, signed
// with the credential derived from `code` (any typed form; normalised here).
// The code and the credential's secret key are wiped before returning.
Result<CreatedBallot> create_ballot(std::string_view manifest_json, std::string_view scrutin_id,
                                    const std::vector<std::string>& option_ids,
                                    std::string_view code);

// Every check of PROTOCOL.md section 4 that needs no server state; the
// reference on success.
Result<std::string> verify_ballot(std::string_view manifest_json, std::string_view ballot);

// A fresh vote code in its display form (four groups of five).
std::string new_code();
// The 20-symbol normalised code, or "bad_vote_code".
Result<std::string> normalize_code(std::string_view input);
// The display form of a valid code.
Result<std::string> display_code(std::string_view input);
// The public credential (base64url Ed25519 key) for `code` in `election_id`.
Result<std::string> credential(std::string_view election_id, std::string_view code);

struct ReceiptInfo {
  std::string kind;  // "deposit" or "emargement"
  std::string scrutin;
  std::string reference;  // deposits only
  std::string time;       // received_at or voted_at
};
// Verifies a deposit proof or an émargement against the manifest's server key
// and election hash.
Result<ReceiptInfo> verify_receipt(std::string_view manifest_json, std::string_view receipt);

// Verifies that the ballot with `reference` is the leaf `log_index` of the
// tree whose signed head is `tree_head_json`, by the RFC 9162 audit `path`
// (base64url hashes), and that the head is signed by the manifest's server key.
Status verify_inclusion(std::string_view manifest_json, std::string_view reference,
                        uint64_t log_index, std::string_view tree_head_json,
                        const std::vector<std::string>& path);

// The election hash (base64url) of a manifest.
Result<std::string> election_hash(std::string_view manifest_json);

}  // namespace isoloir::booth

#endif  // ISOLOIR_BOOTH_H_

// Receipts (PROTOCOL.md section 6), both signed by the manifest's server_key
// over their canonical bytes without "signature":
//
// - the deposit proof (preuve de dépôt), tag "isoloir/1/deposit": the server
//   received the ballot `reference` for `scrutin` at `received_at` and put it
//   at `log_index` of the log, whose signed head just after is `tree_head`;
//   {"election","kind":"deposit","log_index","received_at","reference",
//    "scrutin","signature","tree_head","version"}
// - the émargement, tag "isoloir/1/emargement": the voter with pseudonym
//   `voter` voted in `scrutin` at `voted_at`, without saying how;
//   {"election","kind":"emargement","scrutin","signature","version","voted_at","voter"}
#ifndef ISOLOIR_RECEIPT_H_
#define ISOLOIR_RECEIPT_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <variant>

#include "isoloir/bytes.h"
#include "isoloir/canonical_json.h"
#include "isoloir/manifest.h"
#include "isoloir/result.h"
#include "isoloir/signature.h"
#include "isoloir/signed_document.h"
#include "isoloir/timestamp.h"
#include "isoloir/tree_head.h"

namespace isoloir {

inline constexpr std::string_view kDepositTag = "isoloir/1/deposit";
inline constexpr std::string_view kEmargementTag = "isoloir/1/emargement";

// What a verified deposit proof states.
struct Deposit {
  std::string scrutin;
  std::string reference;  // base64url, 43 characters
  Digest32 digest{};      // the reference decoded: the ballot's Merkle leaf input
  Timestamp received_at;
  uint64_t log_index = 0;  // < tree_head.size
  TreeHead tree_head;      // its signature checked too
};

// What a verified émargement states.
struct Emargement {
  std::string scrutin;
  std::string voter;  // the voter's pseudonym
  Timestamp voted_at;
};

// Either receipt, for code handed a file without knowing which it is.
struct Receipt {
  std::variant<Deposit, Emargement> content;

  const Deposit* deposit() const { return std::get_if<Deposit>(&content); }
  const Emargement* emargement() const { return std::get_if<Emargement>(&content); }
  // "deposit" or "emargement", as the document's "kind".
  std::string_view kind() const { return deposit() != nullptr ? "deposit" : "emargement"; }
  const std::string& scrutin() const;
  // received_at or voted_at.
  const Timestamp& time() const;
};

// Signs a deposit proof. `tree_head` is the signed tree head document just
// after the ballot was appended (sign_tree_head(...).document); `log_index`
// must be below its size and at most 2^53 - 1. Times are written without fraction.
SignedDocument sign_deposit(const SigningKey& server_key, std::string_view election_hash,
                            std::string_view scrutin, std::string_view reference,
                            const Timestamp& received_at, uint64_t log_index,
                            const Json& tree_head);

// Signs an émargement for the voter's pseudonym `voter`.
SignedDocument sign_emargement(const SigningKey& server_key, std::string_view election_hash,
                               std::string_view scrutin, std::string_view voter,
                               const Timestamp& voted_at);

// Verifies a deposit proof's bytes against the server key and the election
// hash (base64url). Reasons, first failing check first: "non_canonical_json";
// "malformed" (not exactly the format's keys and types), "wrong_version",
// "wrong_kind"; "wrong_election"; the reference ("bad_base64", "bad_length":
// 32 bytes, 43 characters); "bad_time"; the nested tree head (any reason of
// verify_tree_head_document, its "bad_signature" included); "bad_log_index"
// (log_index >= tree_head.size); "bad_signature".
Result<Deposit> verify_deposit(std::string_view bytes, const PublicKey& server_key,
                               std::string_view election_hash);

// Verifies an émargement's bytes: the same checks, without reference, log
// index and tree head.
Result<Emargement> verify_emargement(std::string_view bytes, const PublicKey& server_key,
                                     std::string_view election_hash);

// Verifies a deposit proof or an émargement, as its "kind" says (any other
// kind is "wrong_kind").
Result<Receipt> verify_receipt(std::string_view bytes, const PublicKey& server_key,
                               std::string_view election_hash);

// The same against a manifest (its server_key and hash), which must also list
// the receipt's scrutin ("unknown_scrutin"): what the booth and auditors use.
Result<Receipt> verify_receipt(const Manifest& manifest, std::string_view bytes);

}  // namespace isoloir

#endif  // ISOLOIR_RECEIPT_H_

#include "isoloir/receipt.h"

#include <string>
#include <utility>

namespace isoloir {
namespace {

constexpr std::string_view kDeposit = "deposit";
constexpr std::string_view kEmargement = "emargement";

Result<Deposit> verify_deposit_document(const Json& document, const PublicKey& server_key,
                                        std::string_view election_hash) {
  constexpr std::string_view field = kDeposit;
  if (Status s = check_document_header(document, kDeposit,
                                       {"version", "kind", "election", "scrutin", "reference",
                                        "received_at", "log_index", "tree_head", "signature"},
                                       field);
      !s) {
    return s.error();
  }
  if (Status s = check_election(document, election_hash, field); !s) return s.error();
  auto scrutin = get_string(document, "scrutin", field);
  if (!scrutin) return scrutin.error();
  auto reference = get_string(document, "reference", field);
  if (!reference) return reference.error();
  // 32 bytes in unpadded base64url are exactly 43 characters: the decoder's
  // strictness makes the reference's text unique, as the voter compares it.
  auto digest = base64url_decode_fixed<32>(*reference, "deposit.reference");
  if (!digest) return digest.error();
  auto received_at = get_time(document, "received_at", field);
  if (!received_at) return received_at.error();
  auto log_index = get_count(document, "log_index", field);
  if (!log_index) return log_index.error();
  // A deposit proof is only as good as the tree head it points into: that
  // head is what the voter later checks inclusion against.
  auto tree_head = verify_tree_head_document(document["tree_head"], server_key, election_hash,
                                             "deposit.tree_head");
  if (!tree_head) return tree_head.error();
  if (*log_index >= tree_head->size) {
    return fail("bad_log_index", "deposit.log_index " + std::to_string(*log_index) +
                                     " is not below deposit.tree_head.size " +
                                     std::to_string(tree_head->size));
  }
  if (Status s = verify_document_signature(document, kDepositTag, server_key, field); !s) {
    return s.error();
  }
  Deposit deposit;
  deposit.scrutin = std::move(*scrutin);
  deposit.reference = std::move(*reference);
  deposit.digest = *digest;
  deposit.received_at = *received_at;
  deposit.log_index = *log_index;
  deposit.tree_head = *tree_head;
  return deposit;
}

Result<Emargement> verify_emargement_document(const Json& document, const PublicKey& server_key,
                                              std::string_view election_hash) {
  constexpr std::string_view field = kEmargement;
  if (Status s = check_document_header(
          document, kEmargement,
          {"version", "kind", "election", "scrutin", "voter", "voted_at", "signature"}, field);
      !s) {
    return s.error();
  }
  if (Status s = check_election(document, election_hash, field); !s) return s.error();
  auto scrutin = get_string(document, "scrutin", field);
  if (!scrutin) return scrutin.error();
  auto voter = get_string(document, "voter", field);
  if (!voter) return voter.error();
  auto voted_at = get_time(document, "voted_at", field);
  if (!voted_at) return voted_at.error();
  if (Status s = verify_document_signature(document, kEmargementTag, server_key, field); !s) {
    return s.error();
  }
  return Emargement{std::move(*scrutin), std::move(*voter), *voted_at};
}

}  // namespace

const std::string& Receipt::scrutin() const {
  if (const Deposit* d = deposit()) return d->scrutin;
  return std::get_if<Emargement>(&content)->scrutin;
}

const Timestamp& Receipt::time() const {
  if (const Deposit* d = deposit()) return d->received_at;
  return std::get_if<Emargement>(&content)->voted_at;
}

SignedDocument sign_deposit(const SigningKey& server_key, std::string_view election_hash,
                            std::string_view scrutin, std::string_view reference,
                            const Timestamp& received_at, uint64_t log_index,
                            const Json& tree_head) {
  Json deposit = Json::object();
  deposit["version"] = kProtocolVersion;
  deposit["kind"] = kDeposit;
  deposit["election"] = election_hash;
  deposit["scrutin"] = scrutin;
  deposit["reference"] = reference;
  deposit["received_at"] = received_at.to_string();
  deposit["log_index"] = static_cast<int64_t>(log_index);
  deposit["tree_head"] = tree_head;
  return sign_document(server_key, kDepositTag, std::move(deposit));
}

SignedDocument sign_emargement(const SigningKey& server_key, std::string_view election_hash,
                               std::string_view scrutin, std::string_view voter,
                               const Timestamp& voted_at) {
  Json emargement = Json::object();
  emargement["version"] = kProtocolVersion;
  emargement["kind"] = kEmargement;
  emargement["election"] = election_hash;
  emargement["scrutin"] = scrutin;
  emargement["voter"] = voter;
  emargement["voted_at"] = voted_at.to_string();
  return sign_document(server_key, kEmargementTag, std::move(emargement));
}

Result<Deposit> verify_deposit(std::string_view bytes, const PublicKey& server_key,
                               std::string_view election_hash) {
  Result<Json> document = parse_canonical(bytes);
  if (!document) return document.error();
  return verify_deposit_document(*document, server_key, election_hash);
}

Result<Emargement> verify_emargement(std::string_view bytes, const PublicKey& server_key,
                                     std::string_view election_hash) {
  Result<Json> document = parse_canonical(bytes);
  if (!document) return document.error();
  return verify_emargement_document(*document, server_key, election_hash);
}

Result<Receipt> verify_receipt(std::string_view bytes, const PublicKey& server_key,
                               std::string_view election_hash) {
  Result<Json> document = parse_canonical(bytes);
  if (!document) return document.error();
  auto kind = get_string(*document, "kind", "receipt");
  if (!kind) return kind.error();
  if (*kind == kDeposit) {
    auto deposit = verify_deposit_document(*document, server_key, election_hash);
    if (!deposit) return deposit.error();
    return Receipt{std::move(*deposit)};
  }
  if (*kind == kEmargement) {
    auto emargement = verify_emargement_document(*document, server_key, election_hash);
    if (!emargement) return emargement.error();
    return Receipt{std::move(*emargement)};
  }
  return fail("wrong_kind", "receipt.kind is \"" + *kind + "\", expected deposit or emargement");
}

Result<Receipt> verify_receipt(const Manifest& manifest, std::string_view bytes) {
  auto receipt = verify_receipt(bytes, manifest.server_key, manifest.hash_b64);
  if (!receipt) return receipt;
  if (manifest.find_scrutin(receipt->scrutin()) == nullptr) {
    return fail("unknown_scrutin", std::string(receipt->kind()) + ".scrutin \"" +
                                       receipt->scrutin() + "\" is not in the manifest");
  }
  return receipt;
}

}  // namespace isoloir

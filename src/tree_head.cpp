#include "isoloir/tree_head.h"

#include <string>

namespace isoloir {

SignedDocument sign_tree_head(const SigningKey& server_key, std::string_view election_hash,
                              uint64_t size, const Digest32& root, const Timestamp& timestamp) {
  Json head = Json::object();
  head["version"] = kProtocolVersion;
  head["kind"] = "tree-head";
  head["election"] = election_hash;
  head["size"] = static_cast<int64_t>(size);
  head["root"] = base64url_encode(root);
  head["timestamp"] = timestamp.to_string();
  return sign_document(server_key, kTreeHeadTag, std::move(head));
}

Result<TreeHead> verify_tree_head(std::string_view bytes, const PublicKey& server_key,
                                  std::string_view election_hash) {
  Result<Json> document = parse_canonical(bytes);
  if (!document) return document.error();
  return verify_tree_head_document(*document, server_key, election_hash);
}

Result<TreeHead> verify_tree_head_document(const Json& document, const PublicKey& server_key,
                                           std::string_view election_hash, std::string_view field) {
  if (Status s = check_document_header(
          document, "tree-head",
          {"version", "kind", "election", "size", "root", "timestamp", "signature"}, field);
      !s) {
    return s.error();
  }
  if (Status s = check_election(document, election_hash, field); !s) return s.error();
  auto size = get_count(document, "size", field);
  if (!size) return size.error();
  auto root_text = get_string(document, "root", field);
  if (!root_text) return root_text.error();
  auto root = base64url_decode_fixed<32>(*root_text, std::string(field) + ".root");
  if (!root) return root.error();
  auto timestamp = get_time(document, "timestamp", field);
  if (!timestamp) return timestamp.error();
  if (Status s = verify_document_signature(document, kTreeHeadTag, server_key, field); !s) {
    return s.error();
  }
  return TreeHead{*size, *root, *timestamp};
}

}  // namespace isoloir

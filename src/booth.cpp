#include "isoloir/booth.h"

#include <sodium.h>

#include <optional>

#include "isoloir/ballot.h"
#include "isoloir/credential.h"
#include "isoloir/manifest.h"
#include "isoloir/merkle.h"
#include "isoloir/random.h"
#include "isoloir/receipt.h"
#include "isoloir/tree_head.h"
#include "isoloir/vote_code.h"

namespace isoloir::booth {
namespace {

// The page passes the same manifest text on every call: parse it once.
struct ManifestCache {
  std::string text;
  std::optional<Manifest> manifest;
};

Result<const Manifest*> manifest_of(std::string_view text) {
  thread_local ManifestCache cache;
  if (!cache.manifest || cache.text != text) {
    cache.manifest.reset();
    Result<Manifest> m = parse_manifest(text);
    if (!m) return m.error();
    cache.text = std::string(text);
    cache.manifest = std::move(*m);
  }
  return &*cache.manifest;
}

}  // namespace

Result<CreatedBallot> create_ballot(std::string_view manifest_json, std::string_view scrutin_id,
                                    const std::vector<std::string>& option_ids,
                                    std::string_view code) {
  ensure_sodium();
  auto m = manifest_of(manifest_json);
  if (!m) return m.error();
  Result<SigningKey> key = credential_key((*m)->id, code);
  if (!key) return key.error();
  SystemScalarSource rng;
  Result<isoloir::CreatedBallot> b = isoloir::create_ballot(**m, scrutin_id, option_ids, *key, rng);
  if (!b) return b.error();
  return CreatedBallot{std::move(b->bytes), std::move(b->reference)};
}

Result<std::string> verify_ballot(std::string_view manifest_json, std::string_view ballot) {
  auto m = manifest_of(manifest_json);
  if (!m) return m.error();
  Result<VerifiedBallot> v = isoloir::verify_ballot(**m, ballot);
  if (!v) return v.error();
  return std::move(v->reference);
}

std::string new_code() {
  std::string code = generate_vote_code();
  std::string shown = display_vote_code(code);
  sodium_memzero(code.data(), code.size());
  return shown;
}

Result<std::string> normalize_code(std::string_view input) {
  return normalize_vote_code(input);
}

Result<std::string> display_code(std::string_view input) {
  Result<std::string> code = normalize_vote_code(input);
  if (!code) return code.error();
  std::string shown = display_vote_code(*code);
  sodium_memzero(code->data(), code->size());
  return shown;
}

Result<std::string> credential(std::string_view election_id, std::string_view code) {
  Result<SigningKey> key = credential_key(election_id, code);
  if (!key) return key.error();
  return base64url_encode(key->public_key());
}

Result<ReceiptInfo> verify_receipt(std::string_view manifest_json, std::string_view receipt) {
  auto m = manifest_of(manifest_json);
  if (!m) return m.error();
  Result<Receipt> r = isoloir::verify_receipt(**m, receipt);
  if (!r) return r.error();
  ReceiptInfo info;
  info.kind = std::string(r->kind());
  info.scrutin = r->scrutin();
  info.time = r->time().to_string();
  if (const Deposit* d = r->deposit()) info.reference = d->reference;
  return info;
}

Status verify_inclusion(std::string_view manifest_json, std::string_view reference,
                        uint64_t log_index, std::string_view tree_head_json,
                        const std::vector<std::string>& path) {
  auto m = manifest_of(manifest_json);
  if (!m) return m.error();
  Result<TreeHead> head = verify_tree_head(tree_head_json, (*m)->server_key, (*m)->hash_b64);
  if (!head) return head.error();
  auto digest = base64url_decode_fixed<32>(reference, "reference");
  if (!digest) return digest.error();
  std::vector<merkle::Hash> hashes;
  hashes.reserve(path.size());
  for (size_t i = 0; i < path.size(); ++i) {
    auto h = base64url_decode_fixed<32>(path[i], "path[" + std::to_string(i) + "]");
    if (!h) return h.error();
    hashes.push_back(*h);
  }
  return merkle::verify_inclusion(merkle::leaf_hash(*digest), log_index, head->size, hashes,
                                  head->root);
}

Result<std::string> election_hash(std::string_view manifest_json) {
  auto m = manifest_of(manifest_json);
  if (!m) return m.error();
  return (*m)->hash_b64;
}

}  // namespace isoloir::booth

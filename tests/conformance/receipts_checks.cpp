// receipts.json (deposit proofs and émargements) and the signed tree heads of
// merkle.json (PROTOCOL.md sections 5 and 6). Compiled into wasm too: no
// exceptions, no files.
#include <string>
#include <vector>

#include "conformance.h"
#include "isoloir/bytes.h"
#include "isoloir/canonical_json.h"
#include "isoloir/receipt.h"
#include "isoloir/signature.h"
#include "isoloir/tree_head.h"
#include "support.h"

namespace isoloir::conformance {
namespace {

// The parsed file and the key and election its documents are signed for. A
// file that is missing or lacks them gives one failed case, never none.
struct Loaded {
  Json root;
  PublicKey server_key{};
  std::string election_hash;
};

Result<Loaded> load_signed(const Files& files, const std::string& file) {
  Json root = load(files, file);
  auto key = base64url_decode_fixed<32>(s(root, "server_key"), file + " server_key");
  if (!key) return key.error();
  std::string election = s(root, "election_hash");
  if (election.empty()) return fail("malformed", file + " has no election_hash");
  return Loaded{std::move(root), *key, std::move(election)};
}

// One result per case of the array `list` and verifier: the case's
// `document_key` holds the receipt's exact bytes, and `typed` and `any_kind`
// say "accepted" or the reason.
template <class Typed, class AnyKind>
void add_cases(std::vector<CaseResult>& out, const std::string& file, const Json& root,
               const char* list, const char* document_key, const Typed& typed,
               const AnyKind& any_kind) {
  for (const Json& c : arr(root, list)) {
    const std::string name = s(c, "name");
    const std::string expected = s(c, "expected");
    auto bytes = get_string(c, document_key, "case");
    if (name.empty() || expected.empty() || !bytes) {
      out.push_back(expect(file, name, "a case with name, expected and bytes", "malformed"));
      continue;
    }
    const std::string& text = *bytes;
    out.push_back(expect(file, name, expected, typed(text)));
    // A receipt whose kind is not its format's (emargement-wrong-kind: the
    // keys of an émargement, "kind": "deposit") is wrong_kind only to a
    // verifier that expects the other kind; dispatching on its kind, it is a
    // malformed deposit.
    if (expected != "wrong_kind") {
      out.push_back(expect(file, name + " (any kind)", expected, any_kind(text)));
    }
  }
}

}  // namespace

std::vector<CaseResult> check_receipts(const Files& files) {
  const std::string file = "receipts.json";
  auto loaded = load_signed(files, file);
  if (!loaded) return {expect(file, "load", "loaded", loaded.error().message())};
  const PublicKey& key = loaded->server_key;
  const std::string& election = loaded->election_hash;

  std::vector<CaseResult> out;
  auto deposit = [&](const std::string& b) { return outcome(verify_deposit(b, key, election)); };
  auto emargement = [&](const std::string& b) {
    return outcome(verify_emargement(b, key, election));
  };
  // The dispatching verifier must agree with the typed ones on every case: it
  // is the one the booth and the command-line tool use.
  auto any_kind = [&](const std::string& b) { return outcome(verify_receipt(b, key, election)); };
  add_cases(out, file, loaded->root, "deposits", "deposit", deposit, any_kind);
  add_cases(out, file, loaded->root, "emargements", "emargement", emargement, any_kind);
  if (out.empty()) out.push_back(expect(file, "cases", "at least one case", "none"));
  return out;
}

std::vector<CaseResult> check_merkle_tree_heads(const Files& files) {
  const std::string file = "merkle.json";
  auto loaded = load_signed(files, file);
  if (!loaded) return {expect(file, "load", "loaded", loaded.error().message())};
  const PublicKey& key = loaded->server_key;
  const std::string& election = loaded->election_hash;

  std::vector<CaseResult> out;
  for (const Json& tree : arr(loaded->root, "trees")) {
    auto size = get_int(tree, "size", "tree");
    auto root = get_string(tree, "root", "tree");
    auto head = get_member(tree, "tree_head", "tree");
    const std::string name = "tree-" + (size ? std::to_string(*size) : std::string("?"));
    if (!size || !root || !head) {
      out.push_back(expect(file, name, "a tree with size, root and tree_head", "malformed"));
      continue;
    }
    const Json& document = **head;

    auto verified = verify_tree_head_document(document, key, election);
    std::string got = outcome(verified);
    // A valid signature is not enough: the head must state this tree.
    if (verified && (static_cast<int64_t>(verified->size) != *size ||
                     base64url_encode(verified->root) != *root)) {
      got = "tree head does not state the tree's size and root";
    }
    out.push_back(expect(file, name + "/tree_head", "accepted", got));

    // The same head claiming one more ballot, re-serialised canonically: every
    // field still well-formed, so only the signature can refuse it.
    if (document.is_object() && verified) {
      Json tampered = document;
      tampered["size"] = static_cast<int64_t>(verified->size) + 1;
      out.push_back(expect(file, name + "/tree_head size+1", "bad_signature",
                           outcome(verify_tree_head(canonical_dump(tampered), key, election))));
    }
  }
  if (out.empty()) out.push_back(expect(file, "trees", "at least one tree", "none"));
  return out;
}

}  // namespace isoloir::conformance

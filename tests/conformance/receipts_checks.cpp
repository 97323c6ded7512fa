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

namespace isoloir::conformance {
namespace {

template <class T>
std::string outcome(const Result<T>& r) {
  return r.ok() ? "accepted" : r.error().reason;
}

// What every file of these checks starts with: the parsed file and the keys it
// is signed with. A file that is missing or unreadable gives one failed case,
// so that it cannot pass by yielding nothing.
struct Loaded {
  Json root;
  PublicKey server_key{};
  std::string election_hash;
};

Result<Loaded> load(const Files& files, const std::string& file) {
  auto it = files.find(file);
  if (it == files.end()) return fail("missing_file", file);
  auto root = parse_json(it->second);
  if (!root) return root.error();
  auto key_text = get_string(*root, "server_key", file);
  if (!key_text) return key_text.error();
  auto key = base64url_decode_fixed<32>(*key_text, "server_key");
  if (!key) return key.error();
  auto election = get_string(*root, "election_hash", file);
  if (!election) return election.error();
  return Loaded{std::move(*root), *key, std::move(*election)};
}

// One result per case of the array `list` and verifier: the case's
// `document_key` holds the receipt's exact bytes, and `typed` and `any_kind`
// say "accepted" or the reason.
template <class Typed, class AnyKind>
void add_cases(std::vector<CaseResult>& out, const std::string& file, const Json& root,
               const char* list, const char* document_key, const Typed& typed,
               const AnyKind& any_kind) {
  auto it = root.find(list);
  if (it == root.end() || !it->is_array()) return;
  for (const Json& c : *it) {
    auto name = get_string(c, "name", "case");
    auto expected = get_string(c, "expected", "case");
    auto bytes = get_string(c, document_key, "case");
    if (!name || !expected || !bytes) {
      out.push_back(
          expect(file, name ? *name : "?", "a case with name, expected and bytes", "malformed"));
      continue;
    }
    out.push_back(expect(file, *name, *expected, typed(*bytes)));
    // A receipt whose kind is not its format's (emargement-wrong-kind: the
    // keys of an émargement, "kind": "deposit") is wrong_kind only to a
    // verifier that expects the other kind; dispatching on its kind, it is a
    // malformed deposit.
    if (*expected != "wrong_kind") {
      out.push_back(expect(file, *name + " (any kind)", *expected, any_kind(*bytes)));
    }
  }
}

}  // namespace

std::vector<CaseResult> check_receipts(const Files& files) {
  const std::string file = "receipts.json";
  auto loaded = load(files, file);
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
  auto loaded = load(files, file);
  if (!loaded) return {expect(file, "load", "loaded", loaded.error().message())};
  const PublicKey& key = loaded->server_key;
  const std::string& election = loaded->election_hash;

  std::vector<CaseResult> out;
  auto trees = loaded->root.find("trees");
  if (trees != loaded->root.end() && trees->is_array()) {
    for (const Json& tree : *trees) {
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
  }
  if (out.empty()) out.push_back(expect(file, "trees", "at least one tree", "none"));
  return out;
}

}  // namespace isoloir::conformance

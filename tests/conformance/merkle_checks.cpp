// merkle.json: RFC 9162 trees over reference digests (PROTOCOL.md section 5).
// Every root, inclusion proof and consistency proof of the vectors is both
// recomputed (from the list of leaves and from an incremental MerkleLog) and
// verified; every invalid proof must be refused.
#include <nlohmann/json.hpp>

#include <string>
#include <vector>

#include "conformance.h"
#include "isoloir/bytes.h"
#include "isoloir/merkle.h"
#include "support.h"

namespace isoloir::conformance {
namespace {

using merkle::Hash;

constexpr char kFile[] = "merkle.json";

Result<Hash> hash_field(const std::string& b64, const std::string& field) {
  return base64url_decode_fixed<32>(b64, field);
}

Result<std::vector<Hash>> hash_list(const Json& list, const std::string& field) {
  if (!list.is_array()) return fail("malformed", field + " is not a list");
  std::vector<Hash> out;
  for (size_t i = 0; i < list.size(); ++i) {
    auto h = hash_field(list[i].is_string() ? list[i].get<std::string>() : std::string(),
                        field + "[" + std::to_string(i) + "]");
    if (!h) return h.error();
    out.push_back(*h);
  }
  return out;
}

std::string show(const Hash& h) {
  return base64url_encode(h);
}

struct Tree {
  std::string name;
  std::vector<Hash> leaves;  // leaf hashes
  MerkleLog log;
  const Json* json = nullptr;
};

// The root the vectors give for a prefix size, from 'roots'.
Result<Hash> vector_root(const Tree& tree, uint64_t size) {
  const std::string key = std::to_string(size);
  return hash_field(s(member(*tree.json, "roots"), key.c_str()), tree.name + ".roots." + key);
}

void check_roots(Tree& tree, std::vector<CaseResult>& out) {
  const Json& roots = member(*tree.json, "roots");
  auto want = hash_field(s(*tree.json, "root"), tree.name + ".root");
  if (!want) {
    out.push_back(expect(kFile, tree.name + " root", "accepted", want.error().reason));
  } else {
    const bool same = merkle::root(tree.leaves) == *want && tree.log.root() == *want;
    out.push_back(expect(kFile, tree.name + " root", "accepted",
                         same ? "accepted" : "root " + show(tree.log.root())));
  }
  if (!roots.is_object() || roots.empty()) {
    out.push_back(expect(kFile, tree.name + " roots", "accepted", "no prefix roots"));
    return;
  }
  for (const auto& [size_text, value] : roots.items()) {
    const std::string name = tree.name + " roots[" + size_text + "]";
    const uint64_t size = std::strtoull(size_text.c_str(), nullptr, 10);
    auto expected = hash_field(value.is_string() ? value.get<std::string>() : "", name);
    auto got = tree.log.prefix_root(size);
    if (!expected || !got) {
      out.push_back(expect(kFile, name, "accepted",
                           !expected ? expected.error().reason : got.error().reason));
      continue;
    }
    out.push_back(
        expect(kFile, name, "accepted", *got == *expected ? "accepted" : "root " + show(*got)));
  }
}

void check_inclusions(Tree& tree, std::vector<CaseResult>& out) {
  const Json& list = member(*tree.json, "inclusion");
  for (size_t k = 0; list.is_array() && k < list.size(); ++k) {
    const Json& c = list[k];
    const uint64_t index = u64(c, "index");
    const uint64_t size = u64(c, "size");
    const std::string name =
        tree.name + " inclusion(" + std::to_string(index) + ", " + std::to_string(size) + ")";
    auto path = hash_list(member(c, "path"), name + ".path");
    auto root = vector_root(tree, size);
    if (!path || !root) {
      out.push_back(
          expect(kFile, name, "accepted", !path ? path.error().reason : root.error().reason));
      continue;
    }
    auto made = tree.log.inclusion_proof(index, size);
    auto made_from_list = merkle::inclusion_proof(tree.leaves, index, size);
    if (!made || !made_from_list) {
      out.push_back(expect(kFile, name, "accepted",
                           made ? made_from_list.error().reason : made.error().reason));
      continue;
    }
    if (*made != *path || *made_from_list != *path) {
      out.push_back(expect(kFile, name, "accepted", "a different path"));
      continue;
    }
    out.push_back(
        expect(kFile, name, "accepted",
               outcome(merkle::verify_inclusion(tree.leaves[index], index, size, *path, *root))));
  }
}

void check_consistencies(Tree& tree, std::vector<CaseResult>& out) {
  const Json& list = member(*tree.json, "consistency");
  for (size_t k = 0; list.is_array() && k < list.size(); ++k) {
    const Json& c = list[k];
    const uint64_t first = u64(c, "first");
    const uint64_t second = u64(c, "second");
    const std::string name =
        tree.name + " consistency(" + std::to_string(first) + ", " + std::to_string(second) + ")";
    auto proof = hash_list(member(c, "proof"), name + ".proof");
    auto r1 = vector_root(tree, first);
    auto r2 = vector_root(tree, second);
    if (!proof || !r1 || !r2) {
      out.push_back(
          expect(kFile, name, "accepted",
                 !proof ? proof.error().reason : (!r1 ? r1.error().reason : r2.error().reason)));
      continue;
    }
    auto made = tree.log.consistency_proof(first, second);
    auto made_from_list = merkle::consistency_proof(tree.leaves, first, second);
    if (!made || !made_from_list) {
      out.push_back(expect(kFile, name, "accepted",
                           made ? made_from_list.error().reason : made.error().reason));
      continue;
    }
    if (*made != *proof || *made_from_list != *proof) {
      out.push_back(expect(kFile, name, "accepted", "a different proof"));
      continue;
    }
    out.push_back(expect(kFile, name, "accepted",
                         outcome(merkle::verify_consistency(first, second, *r1, *r2, *proof))));
  }
}

void check_tree(const Json& json, size_t t, std::vector<CaseResult>& out) {
  Tree tree;
  tree.name = "trees[" + std::to_string(t) + "]";
  tree.json = &json;
  const Json& leaves = member(json, "leaves");
  auto digests = hash_list(leaves, tree.name + ".leaves");
  if (!digests || digests->size() != u64(json, "size")) {
    out.push_back(expect(kFile, tree.name + " leaves", "accepted",
                         digests ? "size differs from the leaves" : digests.error().reason));
    return;
  }
  for (const Digest32& d : *digests) {
    tree.leaves.push_back(merkle::leaf_hash(d));
    tree.log.append(d);
  }
  if (json.contains("leaf_hashes")) {
    auto want = hash_list(member(json, "leaf_hashes"), tree.name + ".leaf_hashes");
    out.push_back(expect(kFile, tree.name + " leaf_hashes", "accepted",
                         !want                  ? want.error().reason
                         : *want == tree.leaves ? "accepted"
                                                : "different leaf hashes"));
  }
  check_roots(tree, out);
  check_inclusions(tree, out);
  check_consistencies(tree, out);
  // Each tree's signed 'tree_head' is check_merkle_tree_heads' business
  // (receipts_checks.cpp, with the signature code): no case for it here.
}

void check_invalid(const Json& doc, std::vector<CaseResult>& out) {
  const Json& inclusions = member(doc, "invalid_inclusion");
  for (size_t k = 0; inclusions.is_array() && k < inclusions.size(); ++k) {
    const Json& c = inclusions[k];
    const std::string name = "invalid_inclusion[" + std::to_string(k) + "] " + s(c, "why");
    auto leaf = hash_field(s(c, "leaf"), name + ".leaf");
    auto path = hash_list(member(c, "path"), name + ".path");
    auto root = hash_field(s(c, "root"), name + ".root");
    std::string got;
    if (!leaf || !path || !root) {
      got = !leaf ? leaf.error().reason : (!path ? path.error().reason : root.error().reason);
    } else {
      got = outcome(merkle::verify_inclusion(merkle::leaf_hash(*leaf), u64(c, "index"),
                                             u64(c, "size"), *path, *root));
    }
    out.push_back(expect(kFile, name, "bad_inclusion_proof", got));
  }
  const Json& consistencies = member(doc, "invalid_consistency");
  for (size_t k = 0; consistencies.is_array() && k < consistencies.size(); ++k) {
    const Json& c = consistencies[k];
    const std::string name = "invalid_consistency[" + std::to_string(k) + "] " + s(c, "why");
    auto proof = hash_list(member(c, "proof"), name + ".proof");
    auto r1 = hash_field(s(c, "first_root"), name + ".first_root");
    auto r2 = hash_field(s(c, "second_root"), name + ".second_root");
    std::string got;
    if (!proof || !r1 || !r2) {
      got = !proof ? proof.error().reason : (!r1 ? r1.error().reason : r2.error().reason);
    } else {
      got =
          outcome(merkle::verify_consistency(u64(c, "first"), u64(c, "second"), *r1, *r2, *proof));
    }
    out.push_back(expect(kFile, name, "bad_consistency_proof", got));
  }
  if (!inclusions.is_array() || inclusions.empty() || !consistencies.is_array() ||
      consistencies.empty()) {
    out.push_back(expect(kFile, "invalid proofs", "present", "missing"));
  }
}

}  // namespace

std::vector<CaseResult> check_merkle(const Files& files) {
  std::vector<CaseResult> out;
  auto it = files.find(kFile);
  if (it == files.end()) return {expect(kFile, "file", "present", "missing")};
  const Json doc = Json::parse(it->second, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded()) return {expect(kFile, "file", "json", "unparseable")};

  auto empty = hash_field(s(doc, "empty_root"), "empty_root");
  out.push_back(expect(kFile, "empty_root", "accepted",
                       !empty                           ? empty.error().reason
                       : *empty == merkle::empty_root() ? "accepted"
                                                        : "different empty root"));
  const Json& trees = member(doc, "trees");
  if (!trees.is_array() || trees.empty())
    out.push_back(expect(kFile, "trees", "present", "missing"));
  for (size_t t = 0; trees.is_array() && t < trees.size(); ++t) check_tree(trees[t], t, out);
  check_invalid(doc, out);
  return out;
}

}  // namespace isoloir::conformance

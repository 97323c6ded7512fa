// PROTOCOL.md section 5: RFC 9162 Merkle trees, against the shared vectors, a
// literal transcription of the RFC's recursive definitions, and the record.
#include <gtest/gtest.h>

#include <algorithm>
#include <sstream>
#include <string>
#include <vector>

#include "../conformance/conformance.h"
#include "isoloir/bytes.h"
#include "isoloir/canonical_json.h"
#include "isoloir/hash.h"
#include "isoloir/merkle.h"
#include "vectors.h"

namespace isoloir {
namespace {

using merkle::Hash;
using test::load_vector;

Hash h32(const std::string& b64) {
  Bytes raw = test::unb64(b64);
  Hash out{};
  EXPECT_EQ(raw.size(), out.size());
  std::copy_n(raw.begin(), std::min(raw.size(), out.size()), out.begin());
  return out;
}

std::vector<Hash> h32s(const nlohmann::json& list) {
  std::vector<Hash> out;
  for (const auto& item : list) out.push_back(h32(item.get<std::string>()));
  return out;
}

// Distinct, arbitrary reference digests.
Digest32 digest_of(uint64_t i) {
  return sha256(as_bytes("ballot " + std::to_string(i)));
}

std::vector<Hash> leaf_hashes(uint64_t n) {
  std::vector<Hash> out;
  for (uint64_t i = 0; i < n; ++i) out.push_back(merkle::leaf_hash(digest_of(i)));
  return out;
}

// RFC 9162 2.1.1 to 2.1.4.1, transcribed literally (recursive, quadratic): an
// oracle written independently of the loops in src/merkle.cpp.
namespace rfc {

uint64_t k_of(uint64_t n) {
  uint64_t k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

Hash mth(const std::vector<Hash>& d) {
  if (d.empty()) return merkle::empty_root();
  if (d.size() == 1) return d[0];
  const uint64_t k = k_of(d.size());
  return merkle::node_hash(mth({d.begin(), d.begin() + static_cast<long>(k)}),
                           mth({d.begin() + static_cast<long>(k), d.end()}));
}

std::vector<Hash> path(uint64_t m, const std::vector<Hash>& d) {
  if (d.size() <= 1) return {};
  const auto k = static_cast<long>(k_of(d.size()));
  std::vector<Hash> left(d.begin(), d.begin() + k), right(d.begin() + k, d.end());
  std::vector<Hash> out;
  if (m < static_cast<uint64_t>(k)) {
    out = path(m, left);
    out.push_back(mth(right));
  } else {
    out = path(m - static_cast<uint64_t>(k), right);
    out.push_back(mth(left));
  }
  return out;
}

std::vector<Hash> subproof(uint64_t m, const std::vector<Hash>& d, bool b) {
  const uint64_t n = d.size();
  if (m == n) return b ? std::vector<Hash>{} : std::vector<Hash>{mth(d)};
  const auto k = static_cast<long>(k_of(n));
  std::vector<Hash> left(d.begin(), d.begin() + k), right(d.begin() + k, d.end());
  std::vector<Hash> out;
  if (m <= static_cast<uint64_t>(k)) {
    out = subproof(m, left, b);
    out.push_back(mth(right));
  } else {
    out = subproof(m - static_cast<uint64_t>(k), right, false);
    out.push_back(mth(left));
  }
  return out;
}

}  // namespace rfc

TEST(Merkle, LeafAndNodeHashAreDomainSeparated) {
  const Digest32 d = digest_of(1);
  Bytes leaf_input{0x00};
  leaf_input.insert(leaf_input.end(), d.begin(), d.end());
  EXPECT_EQ(merkle::leaf_hash(d), sha256(leaf_input));
  const Hash l = digest_of(2), r = digest_of(3);
  Bytes node_input{0x01};
  node_input.insert(node_input.end(), l.begin(), l.end());
  node_input.insert(node_input.end(), r.begin(), r.end());
  EXPECT_EQ(merkle::node_hash(l, r), sha256(node_input));
  EXPECT_EQ(hex_encode(merkle::empty_root()),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

TEST(Merkle, VectorsRootsAndLeafHashes) {
  auto v = load_vector("merkle.json");
  EXPECT_EQ(merkle::empty_root(), h32(v["empty_root"].get<std::string>()));
  EXPECT_EQ(merkle::root({}), merkle::empty_root());
  ASSERT_FALSE(v["trees"].empty());
  for (const auto& tree : v["trees"]) {
    std::vector<Hash> leaves;
    MerkleLog log;
    for (const auto& digest : tree["leaves"]) {
      const Hash d = h32(digest.get<std::string>());
      leaves.push_back(merkle::leaf_hash(d));
      EXPECT_EQ(log.append(d), leaves.size() - 1);
    }
    ASSERT_EQ(leaves.size(), tree["size"].get<size_t>());
    if (tree.contains("leaf_hashes")) {
      EXPECT_EQ(leaves, h32s(tree["leaf_hashes"]));
    }
    const Hash root = h32(tree["root"].get<std::string>());
    EXPECT_EQ(merkle::root(leaves), root);
    EXPECT_EQ(log.root(), root);
    ASSERT_FALSE(tree["roots"].empty());
    for (const auto& [size_text, want] : tree["roots"].items()) {
      const uint64_t size = std::stoull(size_text);
      const Hash expected = h32(want.get<std::string>());
      EXPECT_EQ(merkle::root(std::span(leaves).first(size)), expected) << size;
      auto from_log = log.prefix_root(size);
      ASSERT_TRUE(from_log.ok());
      EXPECT_EQ(*from_log, expected) << size;
    }
  }
}

// A vector tree's leaf hashes, as a list and as a MerkleLog.
std::pair<std::vector<Hash>, MerkleLog> vector_tree(const nlohmann::json& tree) {
  std::pair<std::vector<Hash>, MerkleLog> out;
  for (const auto& digest : tree["leaves"]) {
    out.first.push_back(merkle::leaf_hash(h32(digest.get<std::string>())));
    out.second.append_leaf_hash(out.first.back());
  }
  return out;
}

TEST(Merkle, VectorsInclusionProofs) {
  auto v = load_vector("merkle.json");
  size_t checked = 0;
  for (const auto& tree : v["trees"]) {
    const auto [leaves, log] = vector_tree(tree);
    for (const auto& c : tree["inclusion"]) {
      const auto index = c["index"].get<uint64_t>();
      const auto size = c["size"].get<uint64_t>();
      const std::vector<Hash> want = h32s(c["path"]);
      auto from_list = merkle::inclusion_proof(leaves, index, size);
      auto from_log = log.inclusion_proof(index, size);
      ASSERT_TRUE(from_list.ok() && from_log.ok()) << index << "/" << size;
      EXPECT_EQ(*from_list, want) << index << "/" << size;
      EXPECT_EQ(*from_log, want) << index << "/" << size;
      const Hash root = h32(tree["roots"][std::to_string(size)].get<std::string>());
      Status st = merkle::verify_inclusion(leaves[index], index, size, want, root);
      EXPECT_TRUE(st.ok()) << index << "/" << size << ": " << (st.ok() ? "" : st.error().message());
      ++checked;
    }
  }
  EXPECT_GT(checked, 40u);
}

TEST(Merkle, VectorsConsistencyProofs) {
  auto v = load_vector("merkle.json");
  size_t checked = 0;
  for (const auto& tree : v["trees"]) {
    const auto [leaves, log] = vector_tree(tree);
    for (const auto& c : tree["consistency"]) {
      const auto first = c["first"].get<uint64_t>();
      const auto second = c["second"].get<uint64_t>();
      const std::vector<Hash> want = h32s(c["proof"]);
      auto from_list = merkle::consistency_proof(leaves, first, second);
      auto from_log = log.consistency_proof(first, second);
      ASSERT_TRUE(from_list.ok() && from_log.ok()) << first << "/" << second;
      EXPECT_EQ(*from_list, want) << first << "/" << second;
      EXPECT_EQ(*from_log, want) << first << "/" << second;
      const Hash r1 = h32(tree["roots"][std::to_string(first)].get<std::string>());
      const Hash r2 = h32(tree["roots"][std::to_string(second)].get<std::string>());
      EXPECT_TRUE(merkle::verify_consistency(first, second, r1, r2, want).ok())
          << first << "/" << second;
      ++checked;
    }
  }
  EXPECT_GT(checked, 30u);
}

TEST(Merkle, VectorsInvalidProofsAreRefused) {
  auto v = load_vector("merkle.json");
  ASSERT_FALSE(v["invalid_inclusion"].empty());
  for (const auto& c : v["invalid_inclusion"]) {
    Status st = merkle::verify_inclusion(merkle::leaf_hash(h32(c["leaf"].get<std::string>())),
                                         c["index"].get<uint64_t>(), c["size"].get<uint64_t>(),
                                         h32s(c["path"]), h32(c["root"].get<std::string>()));
    ASSERT_FALSE(st.ok()) << c["why"];
    EXPECT_EQ(st.error().reason, "bad_inclusion_proof") << c["why"];
  }
  ASSERT_FALSE(v["invalid_consistency"].empty());
  for (const auto& c : v["invalid_consistency"]) {
    Status st =
        merkle::verify_consistency(c["first"].get<uint64_t>(), c["second"].get<uint64_t>(),
                                   h32(c["first_root"].get<std::string>()),
                                   h32(c["second_root"].get<std::string>()), h32s(c["proof"]));
    ASSERT_FALSE(st.ok()) << c["why"];
    EXPECT_EQ(st.error().reason, "bad_consistency_proof") << c["why"];
  }
}

TEST(Merkle, IncrementalRootEqualsBatchAndRfcRoot) {
  const std::vector<Hash> leaves = leaf_hashes(300);
  MerkleLog log;
  EXPECT_EQ(log.root(), merkle::empty_root());
  for (uint64_t n = 1; n <= leaves.size(); ++n) {
    log.append_leaf_hash(leaves[n - 1]);
    const Hash batch = merkle::root(std::span(leaves).first(n));
    ASSERT_EQ(log.root(), batch) << n;
    if (n <= 70) {
      ASSERT_EQ(batch, rfc::mth({leaves.begin(), leaves.begin() + static_cast<long>(n)}));
    }
  }
  // Every prefix is still available after the log has grown past it.
  for (uint64_t n = 0; n <= leaves.size(); ++n) {
    auto r = log.prefix_root(n);
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(*r, merkle::root(std::span(leaves).first(n))) << n;
  }
}

// A log cut back to a prefix is that prefix's log: its root, its proofs, and
// the same log again once the same leaves are appended (the urn cuts back a
// write group whose commit failed). Cut points on and around every cached
// level's boundary, and past the end.
TEST(Merkle, TruncatedLogIsThePrefixLog) {
  const std::vector<Hash> leaves = leaf_hashes(300);
  std::vector<Hash> other = leaf_hashes(300);
  std::reverse(other.begin(), other.end());
  for (uint64_t cut : {0, 1, 15, 16, 17, 31, 32, 33, 64, 100, 128, 255, 256, 257, 299, 300, 400}) {
    MerkleLog log;
    for (const Hash& h : leaves) log.append_leaf_hash(h);
    log.truncate(cut);
    const uint64_t kept = std::min<uint64_t>(cut, leaves.size());
    ASSERT_EQ(log.size(), kept) << cut;
    ASSERT_EQ(log.root(), merkle::root(std::span(leaves).first(kept))) << cut;
    // Other leaves appended after the cut: the log is theirs, not a mix.
    std::vector<Hash> mixed(leaves.begin(), leaves.begin() + static_cast<long>(kept));
    for (uint64_t i = kept; i < leaves.size(); ++i) {
      log.append_leaf_hash(other[i]);
      mixed.push_back(other[i]);
    }
    ASSERT_EQ(log.root(), merkle::root(mixed)) << cut;
    if (mixed.size() > 1) {
      auto proof = log.inclusion_proof(mixed.size() - 1, mixed.size());
      ASSERT_TRUE(proof.ok());
      EXPECT_TRUE(merkle::verify_inclusion(mixed.back(), mixed.size() - 1, mixed.size(), *proof,
                                           merkle::root(mixed))
                      .ok())
          << cut;
    }
  }
}

// Every single-element change, a wrong index, a wrong size, one hash more and
// one less, a wrong root: none may verify.
void expect_inclusion_tampering_fails(const std::vector<Hash>& leaves, uint64_t index,
                                      uint64_t size, const std::vector<Hash>& path,
                                      const Hash& root) {
  for (size_t e = 0; e < path.size(); ++e) {
    std::vector<Hash> bad = path;
    bad[e][7] ^= 0x20;
    EXPECT_FALSE(merkle::verify_inclusion(leaves[index], index, size, bad, root).ok());
  }
  std::vector<Hash> longer = path;
  longer.push_back(leaves[0]);
  EXPECT_FALSE(merkle::verify_inclusion(leaves[index], index, size, longer, root).ok());
  if (!path.empty()) {
    std::vector<Hash> shorter(path.begin(), path.end() - 1);
    EXPECT_FALSE(merkle::verify_inclusion(leaves[index], index, size, shorter, root).ok());
  }
  if (size > 1) {
    const uint64_t other = (index + 1) % size;
    EXPECT_FALSE(merkle::verify_inclusion(leaves[index], other, size, path, root).ok());
    EXPECT_FALSE(merkle::verify_inclusion(leaves[other], index, size, path, root).ok());
  }
  // A path for one size proves nothing about the next one. (With the old root,
  // the RFC's algorithm may accept: a size only means something with its own
  // root, which the signed tree head binds to it.)
  if (size < leaves.size()) {
    const Hash next_root = merkle::root(std::span(leaves).first(size + 1));
    EXPECT_FALSE(merkle::verify_inclusion(leaves[index], index, size + 1, path, next_root).ok());
  }
  EXPECT_FALSE(merkle::verify_inclusion(leaves[index], size, size, path, root).ok());
  Hash bad_root = root;
  bad_root[0] ^= 1;
  EXPECT_FALSE(merkle::verify_inclusion(leaves[index], index, size, path, bad_root).ok());
}

TEST(Merkle, EveryInclusionProofUpTo40Leaves) {
  const std::vector<Hash> leaves = leaf_hashes(40);
  MerkleLog log;
  for (const Hash& l : leaves) log.append_leaf_hash(l);
  size_t checked = 0;
  for (uint64_t size = 1; size <= 40; ++size) {
    const std::vector<Hash> prefix(leaves.begin(), leaves.begin() + static_cast<long>(size));
    const Hash root = merkle::root(prefix);
    for (uint64_t index = 0; index < size; ++index) {
      auto proof = log.inclusion_proof(index, size);
      ASSERT_TRUE(proof.ok());
      EXPECT_EQ(*proof, rfc::path(index, prefix)) << index << "/" << size;
      auto from_list = merkle::inclusion_proof(leaves, index, size);
      ASSERT_TRUE(from_list.ok());
      EXPECT_EQ(*from_list, *proof);
      Status st = merkle::verify_inclusion(leaves[index], index, size, *proof, root);
      ASSERT_TRUE(st.ok()) << index << "/" << size << ": " << st.error().message();
      expect_inclusion_tampering_fails(leaves, index, size, *proof, root);
      ++checked;
    }
  }
  EXPECT_EQ(checked, 40u * 41u / 2u);
}

TEST(Merkle, EveryConsistencyProofUpTo40Leaves) {
  const std::vector<Hash> leaves = leaf_hashes(40);
  MerkleLog log;
  for (const Hash& l : leaves) log.append_leaf_hash(l);
  size_t checked = 0;
  for (uint64_t second = 1; second <= 40; ++second) {
    const std::vector<Hash> d(leaves.begin(), leaves.begin() + static_cast<long>(second));
    const Hash r2 = merkle::root(d);
    for (uint64_t first = 1; first <= second; ++first) {
      const Hash r1 = merkle::root(std::span(leaves).first(first));
      auto proof = log.consistency_proof(first, second);
      ASSERT_TRUE(proof.ok());
      EXPECT_EQ(*proof, rfc::subproof(first, d, true)) << first << "/" << second;
      auto from_list = merkle::consistency_proof(leaves, first, second);
      ASSERT_TRUE(from_list.ok());
      EXPECT_EQ(*from_list, *proof);
      Status st = merkle::verify_consistency(first, second, r1, r2, *proof);
      ASSERT_TRUE(st.ok()) << first << "/" << second << ": " << st.error().message();
      ++checked;

      for (size_t e = 0; e < proof->size(); ++e) {
        std::vector<Hash> bad = *proof;
        bad[e][3] ^= 0x80;
        EXPECT_FALSE(merkle::verify_consistency(first, second, r1, r2, bad).ok());
      }
      std::vector<Hash> longer = *proof;
      longer.push_back(r1);
      EXPECT_FALSE(merkle::verify_consistency(first, second, r1, r2, longer).ok());
      if (!proof->empty()) {
        std::vector<Hash> shorter(proof->begin(), proof->end() - 1);
        EXPECT_FALSE(merkle::verify_consistency(first, second, r1, r2, shorter).ok());
      }
      Hash bad_r1 = r1, bad_r2 = r2;
      bad_r1[31] ^= 1;
      bad_r2[31] ^= 1;
      EXPECT_FALSE(merkle::verify_consistency(first, second, bad_r1, r2, *proof).ok());
      EXPECT_FALSE(merkle::verify_consistency(first, second, r1, bad_r2, *proof).ok());
      if (first < second) {
        EXPECT_FALSE(merkle::verify_consistency(second, first, r2, r1, *proof).ok());
        if (second < leaves.size()) {
          const Hash next_root = merkle::root(std::span(leaves).first(second + 1));
          EXPECT_FALSE(merkle::verify_consistency(first, second + 1, r1, next_root, *proof).ok());
        }
      }
    }
  }
  EXPECT_EQ(checked, 40u * 41u / 2u);
}

TEST(Merkle, RefusesImpossibleRequests) {
  const std::vector<Hash> leaves = leaf_hashes(5);
  MerkleLog log;
  for (const Hash& l : leaves) log.append_leaf_hash(l);
  EXPECT_EQ(merkle::inclusion_proof(leaves, 5, 5).error().reason, "bad_proof_request");
  EXPECT_EQ(merkle::inclusion_proof(leaves, 0, 6).error().reason, "bad_proof_request");
  EXPECT_EQ(merkle::inclusion_proof(leaves, 0, 0).error().reason, "bad_proof_request");
  EXPECT_EQ(merkle::consistency_proof(leaves, 0, 3).error().reason, "bad_proof_request");
  EXPECT_EQ(merkle::consistency_proof(leaves, 4, 3).error().reason, "bad_proof_request");
  EXPECT_EQ(merkle::consistency_proof(leaves, 1, 6).error().reason, "bad_proof_request");
  EXPECT_EQ(log.inclusion_proof(5, 5).error().reason, "bad_proof_request");
  EXPECT_EQ(log.consistency_proof(2, 6).error().reason, "bad_proof_request");
  EXPECT_EQ(log.prefix_root(6).error().reason, "bad_proof_request");

  const Hash root = merkle::root(leaves);
  EXPECT_EQ(merkle::verify_inclusion(leaves[0], 0, 0, {}, root).error().reason,
            "bad_inclusion_proof");
  EXPECT_EQ(merkle::verify_consistency(0, 5, merkle::empty_root(), root, {}).error().reason,
            "bad_consistency_proof");
  // Equal sizes: only the empty proof between equal roots.
  EXPECT_TRUE(merkle::verify_consistency(5, 5, root, root, {}).ok());
  EXPECT_FALSE(merkle::verify_consistency(5, 5, root, leaves[0], {}).ok());
  const std::vector<Hash> one{leaves[0]};
  EXPECT_FALSE(merkle::verify_consistency(5, 5, root, root, one).ok());
}

TEST(Merkle, LargerLogAgreesWithListProofs) {
  // Crosses several cached levels (16, 32, ... 4096) with ragged right edges.
  const std::vector<Hash> leaves = leaf_hashes(5000);
  MerkleLog log;
  log.reserve(leaves.size());
  for (const Hash& l : leaves) log.append_leaf_hash(l);
  EXPECT_EQ(log.root(), merkle::root(leaves));
  for (uint64_t size : {1u, 15u, 16u, 17u, 1000u, 4095u, 4096u, 4097u, 4999u, 5000u}) {
    const Hash root = merkle::root(std::span(leaves).first(size));
    for (uint64_t index : {uint64_t{0}, size / 3, size / 2, size - 1}) {
      auto p = log.inclusion_proof(index, size);
      ASSERT_TRUE(p.ok());
      EXPECT_EQ(*p, *merkle::inclusion_proof(leaves, index, size));
      EXPECT_TRUE(merkle::verify_inclusion(leaves[index], index, size, *p, root).ok());
    }
    for (uint64_t first : {uint64_t{1}, size / 2 + 1, size}) {
      auto p = log.consistency_proof(first, size);
      ASSERT_TRUE(p.ok());
      EXPECT_EQ(*p, *merkle::consistency_proof(leaves, first, size));
      const Hash r1 = merkle::root(std::span(leaves).first(first));
      EXPECT_TRUE(merkle::verify_consistency(first, size, r1, root, *p).ok());
    }
  }
}

TEST(Merkle, RecordTreeHeadRootIsTheLogOfItsBallots) {
  std::istringstream lines(test::read_file(test::vector_path("record/ballots.jsonl")));
  auto head = nlohmann::json::parse(test::read_file(test::vector_path("record/tree_head.json")));
  MerkleLog log;
  std::string line;
  while (std::getline(lines, line)) {
    if (line.empty()) continue;
    auto entry = nlohmann::json::parse(line);
    EXPECT_EQ(entry["log_index"].get<uint64_t>(), log.size());
    // The reference is the SHA-256 of the ballot's canonical bytes.
    const Hash reference = h32(entry["reference"].get<std::string>());
    EXPECT_EQ(reference, sha256(as_bytes(canonical_dump(entry["ballot"]))));
    log.append(reference);
  }
  EXPECT_EQ(log.size(), head["size"].get<uint64_t>());
  EXPECT_EQ(log.root(), h32(head["root"].get<std::string>()));
}

// The conformance checks shared with the wasm suite, run here until the
// registry's own driver runs them all.
TEST(Merkle, ConformanceChecksPass) {
  conformance::Files files{{"merkle.json", test::read_file(test::vector_path("merkle.json"))}};
  const auto results = conformance::check_merkle(files);
  EXPECT_GT(results.size(), 100u);
  for (const auto& r : results) {
    EXPECT_TRUE(r.pass) << r.file << " " << r.name << ": expected " << r.expected << ", got "
                        << r.got;
  }
}

}  // namespace
}  // namespace isoloir

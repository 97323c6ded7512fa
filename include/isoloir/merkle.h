// The urn as an RFC 9162 (section 2.1) Merkle tree, PROTOCOL.md section 5:
// leaves are the ballots' reference digests, so anyone holding a receipt can
// check that the board shows the same log to everyone.
//
// The free functions in isoloir::merkle work on a list of leaf hashes and on
// proofs received from elsewhere (the browser, an auditor); MerkleLog is the
// server's append-only log, which answers the same questions without
// rehashing the whole tree each time.
#ifndef ISOLOIR_MERKLE_H_
#define ISOLOIR_MERKLE_H_

#include <cstdint>
#include <span>
#include <vector>

#include "isoloir/bytes.h"
#include "isoloir/result.h"

namespace isoloir {

namespace merkle {

using Hash = Digest32;

// SHA-256(0x00 || reference digest): the 32-byte digest, never its base64url.
Hash leaf_hash(const Digest32& reference_digest);
// SHA-256(0x01 || left || right).
Hash node_hash(const Hash& left, const Hash& right);
// SHA-256 of nothing, the root of a log with no ballot.
Hash empty_root();

// MTH over the given leaf hashes, in O(n) hashes and O(log n) memory.
Hash root(std::span<const Hash> leaf_hashes);

// PATH(index, D[0:size]) of RFC 9162 2.1.3.1 over the first `size` leaves.
// Refuses index >= size or size > leaves ("bad_proof_request").
Result<std::vector<Hash>> inclusion_proof(std::span<const Hash> leaf_hashes, uint64_t index,
                                          uint64_t size);
// PROOF(first, D[0:second]) of RFC 9162 2.1.4.1; requires 0 < first <= second
// <= leaves ("bad_proof_request"). Empty when first == second.
Result<std::vector<Hash>> consistency_proof(std::span<const Hash> leaf_hashes, uint64_t first,
                                            uint64_t second);

// RFC 9162 2.1.3.2: that the leaf hash `leaf` (leaf_hash of the reference
// digest) is entry `index` of the tree of `size` leaves whose root is `root`.
// Anything else, a path of the wrong length included, is
// "bad_inclusion_proof". Take `size` and `root` from the same signed tree
// head: the RFC's algorithm can accept the path and root of a smaller tree
// under a larger size (e.g. index 0 of 3 leaves, claimed for size 4).
Status verify_inclusion(const Hash& leaf, uint64_t index, uint64_t size, std::span<const Hash> path,
                        const Hash& root);

// RFC 9162 2.1.4.2: that the tree of `second` leaves with root `second_root`
// extends the tree of `first` leaves with root `first_root`; requires
// 0 < first <= second. Sizes equal: the proof must be empty and the roots
// equal (the RFC's algorithm itself refuses every empty proof).
// Anything else is "bad_consistency_proof".
Status verify_consistency(uint64_t first, uint64_t second, const Hash& first_root,
                          const Hash& second_root, std::span<const Hash> proof);

}  // namespace merkle

// The append-only log of one election. Keeps every leaf hash and the hashes of
// the complete subtrees of 16 leaves and more (about 1/8 more memory than the
// leaves: 8 million ballots take some 290 MB), so that appending costs about
// two hashes, and a root of any prefix, an inclusion proof or a consistency
// proof O(log n) hashes.
class MerkleLog {
 public:
  MerkleLog() = default;

  // Appends the leaf for a ballot's reference digest; returns its log index.
  uint64_t append(const Digest32& reference_digest);
  // The same with the leaf hash already computed (e.g. reloading a log).
  uint64_t append_leaf_hash(const merkle::Hash& leaf);

  uint64_t size() const { return leaves_.size(); }
  const merkle::Hash& leaf(uint64_t index) const { return leaves_[index]; }

  // Drops every leaf from index `size` on (nothing when size >= size()), and
  // the cached subtrees they were part of: the log is then exactly the log
  // of its first `size` leaves, as if the others had never been appended
  // (the urn, when a write group's commit fails).
  void truncate(uint64_t size);

  // Reserves room for `n` leaves, sparing the copies of a growing vector.
  void reserve(uint64_t n) { leaves_.reserve(n); }

  // The root of the current tree.
  merkle::Hash root() const { return range_hash(0, size()); }
  // The root of the first `prefix_size` leaves ("bad_proof_request" beyond the log).
  Result<merkle::Hash> prefix_root(uint64_t prefix_size) const;

  // The same proofs as merkle::inclusion_proof and merkle::consistency_proof.
  Result<std::vector<merkle::Hash>> inclusion_proof(uint64_t index, uint64_t tree_size) const;
  Result<std::vector<merkle::Hash>> consistency_proof(uint64_t first, uint64_t second) const;

 private:
  // Levels below this one are recomputed from the leaves on demand (at most
  // 15 hashes): caching them would double the memory for no real gain.
  static constexpr unsigned kFirstCachedLevel = 4;

  // The root of leaves [begin, end), a subtree of the RFC 9162 shape.
  merkle::Hash range_hash(uint64_t begin, uint64_t end) const;
  // The complete subtree of 2^level leaves starting at leaf index << level.
  merkle::Hash complete(unsigned level, uint64_t index) const;

  std::vector<merkle::Hash> leaves_;
  // cached_[k][i]: complete subtree at level kFirstCachedLevel + k, index i.
  std::vector<std::vector<merkle::Hash>> cached_;
};

}  // namespace isoloir

#endif  // ISOLOIR_MERKLE_H_

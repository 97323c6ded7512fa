#include "isoloir/merkle.h"

#include <sodium.h>

#include <algorithm>
#include <bit>
#include <string>

namespace isoloir {
namespace merkle {
namespace {

// The k of RFC 9162: the largest power of two smaller than n (n >= 2).
uint64_t split(uint64_t n) {
  return std::bit_floor(n - 1);
}

bool is_power_of_two(uint64_t n) {
  return std::has_single_bit(n);
}

// PATH(m, D[begin:end]), RFC 9162 2.1.3.1, written as a loop: the recursion
// visits subtrees from the root down, and the path lists their siblings from
// the leaf up. `mth(b, e)` gives MTH(D[b:e]) for the subtrees it visits.
template <class Mth>
std::vector<Hash> path(uint64_t m, uint64_t begin, uint64_t end, const Mth& mth) {
  std::vector<Hash> top_down;
  while (end - begin > 1) {
    const uint64_t k = split(end - begin);
    if (m < k) {
      top_down.push_back(mth(begin + k, end));
      end = begin + k;
    } else {
      top_down.push_back(mth(begin, begin + k));
      m -= k;
      begin += k;
    }
  }
  return {top_down.rbegin(), top_down.rend()};
}

// SUBPROOF(m, D[begin:end], true), RFC 9162 2.1.4.1, as a loop likewise;
// 0 < m <= end - begin.
template <class Mth>
std::vector<Hash> subproof(uint64_t m, uint64_t begin, uint64_t end, const Mth& mth) {
  std::vector<Hash> top_down;
  bool b = true;  // whether D[begin:end] is still a prefix of the old tree's tree
  while (m != end - begin) {
    const uint64_t k = split(end - begin);
    if (m <= k) {
      top_down.push_back(mth(begin + k, end));
      end = begin + k;
    } else {
      top_down.push_back(mth(begin, begin + k));
      m -= k;
      begin += k;
      b = false;
    }
  }
  if (!b) top_down.push_back(mth(begin, end));
  return {top_down.rbegin(), top_down.rend()};
}

Hash hash_with_prefix(uint8_t prefix, ByteView a, ByteView b) {
  crypto_hash_sha256_state st;
  crypto_hash_sha256_init(&st);
  crypto_hash_sha256_update(&st, &prefix, 1);
  crypto_hash_sha256_update(&st, a.data(), a.size());
  crypto_hash_sha256_update(&st, b.data(), b.size());
  Hash out{};
  crypto_hash_sha256_final(&st, out.data());
  return out;
}

Status bad_inclusion(std::string detail) {
  return fail("bad_inclusion_proof", std::move(detail));
}
Status bad_consistency(std::string detail) {
  return fail("bad_consistency_proof", std::move(detail));
}

}  // namespace

Hash leaf_hash(const Digest32& reference_digest) {
  return hash_with_prefix(0x00, reference_digest, {});
}

Hash node_hash(const Hash& left, const Hash& right) {
  return hash_with_prefix(0x01, left, right);
}

Hash empty_root() {
  Hash out{};
  crypto_hash_sha256(out.data(), nullptr, 0);
  return out;
}

Hash root(std::span<const Hash> leaf_hashes) {
  if (leaf_hashes.empty()) return empty_root();
  // The stack holds the complete subtrees of the prefix read so far, largest
  // first: the binary decomposition of its size.
  std::vector<Hash> stack;
  uint64_t count = 0;
  for (const Hash& leaf : leaf_hashes) {
    stack.push_back(leaf);
    ++count;
    for (uint64_t c = count; (c & 1) == 0; c >>= 1) {
      const Hash right = stack.back();
      stack.pop_back();
      stack.back() = node_hash(stack.back(), right);
    }
  }
  // RFC 9162 splits off the largest complete subtree first, so the remaining
  // ones fold from the right.
  Hash r = stack.back();
  for (size_t i = stack.size() - 1; i-- > 0;) r = node_hash(stack[i], r);
  return r;
}

Result<std::vector<Hash>> inclusion_proof(std::span<const Hash> leaf_hashes, uint64_t index,
                                          uint64_t size) {
  if (size > leaf_hashes.size() || index >= size) {
    return fail("bad_proof_request", "inclusion of " + std::to_string(index) + " in " +
                                         std::to_string(size) + " of " +
                                         std::to_string(leaf_hashes.size()) + " leaves");
  }
  // The siblings are disjoint ranges: O(size) hashes in all.
  return path(index, 0, size,
              [&](uint64_t b, uint64_t e) { return root(leaf_hashes.subspan(b, e - b)); });
}

Result<std::vector<Hash>> consistency_proof(std::span<const Hash> leaf_hashes, uint64_t first,
                                            uint64_t second) {
  if (first == 0 || first > second || second > leaf_hashes.size()) {
    return fail("bad_proof_request", "consistency of " + std::to_string(first) + " and " +
                                         std::to_string(second) + " of " +
                                         std::to_string(leaf_hashes.size()) + " leaves");
  }
  return subproof(first, 0, second,
                  [&](uint64_t b, uint64_t e) { return root(leaf_hashes.subspan(b, e - b)); });
}

Status verify_inclusion(const Hash& leaf, uint64_t index, uint64_t size,
                        std::span<const Hash> path_hashes, const Hash& expected_root) {
  if (index >= size) {
    return bad_inclusion("index " + std::to_string(index) + " >= size " + std::to_string(size));
  }
  uint64_t fn = index;
  uint64_t sn = size - 1;
  Hash r = leaf;
  for (const Hash& p : path_hashes) {
    if (sn == 0) return bad_inclusion("path longer than the tree is deep");
    if ((fn & 1) == 1 || fn == sn) {
      r = node_hash(p, r);
      if ((fn & 1) == 0) {
        while ((fn & 1) == 0 && fn != 0) {
          fn >>= 1;
          sn >>= 1;
        }
      }
    } else {
      r = node_hash(r, p);
    }
    fn >>= 1;
    sn >>= 1;
  }
  if (sn != 0) return bad_inclusion("path shorter than the tree is deep");
  if (r != expected_root) return bad_inclusion("root mismatch");
  return Status::Ok();
}

Status verify_consistency(uint64_t first, uint64_t second, const Hash& first_root,
                          const Hash& second_root, std::span<const Hash> proof) {
  if (first == 0 || first > second) {
    return bad_consistency("sizes " + std::to_string(first) + ", " + std::to_string(second) +
                           ": need 0 < first <= second");
  }
  if (first == second) {
    if (!proof.empty()) return bad_consistency("equal sizes need an empty proof");
    if (first_root != second_root) return bad_consistency("equal sizes, different roots");
    return Status::Ok();
  }
  if (proof.empty()) return bad_consistency("empty proof");
  // Step 2 of 2.1.4.2 prepends first_root when first is a power of two; here
  // it is the starting value instead, and the proof is read from its start.
  size_t next = 0;
  Hash seed;
  if (is_power_of_two(first)) {
    seed = first_root;
  } else {
    seed = proof[next++];
  }
  uint64_t fn = first - 1;
  uint64_t sn = second - 1;
  while ((fn & 1) == 1) {
    fn >>= 1;
    sn >>= 1;
  }
  Hash fr = seed;
  Hash sr = seed;
  for (; next < proof.size(); ++next) {
    const Hash& c = proof[next];
    if (sn == 0) return bad_consistency("proof longer than needed");
    if ((fn & 1) == 1 || fn == sn) {
      fr = node_hash(c, fr);
      sr = node_hash(c, sr);
      if ((fn & 1) == 0) {
        while ((fn & 1) == 0 && fn != 0) {
          fn >>= 1;
          sn >>= 1;
        }
      }
    } else {
      sr = node_hash(sr, c);
    }
    fn >>= 1;
    sn >>= 1;
  }
  if (sn != 0) return bad_consistency("proof shorter than needed");
  if (fr != first_root) return bad_consistency("first root mismatch");
  if (sr != second_root) return bad_consistency("second root mismatch");
  return Status::Ok();
}

}  // namespace merkle

uint64_t MerkleLog::append(const Digest32& reference_digest) {
  return append_leaf_hash(merkle::leaf_hash(reference_digest));
}

uint64_t MerkleLog::append_leaf_hash(const merkle::Hash& leaf) {
  leaves_.push_back(leaf);
  const uint64_t n = leaves_.size();
  // Each complete subtree that this leaf closes, from level kFirstCachedLevel
  // up: amortised, about one node hash per append.
  for (unsigned level = kFirstCachedLevel; level < 64 && (n & ((uint64_t{1} << level) - 1)) == 0;
       ++level) {
    const uint64_t index = (n >> level) - 1;
    const merkle::Hash h =
        merkle::node_hash(complete(level - 1, 2 * index), complete(level - 1, 2 * index + 1));
    const size_t slot = level - kFirstCachedLevel;
    if (cached_.size() <= slot) cached_.emplace_back();
    cached_[slot].push_back(h);
  }
  return n - 1;
}

void MerkleLog::truncate(uint64_t size) {
  if (size >= leaves_.size()) return;
  leaves_.resize(size);
  // At each level, the complete subtrees that lie wholly within the kept
  // leaves: those are the ones the appends of these leaves made.
  for (size_t slot = 0; slot < cached_.size(); ++slot) {
    const unsigned level = kFirstCachedLevel + static_cast<unsigned>(slot);
    cached_[slot].resize(std::min<uint64_t>(cached_[slot].size(), size >> level));
  }
  while (!cached_.empty() && cached_.back().empty()) cached_.pop_back();
}

Result<merkle::Hash> MerkleLog::prefix_root(uint64_t prefix_size) const {
  if (prefix_size > size()) {
    return fail("bad_proof_request", "root of " + std::to_string(prefix_size) +
                                         " leaves in a log of " + std::to_string(size()));
  }
  return range_hash(0, prefix_size);
}

Result<std::vector<merkle::Hash>> MerkleLog::inclusion_proof(uint64_t index,
                                                             uint64_t tree_size) const {
  if (tree_size > size() || index >= tree_size) {
    return fail("bad_proof_request", "inclusion of " + std::to_string(index) + " in " +
                                         std::to_string(tree_size) + " of " +
                                         std::to_string(size()) + " leaves");
  }
  return merkle::path(index, 0, tree_size,
                      [this](uint64_t b, uint64_t e) { return range_hash(b, e); });
}

Result<std::vector<merkle::Hash>> MerkleLog::consistency_proof(uint64_t first,
                                                               uint64_t second) const {
  if (first == 0 || first > second || second > size()) {
    return fail("bad_proof_request", "consistency of " + std::to_string(first) + " and " +
                                         std::to_string(second) + " of " + std::to_string(size()) +
                                         " leaves");
  }
  return merkle::subproof(first, 0, second,
                          [this](uint64_t b, uint64_t e) { return range_hash(b, e); });
}

merkle::Hash MerkleLog::range_hash(uint64_t begin, uint64_t end) const {
  const uint64_t n = end - begin;
  if (n == 0) return merkle::empty_root();
  if (merkle::is_power_of_two(n)) {
    const auto level = static_cast<unsigned>(std::countr_zero(n));
    return complete(level, begin >> level);
  }
  // Every range the RFC's recursion visits starts on a multiple of its split,
  // so its left part is a complete subtree.
  const uint64_t k = merkle::split(n);
  const auto level = static_cast<unsigned>(std::countr_zero(k));
  return merkle::node_hash(complete(level, begin >> level), range_hash(begin + k, end));
}

merkle::Hash MerkleLog::complete(unsigned level, uint64_t index) const {
  if (level == 0) return leaves_[index];
  if (level >= kFirstCachedLevel) return cached_[level - kFirstCachedLevel][index];
  return merkle::node_hash(complete(level - 1, 2 * index), complete(level - 1, 2 * index + 1));
}

}  // namespace isoloir

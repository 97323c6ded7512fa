// The tally, PROTOCOL.md section 7: each trustee's partial decryption of an
// option's aggregate (A, B) with its Chaum-Pedersen proof, their combination
// by any t trustees, and the count recovered from g^m by baby-step giant-step.
#ifndef ISOLOIR_TALLY_H_
#define ISOLOIR_TALLY_H_

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "isoloir/bytes.h"
#include "isoloir/canonical_json.h"
#include "isoloir/point.h"
#include "isoloir/random.h"
#include "isoloir/result.h"
#include "isoloir/scalar.h"

namespace isoloir {

// The {c, s} of a Chaum-Pedersen proof that log_g(h_j) = log_A(D_j).
struct DecryptionProof {
  Scalar c;
  Scalar s;
};

struct PartialDecryption {
  uint32_t trustee = 0;  // j, 1..n
  Point d;               // D_j = A^x_j
  DecryptionProof proof;
};

// What a partial decryption is bound to, besides the keys and points: the
// election hash (hashed as its raw 32 bytes), the scrutin and the option.
struct DecryptionContext {
  Digest32 election_hash{};
  std::string scrutin;
  uint32_t option_index = 0;  // 0-based, in manifest order
};

// The Lagrange coefficients at 0 for the trustee indices given, in the same
// order: λ_j = Π_{m≠j} m / (m − j). Refuses an empty set, index 0 and
// repeated indices ("bad_index_set").
Result<std::vector<Scalar>> lagrange_at_zero(std::span<const uint32_t> indices);

// Trustee j's D_j = A^x_j with a = g^w, b = A^w, c = challenge(H(
// "isoloir/1/decryption", election_hash, scrutin id, "<option index>", "<j>",
// h_j, A, D_j, a, b)), s = w + c * x_j. Refuses an identity A
// ("identity_point"): a scrutin without ballots has nothing to decrypt.
Result<PartialDecryption> partial_decrypt(const DecryptionContext& ctx, uint32_t trustee,
                                          const Scalar& key_share, const Point& a_aggregate,
                                          ScalarSource& rng);
// Recomputes a = g^s * h_j^(-c), b = A^s * D_j^(-c) and the challenge, for the
// trustee whose verification key is h_j: "bad_decryption_proof" otherwise.
Status verify_partial(const DecryptionContext& ctx, const Point& verification_key,
                      const Point& a_aggregate, const PartialDecryption& partial);

// A^x = Π D_j^λ_j over the partials given, which must come from at least
// `threshold` distinct trustees ("not_enough_partials", "bad_index_set").
// Does not check the proofs: verify each partial first.
Result<Point> combine_partials(std::span<const PartialDecryption> partials, uint32_t threshold);

// The m in [0, bound] with g^m = `power` (the identity gives 0), by
// baby-step giant-step in O(sqrt(bound)) group operations, variable time
// (public data). "count_out_of_range" when there is none; bounds above 2^36
// are refused ("bad_bound").
Result<uint64_t> discrete_log(const Point& power, uint64_t bound);
// m from B and the combined A^x: g^m = B * (A^x)^(-1), m <= bound.
Result<uint64_t> decrypt_count(const Point& b_aggregate, const Point& a_to_x, uint64_t bound);

// A partial decryption as tally.json carries it: {trustee, d, proof: {c, s}},
// exactly these keys ("malformed" and the decoders' reasons).
Result<PartialDecryption> parse_partial(const Json& obj, std::string_view field);
Json partial_to_json(const PartialDecryption& partial);

}  // namespace isoloir

#endif  // ISOLOIR_TALLY_H_

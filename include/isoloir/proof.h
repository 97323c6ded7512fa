// Disjunctive Chaum-Pedersen proofs (PROTOCOL.md section 4): that an ElGamal
// ciphertext (alpha, beta) under h encrypts one of the values v_0 .. v_n.
#ifndef ISOLOIR_PROOF_H_
#define ISOLOIR_PROOF_H_

#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "isoloir/bytes.h"
#include "isoloir/point.h"
#include "isoloir/point_table.h"
#include "isoloir/random.h"
#include "isoloir/scalar.h"
#include "isoloir/signature.h"
#include "isoloir/vartime.h"

namespace isoloir {

struct ProofBranch {
  Scalar c;
  Scalar s;
};
using DisjunctiveProof = std::vector<ProofBranch>;

// What the challenge binds besides the ciphertext: the election, the
// scrutin, the voter's credential (so a proof cannot be replayed under
// another credential) and the label ("option:<i>" or "sum").
struct ProofContext {
  const Digest32& election_hash;
  std::string_view scrutin;
  const PublicKey& credential;
  std::string_view label;
};

// Proves that (alpha, beta) = (g^r, g^values[real] * h^r). `real` is secret:
// every branch runs the same constant-time operations whichever is real, and
// branch selection uses masks, not branches. Draws from `rng`, in order, the
// simulated branches' (c, s) in increasing branch order, then w.
//
// Each commitment is made with fixed bases only, from r: A_j = g^y and
// B_j = h^y g^(-c_j (m - v_j)) with y = x_j - c_j r and m = values[real]
// (the points of the textbook g^x alpha^-c, h^x (beta g^-v)^-c): the same
// constant-time fixed-base multiplications for every branch, h's from its
// table. With two consecutive values (every option's proof), g^(-c_j (m -
// v_j)) is one multiplication for the whole proof, chosen by mask per branch.
DisjunctiveProof prove_disjunctive(const ProofContext& ctx, const PointTable& h, const Point& alpha,
                                   const Point& beta, const Scalar& r,
                                   std::span<const int64_t> values, size_t real, ScalarSource& rng);

// Public verification (variable time is fine: everything here is public).
bool verify_disjunctive(const ProofContext& ctx, const PointTable& h, const Point& alpha,
                        const Point& beta, std::span<const int64_t> values,
                        const DisjunctiveProof& proof);
// The same over alpha's and beta's multiples made by the caller, who keeps
// them: a ballot's sum proof makes its own from the options'
// (VartimeMultiples::of_sum).
bool verify_disjunctive(const ProofContext& ctx, const PointTable& h, const Point& alpha,
                        const VartimeMultiples& am, const Point& beta, const VartimeMultiples& bm,
                        std::span<const int64_t> values, const DisjunctiveProof& proof);

}  // namespace isoloir

#endif  // ISOLOIR_PROOF_H_

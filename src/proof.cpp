#include "isoloir/proof.h"

#include "ct.h"
#include "isoloir/hash.h"
#include "isoloir/vartime.h"

namespace isoloir {
namespace {

constexpr std::string_view kTag = "isoloir/1/disjunctive";

using internal::ct_eq;
using internal::ct_gt;

// g^v for a public small value v (v >= 0); the identity for 0. The values are
// the scrutin's allowed ones, never the vote: 0 and 1 need no multiplication.
void start(Transcript& t, const ProofContext& ctx, const Point& alpha, const Point& beta) {
  t.add(ByteView(ctx.election_hash)).add(ctx.scrutin).add(ByteView(ctx.credential));
  t.add(ctx.label).add(alpha).add(beta);
}

}  // namespace

DisjunctiveProof prove_disjunctive(const ProofContext& ctx, const PointTable& h, const Point& alpha,
                                   const Point& beta, const Scalar& r,
                                   std::span<const int64_t> values, size_t real,
                                   ScalarSource& rng) {
  const size_t n = values.size();
  // The simulated pairs in the order they are drawn; branch j uses pair j
  // before the real branch and pair j - 1 after it.
  std::vector<ProofBranch> drawn(n > 0 ? n - 1 : 0);
  for (auto& p : drawn) {
    p.c = rng.next();
    p.s = rng.next();
  }
  const Scalar w = rng.next();
  const Scalar zero;
  auto pair_at = [&](size_t i, bool minus_one) -> const ProofBranch* {
    if (minus_one) return i >= 1 ? &drawn[i - 1] : nullptr;
    return i < drawn.size() ? &drawn[i] : nullptr;
  };
  // m = values[real], the encrypted value, read by mask from every entry.
  Scalar m;
  for (size_t j = 0; j < n; ++j) {
    m = Scalar::select(ct_eq(j, real), m, Scalar::from_u64(static_cast<uint64_t>(values[j])));
  }

  // Two consecutive values (every option's {0, 1}, a sum proof over two
  // counts): m - v_j is 0 for the real branch and +-1 for the other, whose c
  // is always the one drawn pair's. So g^(-c_j (m - v_j)) is the identity,
  // g^-d or g^d with d that pair's c: one multiplication for the proof
  // instead of one per branch, and each branch picks its point by mask.
  const bool two = n == 2 && values[1] == values[0] + 1;
  const Point g_d = two ? Point::base_mul(drawn[0].c) : Point();
  const Point g_minus_d = two ? Point::identity() - g_d : Point();

  DisjunctiveProof branches(n);
  Transcript t(kTag);
  start(t, ctx, alpha, beta);
  for (size_t j = 0; j < n; ++j) {
    const uint8_t is_real = ct_eq(j, real);
#ifdef ISOLOIR_CT_PLANTED_LEAK
    // tests/ct's check of itself (ct_prover_sees_a_planted_branch): a branch
    // on the vote, which valgrind must report. Never in a shipped build.
    if (is_real != 0) asm volatile("" ::: "memory");
#endif
    const uint8_t after = ct_gt(j, real);
    const ProofBranch* same = pair_at(j, false);
    const ProofBranch* prev = pair_at(j, true);
    const Scalar c_same = same ? same->c : zero, s_same = same ? same->s : zero;
    const Scalar c_prev = prev ? prev->c : zero, s_prev = prev ? prev->s : zero;
    // For a simulated branch (c_j, s_j) is its drawn pair. For the real one,
    // c' is whatever pair sits there and x = w + r c', so that the same
    // formulas yield g^w and h^w (m - v_j is then 0).
    const Scalar c = Scalar::select(after, c_same, c_prev);
    const Scalar s = Scalar::select(after, s_same, s_prev);
    const Scalar cr = c * r;
    const Scalar x = Scalar::select(is_real, s, w + cr);
    // A = g^x alpha^-c = g^(x - c r); B = h^x (beta g^-v)^-c = h^(x - c r) g^(-c (m - v)).
    const Scalar y = x - cr;
    const Point a = Point::base_mul(y);
    Point g_shift;  // the identity as it stands: a lone branch is the real one, shift 0
    if (two) {
      // Branch 0 simulated means m = v_1: shift -d; branch 1 simulated, m = v_0: +d.
      g_shift = Point::select(is_real, j == 0 ? g_minus_d : g_d, Point::identity());
    } else if (n > 1) {
      g_shift = Point::base_mul(-(c * (m - Scalar::from_u64(static_cast<uint64_t>(values[j])))));
    }
    const Point b = h.mul(y) + g_shift;
    t.add(a).add(b);
    branches[j].c = c;
    branches[j].s = s;
  }
  const Scalar challenge = t.challenge();

  // c_real = challenge - sum of the simulated c_j; s_real = w + c_real r.
  Scalar others;
  for (size_t j = 0; j < n; ++j) {
    others += Scalar::select(ct_eq(j, real), branches[j].c, zero);
  }
  const Scalar c_real = challenge - others;
  const Scalar s_real = w + c_real * r;
  for (size_t j = 0; j < n; ++j) {
    const uint8_t is_real = ct_eq(j, real);
    branches[j].c = Scalar::select(is_real, branches[j].c, c_real);
    branches[j].s = Scalar::select(is_real, branches[j].s, s_real);
  }
  return branches;
}

bool verify_disjunctive(const ProofContext& ctx, const PointTable& h, const Point& alpha,
                        const Point& beta, std::span<const int64_t> values,
                        const DisjunctiveProof& proof) {
  return verify_disjunctive(ctx, h, alpha, VartimeMultiples(alpha), beta, VartimeMultiples(beta),
                            values, proof);
}

bool verify_disjunctive(const ProofContext& ctx, const PointTable& h, const Point& alpha,
                        const VartimeMultiples& am, const Point& beta, const VartimeMultiples& bm,
                        std::span<const int64_t> values, const DisjunctiveProof& proof) {
  if (proof.size() != values.size() || proof.empty()) return false;
  Transcript t(kTag);
  start(t, ctx, alpha, beta);
  // Public values only: each commitment one variable-time sum, over
  // multiples of alpha and beta made once for all the branches.
  const VartimeMultiples& gm = Point::generator_table().vartime();
  const VartimeMultiples& hm = h.vartime();
  Scalar sum;
  for (size_t j = 0; j < proof.size(); ++j) {
    const ProofBranch& br = proof[j];
    // g^s alpha^-c, and h^s (beta g^-v)^-c = h^s beta^-c g^(c v): the
    // digits of s and of -c serve both.
    const VartimeMultiples::Digits s = gm.digits(br.s);
    const VartimeMultiples::Digits minus_c = am.digits(-br.c);
    const Point a = VartimeMultiples::sum({{gm, s}, {am, minus_c}});
    const Point b =
        values[j] == 0
            ? VartimeMultiples::sum({{hm, s}, {bm, minus_c}})
            : VartimeMultiples::sum(
                  {{hm, s},
                   {bm, minus_c},
                   {gm, gm.digits(br.c * Scalar::from_u64(static_cast<uint64_t>(values[j])))}});
    t.add(a).add(b);
    sum += br.c;
  }
  return sum == t.challenge();
}

}  // namespace isoloir

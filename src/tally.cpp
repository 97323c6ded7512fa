#include "isoloir/tally.h"

#include <cmath>
#include <cstring>
#include <set>
#include <unordered_map>

#include "isoloir/hash.h"

namespace isoloir {
namespace {

constexpr char kDecryptionTag[] = "isoloir/1/decryption";
constexpr uint64_t kMaxBound = uint64_t{1} << 36;
constexpr int64_t kMaxTrusteeIndex = 1000;

Scalar decryption_challenge(const DecryptionContext& ctx, uint32_t trustee, const Point& h_j,
                            const Point& a_aggregate, const Point& d, const Point& a,
                            const Point& b) {
  Transcript t(kDecryptionTag);
  t.add(ByteView(ctx.election_hash))
      .add(ctx.scrutin)
      .add_index(ctx.option_index)
      .add_index(trustee)
      .add(h_j)
      .add(a_aggregate)
      .add(d)
      .add(a)
      .add(b);
  return t.challenge();
}

// Encodings of ristretto255 points are uniform enough to hash by their first bytes.
struct EncodingHash {
  size_t operator()(const std::array<uint8_t, Point::kBytes>& e) const {
    size_t h = 0;
    std::memcpy(&h, e.data(), sizeof h);
    return h;
  }
};

// The smallest s with s * s >= n.
uint64_t ceil_sqrt(uint64_t n) {
  auto s = static_cast<uint64_t>(std::sqrt(static_cast<double>(n)));
  while (s * s < n) ++s;
  while (s > 0 && (s - 1) * (s - 1) >= n) --s;
  return s;
}

}  // namespace

Result<std::vector<Scalar>> lagrange_at_zero(std::span<const uint32_t> indices) {
  if (indices.empty()) return fail("bad_index_set", "no trustee");
  std::set<uint32_t> seen;
  for (uint32_t j : indices) {
    if (j == 0) return fail("bad_index_set", "trustee index 0");
    if (!seen.insert(j).second)
      return fail("bad_index_set", "trustee " + std::to_string(j) + " twice");
  }
  std::vector<Scalar> out;
  out.reserve(indices.size());
  for (uint32_t j : indices) {
    Scalar num = Scalar::from_u64(1);
    Scalar den = Scalar::from_u64(1);
    const Scalar sj = Scalar::from_u64(j);
    for (uint32_t m : indices) {
      if (m == j) continue;
      const Scalar sm = Scalar::from_u64(m);
      num = num * sm;
      den = den * (sm - sj);
    }
    out.push_back(num * den.invert());
  }
  return out;
}

Result<PartialDecryption> partial_decrypt(const DecryptionContext& ctx, uint32_t trustee,
                                          const Scalar& key_share, const Point& a_aggregate,
                                          ScalarSource& rng) {
  if (a_aggregate.is_identity()) return fail("identity_point", "aggregate A");
  const Point h_j = Point::base_mul(key_share);
  const Point d = a_aggregate.mul(key_share);
  const Scalar w = rng.next();
  const Scalar c = decryption_challenge(ctx, trustee, h_j, a_aggregate, d, Point::base_mul(w),
                                        a_aggregate.mul(w));
  return PartialDecryption{trustee, d, DecryptionProof{c, w + c * key_share}};
}

Status verify_partial(const DecryptionContext& ctx, const Point& verification_key,
                      const Point& a_aggregate, const PartialDecryption& partial) {
  const DecryptionProof& p = partial.proof;
  const Point a = Point::base_mul(p.s) - verification_key.mul(p.c);
  const Point b = a_aggregate.mul(p.s) - partial.d.mul(p.c);
  const Scalar c =
      decryption_challenge(ctx, partial.trustee, verification_key, a_aggregate, partial.d, a, b);
  if (c != p.c) {
    return fail("bad_decryption_proof", "trustee " + std::to_string(partial.trustee) + ", " +
                                            ctx.scrutin + " option " +
                                            std::to_string(ctx.option_index));
  }
  return Status::Ok();
}

Result<Point> combine_partials(std::span<const PartialDecryption> partials, uint32_t threshold) {
  if (partials.size() < threshold || partials.empty()) {
    return fail("not_enough_partials",
                std::to_string(partials.size()) + " of " + std::to_string(threshold) + " needed");
  }
  std::vector<uint32_t> indices;
  indices.reserve(partials.size());
  for (const PartialDecryption& p : partials) indices.push_back(p.trustee);
  auto lambda = lagrange_at_zero(indices);
  if (!lambda) return lambda.error();
  Point ax;
  for (size_t k = 0; k < partials.size(); ++k) ax += partials[k].d.mul((*lambda)[k]);
  return ax;
}

Result<uint64_t> discrete_log(const Point& power, uint64_t bound) {
  if (bound > kMaxBound) return fail("bad_bound", std::to_string(bound));
  if (power.is_identity()) return uint64_t{0};
  const uint64_t m = ceil_sqrt(bound + 1);
  // Baby steps: g^i for 0 <= i < m.
  std::unordered_map<std::array<uint8_t, Point::kBytes>, uint64_t, EncodingHash> baby;
  baby.reserve(m);
  Point gi;
  const Point g = Point::generator();
  for (uint64_t i = 0; i < m; ++i) {
    baby.emplace(gi.encode(), i);
    gi += g;
  }
  // Giant steps: power · g^(-k m) for k = 0 .. bound / m.
  const Point giant = Point::base_mul(Scalar::from_u64(m));
  Point gamma = power;
  for (uint64_t k = 0; k <= bound / m; ++k) {
    auto it = baby.find(gamma.encode());
    if (it != baby.end()) {
      const uint64_t v = k * m + it->second;
      if (v <= bound) return v;
      break;
    }
    gamma = gamma - giant;
  }
  return fail("count_out_of_range", "no m <= " + std::to_string(bound));
}

Result<uint64_t> decrypt_count(const Point& b_aggregate, const Point& a_to_x, uint64_t bound) {
  return discrete_log(b_aggregate - a_to_x, bound);
}

Result<PartialDecryption> parse_partial(const Json& obj, std::string_view field) {
  const std::string f(field);
  if (Status st = require_keys(obj, {"trustee", "d", "proof"}, f); !st) return st.error();
  auto trustee = get_int(obj, "trustee", f);
  if (!trustee) return trustee.error();
  if (*trustee < 1 || *trustee > kMaxTrusteeIndex) {
    return fail("malformed", f + ".trustee = " + std::to_string(*trustee));
  }
  auto d_text = get_string(obj, "d", f);
  if (!d_text) return d_text.error();
  auto d = Point::from_base64url(*d_text, f + ".d");
  if (!d) return d.error();
  const Json& proof = obj["proof"];
  const std::string pf = f + ".proof";
  if (Status st = require_keys(proof, {"c", "s"}, pf); !st) return st.error();
  auto c_text = get_string(proof, "c", pf);
  if (!c_text) return c_text.error();
  auto c = Scalar::from_base64url(*c_text, pf + ".c");
  if (!c) return c.error();
  auto s_text = get_string(proof, "s", pf);
  if (!s_text) return s_text.error();
  auto s = Scalar::from_base64url(*s_text, pf + ".s");
  if (!s) return s.error();
  return PartialDecryption{static_cast<uint32_t>(*trustee), *d, DecryptionProof{*c, *s}};
}

Json partial_to_json(const PartialDecryption& partial) {
  return Json{{"trustee", partial.trustee},
              {"d", partial.d.to_base64url()},
              {"proof",
               Json{{"c", partial.proof.c.to_base64url()}, {"s", partial.proof.s.to_base64url()}}}};
}

}  // namespace isoloir

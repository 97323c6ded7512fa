// Ballot creation and verification beyond the vectors: every choice of every
// scrutin round-trips, refusals for bad choices, tampering is caught.
#include <gtest/gtest.h>

#include "isoloir/ballot.h"
#include "isoloir/canonical_json.h"
#include "isoloir/credential.h"
#include "isoloir/manifest.h"
#include "isoloir/proof.h"
#include "isoloir/vote_code.h"
#include "vectors.h"

namespace isoloir {
namespace {

const Manifest& manifest() {
  static const Manifest m = [] {
    auto doc = test::load_vector("manifest.json");
    auto parsed = parse_manifest(doc["manifest_canonical"].get<std::string>());
    EXPECT_TRUE(parsed.ok());
    return *parsed;
  }();
  return m;
}

Manifest minmax_manifest() {
  auto doc = test::load_vector("ballots_minmax.json");
  auto parsed = parse_manifest(doc["manifest_canonical"].get<std::string>());
  EXPECT_TRUE(parsed.ok());
  return *parsed;
}

SigningKey key() {
  return *credential_key(manifest().id, generate_vote_code());
}

TEST(Ballot, EveryOptionOfEveryScrutinRoundTrips) {
  SystemScalarSource rng;
  const SigningKey k = key();
  for (const Scrutin& s : manifest().scrutins) {
    for (const ManifestOption& o : s.options) {
      auto b = create_ballot(manifest(), s.id, {o.id}, k, rng);
      ASSERT_TRUE(b.ok()) << s.id << "/" << o.id;
      auto v = verify_ballot(manifest(), b->bytes);
      ASSERT_TRUE(v.ok()) << s.id << "/" << o.id << ": " << v.error().message();
      EXPECT_EQ(v->reference, b->reference);
      EXPECT_EQ(v->reference.size(), 43u);
      EXPECT_EQ(v->scrutin, s.id);
      EXPECT_EQ(v->credential, k.public_key());
      EXPECT_EQ(v->answers.size(), s.options.size());
    }
  }
}

TEST(Ballot, MinMaxScrutinAcceptsZeroToTwoMarks) {
  const Manifest m = minmax_manifest();
  const Scrutin& s = m.scrutins.at(0);
  SystemScalarSource rng;
  auto k = *credential_key(m.id, generate_vote_code());
  const std::vector<std::vector<std::string>> choices = {
      {}, {s.options[0].id}, {s.options[1].id, s.options[3].id}};
  for (const auto& c : choices) {
    auto b = create_ballot(m, s.id, c, k, rng);
    ASSERT_TRUE(b.ok());
    EXPECT_TRUE(verify_ballot(m, b->bytes).ok()) << c.size() << " marks";
  }
  auto three = create_ballot(m, s.id, {s.options[0].id, s.options[1].id, s.options[2].id}, k, rng);
  ASSERT_FALSE(three.ok());
  EXPECT_EQ(three.error().reason, "wrong_choice_count");
}

TEST(Ballot, BadChoicesAreRefusedBeforeAnyWork) {
  SystemScalarSource rng;
  const SigningKey k = key();
  auto unknown_scrutin = create_ballot(manifest(), "nope", {"fsu"}, k, rng);
  ASSERT_FALSE(unknown_scrutin.ok());
  EXPECT_EQ(unknown_scrutin.error().reason, "unknown_scrutin");
  auto unknown_option = create_ballot(manifest(), "capn-2d", {"nope"}, k, rng);
  ASSERT_FALSE(unknown_option.ok());
  EXPECT_EQ(unknown_option.error().reason, "unknown_option");
  auto none = create_ballot(manifest(), "capn-2d", {}, k, rng);
  ASSERT_FALSE(none.ok());
  EXPECT_EQ(none.error().reason, "wrong_choice_count");
  auto two = create_ballot(manifest(), "capn-2d", {"fsu", "blank"}, k, rng);
  ASSERT_FALSE(two.ok());
  EXPECT_EQ(two.error().reason, "wrong_choice_count");
  const Manifest mm = minmax_manifest();
  const std::string q = mm.scrutins[0].options[0].id;
  auto repeated = create_ballot(mm, mm.scrutins[0].id, {q, q}, k, rng);
  ASSERT_FALSE(repeated.ok());
  EXPECT_EQ(repeated.error().reason, "duplicate_option");
}

TEST(Ballot, FreshRandomnessGivesDifferentBallotsForTheSameChoice) {
  SystemScalarSource rng;
  const SigningKey k = key();
  auto a = create_ballot(manifest(), "capn-2d", {"fsu"}, k, rng);
  auto b = create_ballot(manifest(), "capn-2d", {"fsu"}, k, rng);
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_NE(a->bytes, b->bytes);
}

TEST(Ballot, AnotherElectionsManifestRefusesIt) {
  SystemScalarSource rng;
  const SigningKey k = key();
  auto b = create_ballot(manifest(), "capn-2d", {"fsu"}, k, rng);
  ASSERT_TRUE(b.ok());
  auto v = verify_ballot(minmax_manifest(), b->bytes);
  ASSERT_FALSE(v.ok());
  EXPECT_EQ(v.error().reason, "wrong_election");
}

TEST(Ballot, SwappingTwoCiphertextsBreaksTheOptionProofs) {
  SystemScalarSource rng;
  const SigningKey k = key();
  auto b = create_ballot(manifest(), "capn-2d", {"fsu"}, k, rng);
  ASSERT_TRUE(b.ok());
  Json doc = *parse_json(b->bytes);
  std::swap(doc["answers"][0], doc["answers"][1]);
  // Re-sign, so that only the proofs can catch the swap.
  Json unsigned_doc = doc;
  unsigned_doc.erase("signature");
  doc["signature"] =
      base64url_encode(k.sign("isoloir/1/ballot", as_bytes(canonical_dump(unsigned_doc))));
  auto v = verify_ballot(manifest(), canonical_dump(doc));
  ASSERT_FALSE(v.ok());
  EXPECT_EQ(v.error().reason, "bad_option_proof");
}

TEST(Proof, EachBranchCanBeTheRealOne) {
  // A 4-branch proof, each branch real in turn, verifies; a wrong value does not.
  const Manifest& m = manifest();
  const SigningKey k = key();
  SystemScalarSource rng;
  const std::vector<int64_t> values = {0, 1, 2, 3};
  for (size_t real = 0; real < values.size(); ++real) {
    const Scalar r = random_scalar();
    const Point alpha = Point::base_mul(r);
    const Point beta = Point::base_mul(Scalar::from_u64(static_cast<uint64_t>(values[real]))) +
                       m.public_key.mul(r);
    const ProofContext ctx{m.hash, "capn-2d", k.public_key(), "sum"};
    const DisjunctiveProof proof =
        prove_disjunctive(ctx, m.public_key_table->get(), alpha, beta, r, values, real, rng);
    EXPECT_TRUE(verify_disjunctive(ctx, m.public_key_table->get(), alpha, beta, values, proof))
        << real;
    const std::vector<int64_t> shifted = {1, 2, 3, 4};
    EXPECT_FALSE(verify_disjunctive(ctx, m.public_key_table->get(), alpha, beta, shifted, proof))
        << real;
    const ProofContext other{m.hash, "capn-2d", k.public_key(), "option:0"};
    EXPECT_FALSE(verify_disjunctive(other, m.public_key_table->get(), alpha, beta, values, proof))
        << real;
  }
}

}  // namespace
}  // namespace isoloir

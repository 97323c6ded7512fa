// The trustees' key ceremony (docs/election-end.md section 1), in process:
// whole ceremonies give a trustees.json that verifies and key shares that
// combine to the election key; every kind of cheating trustee is caught and
// named; the round documents are read strictly.
#include "isoloir/ceremony.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "isoloir/canonical_json.h"
#include "isoloir/random.h"
#include "isoloir/tally.h"
#include "isoloir/trustees.h"

namespace isoloir {
namespace {

constexpr char kElection[] = "municipales-2027-test";

struct Ceremony {
  std::vector<CeremonyKey> keys;
  std::vector<TrusteeCommitment> commitments;
  std::vector<TrusteeShares> shares;
  std::vector<TrusteeVerificationKey> verification_keys;
  std::vector<ShareKey> share_keys;
};

Ceremony round_one(uint32_t n, uint32_t t) {
  SystemScalarSource rng;
  Ceremony run;
  for (uint32_t i = 1; i <= n; ++i) {
    auto start = ceremony_init(kElection, i, n, t, "Trustee " + std::to_string(i), rng);
    EXPECT_TRUE(start.ok()) << start.error().message();
    run.keys.push_back(std::move(start->key));
    run.commitments.push_back(std::move(start->commitment));
  }
  return run;
}

void round_two(Ceremony& run) {
  auto checked = check_commitments(run.commitments);
  ASSERT_TRUE(checked.ok()) << checked.error().message();
  for (const CeremonyKey& key : run.keys) {
    auto shares = ceremony_shares(key, *checked);
    ASSERT_TRUE(shares.ok()) << shares.error().message();
    run.shares.push_back(std::move(*shares));
  }
}

void round_three(Ceremony& run) {
  auto checked = check_commitments(run.commitments);
  ASSERT_TRUE(checked.ok()) << checked.error().message();
  for (const CeremonyKey& key : run.keys) {
    auto finish = ceremony_finish(key, *checked, run.shares);
    ASSERT_TRUE(finish.ok()) << finish.error().message();
    run.share_keys.push_back(finish->key);
    run.verification_keys.push_back(finish->verification_key);
  }
}

Ceremony full(uint32_t n, uint32_t t) {
  Ceremony run = round_one(n, t);
  round_two(run);
  round_three(run);
  return run;
}

template <class T>
std::string reason_of(const Result<T>& r) {
  return r.ok() ? "accepted" : r.error().reason;
}

template <class T>
std::string detail_of(const Result<T>& r) {
  return r.ok() ? "" : r.error().detail;
}

// Replaces trustee `from`'s share to `to` with `sealed`.
void replace_share(Ceremony& run, uint32_t from, uint32_t to, Bytes sealed) {
  for (SealedShare& s : run.shares[from - 1].shares) {
    if (s.to == to) s.sealed = std::move(sealed);
  }
}

TEST(KeyCeremony, ThreeOfFiveGivesATranscriptThatVerifies) {
  Ceremony run = full(5, 3);
  auto trustees = assemble_trustees(run.commitments, run.shares, run.verification_keys);
  ASSERT_TRUE(trustees.ok()) << trustees.error().message();
  EXPECT_EQ(trustees->election_id, kElection);
  EXPECT_EQ(trustees->threshold, 3u);
  ASSERT_EQ(trustees->trustees.size(), 5u);
  ASSERT_EQ(trustees->shares.size(), 20u);
  for (size_t k = 1; k < trustees->shares.size(); ++k) {
    const SealedShare& a = trustees->shares[k - 1];
    const SealedShare& b = trustees->shares[k];
    EXPECT_TRUE(a.from < b.from || (a.from == b.from && a.to < b.to)) << k;
  }
  // What anyone reads back from trustees.json.
  auto loaded = load_trustees(trustees_to_json(*trustees));
  ASSERT_TRUE(loaded.ok()) << loaded.error().message();
  EXPECT_EQ(loaded->trustees[1].name, "Trustee 2");

  // Any t key shares combine to the election key.
  for (const std::vector<uint32_t>& set :
       std::vector<std::vector<uint32_t>>{{1, 2, 3}, {2, 4, 5}, {1, 3, 5}}) {
    auto lambda = lagrange_at_zero(set);
    ASSERT_TRUE(lambda.ok());
    Scalar x;
    for (size_t k = 0; k < set.size(); ++k) {
      const ShareKey& key = run.share_keys[set[k] - 1];
      EXPECT_EQ(key.index, set[k]);
      EXPECT_EQ(key.verification_key, trustees->find(set[k])->verification_key);
      x += (*lambda)[k] * key.key_share;
    }
    EXPECT_EQ(Point::base_mul(x), trustees->public_key);
  }
}

TEST(KeyCeremony, OneOfTwoAndTwoOfTwo) {
  for (const uint32_t t : {1u, 2u}) {
    Ceremony run = full(2, t);
    auto trustees = assemble_trustees(run.commitments, run.shares, run.verification_keys);
    ASSERT_TRUE(trustees.ok()) << trustees.error().message();
    EXPECT_EQ(trustees->shares.size(), 2u);
  }
}

TEST(KeyCeremony, DocumentsRoundTripThroughCanonicalJson) {
  Ceremony run = full(3, 2);
  for (const TrusteeCommitment& c : run.commitments) {
    const std::string bytes = canonical_dump(commitment_to_json(c));
    auto doc = parse_canonical(bytes);
    ASSERT_TRUE(doc.ok());
    auto back = parse_commitment(*doc);
    ASSERT_TRUE(back.ok()) << back.error().message();
    EXPECT_EQ(canonical_dump(commitment_to_json(*back)), bytes);
  }
  for (const TrusteeShares& s : run.shares) {
    const std::string bytes = canonical_dump(shares_to_json(s));
    auto back = parse_shares(*parse_canonical(bytes));
    ASSERT_TRUE(back.ok()) << back.error().message();
    EXPECT_EQ(canonical_dump(shares_to_json(*back)), bytes);
  }
  for (const TrusteeVerificationKey& v : run.verification_keys) {
    const std::string bytes = canonical_dump(verification_key_to_json(v));
    auto back = parse_verification_key(*parse_canonical(bytes));
    ASSERT_TRUE(back.ok()) << back.error().message();
    EXPECT_EQ(canonical_dump(verification_key_to_json(*back)), bytes);
  }
}

TEST(KeyCeremony, CommitmentDocumentsAreReadStrictly) {
  Ceremony run = round_one(3, 2);
  const Json good = commitment_to_json(run.commitments[0]);
  auto reason = [&](const char* key, const Json& value) {
    Json d = good;
    d[key] = value;
    return reason_of(parse_commitment(d));
  };
  EXPECT_EQ(reason_of(parse_commitment(good)), "accepted");
  EXPECT_EQ(reason("version", "isoloir/0"), "wrong_version");
  EXPECT_EQ(reason("kind", "trustee-shares"), "wrong_kind");
  EXPECT_EQ(reason("extra", 1), "malformed");
  EXPECT_EQ(reason("trustees", 1), "malformed");
  EXPECT_EQ(reason("trustees", 65), "malformed");
  EXPECT_EQ(reason("threshold", 4), "malformed");
  EXPECT_EQ(reason("threshold", 0), "malformed");
  EXPECT_EQ(reason("index", 4), "malformed");
  EXPECT_EQ(reason("index", 0), "malformed");
  EXPECT_EQ(reason("name", ""), "malformed");
  EXPECT_EQ(reason("name", "a\nb"), "malformed");
  EXPECT_EQ(reason("election_id", ""), "malformed");
  EXPECT_EQ(reason("box_key", "AAAA"), "bad_length");
  EXPECT_EQ(reason("commitments", Json::array({good["commitments"][0]})), "malformed");
  EXPECT_EQ(reason("commitments", Json::array({good["commitments"][0], std::string(43, 'A')})),
            "identity_point");
  EXPECT_EQ(reason("pok", Json{{"c", good["pok"]["c"]}}), "malformed");
  EXPECT_EQ(reason("pok", Json{{"c", good["pok"]["c"]}, {"s", std::string(42, '_') + "w"}}),
            "non_canonical_scalar");
  Json missing = good;
  missing.erase("name");
  EXPECT_EQ(reason_of(parse_commitment(missing)), "malformed");
}

TEST(KeyCeremony, SharesAndVerificationKeyDocumentsAreReadStrictly) {
  Ceremony run = full(3, 2);
  const Json shares = shares_to_json(run.shares[1]);  // from 2: to 1, 3
  auto shares_reason = [&](const Json& d) { return reason_of(parse_shares(d)); };
  EXPECT_EQ(shares_reason(shares), "accepted");
  {
    Json d = shares;
    d["shares"][0]["to"] = 2;  // to oneself
    EXPECT_EQ(shares_reason(d), "malformed");
  }
  {
    Json d = shares;
    std::swap(d["shares"][0], d["shares"][1]);  // not increasing
    EXPECT_EQ(shares_reason(d), "malformed");
  }
  {
    Json d = shares;
    d["shares"][0]["sealed"] = "AAAA";
    EXPECT_EQ(shares_reason(d), "bad_length");
  }
  {
    Json d = shares;
    d["shares"] = Json::array();
    EXPECT_EQ(shares_reason(d), "malformed");
  }
  {
    Json d = shares;
    d["shares"][0]["extra"] = true;
    EXPECT_EQ(shares_reason(d), "malformed");
  }
  const Json vk = verification_key_to_json(run.verification_keys[0]);
  EXPECT_EQ(reason_of(parse_verification_key(vk)), "accepted");
  {
    Json d = vk;
    d["verification_key"] = std::string(43, 'A');
    EXPECT_EQ(reason_of(parse_verification_key(d)), "identity_point");
  }
  {
    Json d = vk;
    d["kind"] = "trustee-commitment";
    EXPECT_EQ(reason_of(parse_verification_key(d)), "wrong_kind");
  }
}

TEST(KeyCeremony, BadProofOfKnowledgeIsNamed) {
  Ceremony run = round_one(5, 3);
  run.commitments[2].pok.s = run.commitments[2].pok.s + Scalar::from_u64(1);
  auto checked = check_commitments(run.commitments);
  EXPECT_EQ(reason_of(checked), "bad_pok");
  EXPECT_EQ(detail_of(checked).rfind("trustee 3 ", 0), 0u) << detail_of(checked);
  // A commitment replaced by another trustee's key (a rogue key) fails the same way.
  Ceremony other = round_one(5, 3);
  run = round_one(5, 3);
  run.commitments[1].commitments = other.commitments[1].commitments;
  EXPECT_EQ(reason_of(check_commitments(run.commitments)), "bad_pok");
}

TEST(KeyCeremony, InconsistentCommitmentSetsAreRefused) {
  {
    Ceremony run = round_one(3, 2);
    run.commitments.pop_back();
    auto r = check_commitments(run.commitments);
    EXPECT_EQ(reason_of(r), "missing_trustee");
    EXPECT_EQ(detail_of(r), "trustee 3: no commitment");
  }
  {
    Ceremony run = round_one(3, 2);
    run.commitments[2] = run.commitments[1];
    EXPECT_EQ(reason_of(check_commitments(run.commitments)), "duplicate_trustee");
  }
  {
    Ceremony run = round_one(3, 2);
    Ceremony other = round_one(3, 3);
    run.commitments[2] = other.commitments[2];
    EXPECT_EQ(reason_of(check_commitments(run.commitments)), "malformed");
  }
  {
    Ceremony run = round_one(3, 2);
    run.commitments[1].election_id = "another";
    EXPECT_EQ(reason_of(check_commitments(run.commitments)), "malformed");
  }
  EXPECT_EQ(reason_of(check_commitments({})), "missing_trustee");
}

TEST(KeyCeremony, ACommitmentThatIsNotMineIsRefused) {
  Ceremony run = round_one(3, 2);
  Ceremony other = round_one(3, 2);
  std::vector<TrusteeCommitment> swapped = run.commitments;
  swapped[0] = other.commitments[0];  // a valid commitment, but not from my key file
  auto checked = check_commitments(swapped);
  ASSERT_TRUE(checked.ok());
  EXPECT_EQ(reason_of(ceremony_shares(run.keys[0], *checked)), "not_mine");
  EXPECT_EQ(reason_of(ceremony_shares(run.keys[1], *checked)), "accepted");
}

TEST(KeyCeremony, ABadShareNamesItsSender) {
  Ceremony run = round_one(5, 3);
  round_two(run);
  // Trustee 2 seals a wrong value to trustee 4.
  auto wrong = seal_share(random_scalar(), run.commitments[3].box_key);
  ASSERT_TRUE(wrong.ok());
  replace_share(run, 2, 4, *wrong);
  auto checked = check_commitments(run.commitments);
  ASSERT_TRUE(checked.ok());
  auto finish = ceremony_finish(run.keys[3], *checked, run.shares);
  EXPECT_EQ(reason_of(finish), "bad_share");
  EXPECT_EQ(detail_of(finish).rfind("trustee 2 ", 0), 0u) << detail_of(finish);
  // The others' shares are fine.
  EXPECT_EQ(reason_of(ceremony_finish(run.keys[0], *checked, run.shares)), "accepted");

  // A share that does not even open.
  Bytes garbage(80);
  random_bytes(garbage);
  replace_share(run, 5, 1, garbage);
  auto unopened = ceremony_finish(run.keys[0], *checked, run.shares);
  EXPECT_EQ(reason_of(unopened), "bad_sealed_share");
  EXPECT_EQ(detail_of(unopened).rfind("trustee 5 ", 0), 0u) << detail_of(unopened);
}

TEST(KeyCeremony, MissingOrDuplicateSharesDocumentsAreRefused) {
  Ceremony run = round_one(3, 2);
  round_two(run);
  auto checked = check_commitments(run.commitments);
  ASSERT_TRUE(checked.ok());
  std::vector<TrusteeShares> without_two = {run.shares[0], run.shares[2]};
  auto r = ceremony_finish(run.keys[0], *checked, without_two);
  EXPECT_EQ(reason_of(r), "missing_trustee");
  EXPECT_EQ(detail_of(r), "trustee 2: no shares document");
  // Mine may be left out.
  std::vector<TrusteeShares> without_mine = {run.shares[1], run.shares[2]};
  EXPECT_EQ(reason_of(ceremony_finish(run.keys[0], *checked, without_mine)), "accepted");
  std::vector<TrusteeShares> twice = {run.shares[0], run.shares[1], run.shares[1], run.shares[2]};
  EXPECT_EQ(reason_of(ceremony_finish(run.keys[0], *checked, twice)), "duplicate_trustee");
  std::vector<TrusteeShares> short_list = run.shares;
  short_list[2].shares.pop_back();
  EXPECT_EQ(reason_of(ceremony_finish(run.keys[0], *checked, short_list)), "malformed");
}

TEST(KeyCeremony, AWrongVerificationKeyIsNamed) {
  Ceremony run = full(5, 3);
  run.verification_keys[2].verification_key = run.verification_keys[3].verification_key;
  auto r = assemble_trustees(run.commitments, run.shares, run.verification_keys);
  EXPECT_EQ(reason_of(r), "bad_verification_key");
  EXPECT_EQ(detail_of(r).rfind("trustee 3 ", 0), 0u) << detail_of(r);
}

TEST(KeyCeremony, AssemblyNeedsEveryDocumentOnce) {
  Ceremony run = full(3, 2);
  {
    std::vector<TrusteeVerificationKey> keys = {run.verification_keys[0], run.verification_keys[2]};
    auto r = assemble_trustees(run.commitments, run.shares, keys);
    EXPECT_EQ(reason_of(r), "missing_trustee");
    EXPECT_EQ(detail_of(r), "trustee 2: no verification key");
  }
  {
    std::vector<TrusteeShares> shares = {run.shares[0], run.shares[1]};
    auto r = assemble_trustees(run.commitments, shares, run.verification_keys);
    EXPECT_EQ(reason_of(r), "missing_trustee");
  }
  {
    std::vector<TrusteeVerificationKey> keys = run.verification_keys;
    keys.push_back(run.verification_keys[0]);
    EXPECT_EQ(reason_of(assemble_trustees(run.commitments, run.shares, keys)), "duplicate_trustee");
  }
  {
    std::vector<TrusteeCommitment> bad = run.commitments;
    bad[0].pok.c = bad[0].pok.c + Scalar::from_u64(1);
    auto r = assemble_trustees(bad, run.shares, run.verification_keys);
    EXPECT_EQ(reason_of(r), "bad_pok");
    EXPECT_EQ(detail_of(r).rfind("trustee 1 ", 0), 0u);
  }
}

TEST(KeyCeremony, InitRefusesImpossibleParameters) {
  SystemScalarSource rng;
  EXPECT_EQ(reason_of(ceremony_init(kElection, 1, 1, 1, "A", rng)), "malformed");
  EXPECT_EQ(reason_of(ceremony_init(kElection, 1, 65, 1, "A", rng)), "malformed");
  EXPECT_EQ(reason_of(ceremony_init(kElection, 1, 3, 4, "A", rng)), "malformed");
  EXPECT_EQ(reason_of(ceremony_init(kElection, 1, 3, 0, "A", rng)), "malformed");
  EXPECT_EQ(reason_of(ceremony_init(kElection, 4, 3, 2, "A", rng)), "malformed");
  EXPECT_EQ(reason_of(ceremony_init(kElection, 0, 3, 2, "A", rng)), "malformed");
  EXPECT_EQ(reason_of(ceremony_init(kElection, 1, 3, 2, "", rng)), "malformed");
  EXPECT_EQ(reason_of(ceremony_init("", 1, 3, 2, "A", rng)), "malformed");
}

}  // namespace
}  // namespace isoloir

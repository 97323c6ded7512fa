// The key ceremony's store (server/src/urn/ceremony_store.h) on its own: the
// ceremony opened once, tokens kept hashed and spent after the last round,
// each document checked by the core's parsers and kept once, in round order,
// and the assembly naming a trustee at fault.
#include "urn/ceremony_store.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "isoloir/canonical_json.h"
#include "isoloir/ceremony.h"
#include "isoloir/random.h"

namespace isoloir::server {
namespace {

struct TempDir {
  std::string path;
  TempDir() {
    std::string templ =
        std::filesystem::temp_directory_path().string() + "/isoloir-ceremony-XXXXXX";
    if (mkdtemp(templ.data()) == nullptr) std::abort();
    path = templ;
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path, ec);
  }
};

const std::vector<std::string> kNames = {"A", "B", "C"};

std::vector<CeremonyStart> starts(const std::string& election, uint32_t n = 3, uint32_t t = 2) {
  SystemScalarSource rng;
  std::vector<CeremonyStart> out;
  for (uint32_t i = 1; i <= n; ++i) {
    auto s = ceremony_init(election, i, n, t, kNames[i - 1], rng);
    EXPECT_TRUE(s.ok());
    out.push_back(std::move(*s));
  }
  return out;
}

TEST(CeremonyStore, OpensOnceWithDistinctNamesAndSaneCounts) {
  TempDir d;
  auto store = CeremonyStore::open(d.path + "/ceremony.sqlite");
  ASSERT_TRUE(store.ok());
  EXPECT_EQ((*store)->state().error().reason, "no_ceremony");
  EXPECT_EQ((*store)->open_ceremony("e", 2, {"A"}).error().reason, "usage");
  EXPECT_EQ((*store)->open_ceremony("e", 3, {"A", "B"}).error().reason, "usage");
  EXPECT_EQ((*store)->open_ceremony("e", 0, {"A", "B"}).error().reason, "usage");
  EXPECT_EQ((*store)->open_ceremony("e", 1, {"A", "A"}).error().reason, "usage");
  EXPECT_EQ((*store)->open_ceremony("", 1, {"A", "B"}).error().reason, "usage");
  std::vector<std::string> sixteen(16, "x");
  for (size_t i = 0; i < sixteen.size(); ++i) sixteen[i] += std::to_string(i);
  EXPECT_EQ((*store)->open_ceremony("e", 2, sixteen).error().reason, "usage");
  auto tokens = (*store)->open_ceremony("e", 2, kNames);
  ASSERT_TRUE(tokens.ok());
  ASSERT_EQ(tokens->size(), 3U);
  EXPECT_NE((*tokens)[0], (*tokens)[1]);
  EXPECT_EQ((*store)->open_ceremony("e", 2, kNames).error().reason, "ceremony_exists");
  for (uint32_t i = 0; i < 3; ++i) EXPECT_EQ(*(*store)->trustee_of((*tokens)[i]), i + 1);
  EXPECT_EQ((*store)->trustee_of("nope").error().reason, "bad_token");

  // Reopened: the same ceremony; the tokens are not stored in the clear.
  store->reset();
  auto again = CeremonyStore::open(d.path + "/ceremony.sqlite");
  ASSERT_TRUE(again.ok());
  auto state = (*again)->state();
  ASSERT_TRUE(state.ok());
  EXPECT_EQ(state->election_id, "e");
  EXPECT_EQ(state->trustees, 3U);
  EXPECT_EQ(state->threshold, 2U);
  EXPECT_EQ(state->members[1].name, "B");
  EXPECT_EQ(*(*again)->trustee_of((*tokens)[2]), 3U);
  std::string file;
  {
    std::FILE* f = std::fopen((d.path + "/ceremony.sqlite").c_str(), "rb");
    ASSERT_NE(f, nullptr);
    char buf[4096];
    for (size_t n; (n = std::fread(buf, 1, sizeof buf, f)) > 0;) file.append(buf, n);
    std::fclose(f);
  }
  for (const std::string& t : *tokens) EXPECT_EQ(file.find(t), std::string::npos);
}

TEST(CeremonyStore, ChecksEveryDocumentKeepsItOnceAndAssembles) {
  TempDir d;
  auto store = CeremonyStore::open(d.path + "/ceremony.sqlite");
  ASSERT_TRUE(store.ok());
  auto tokens = (*store)->open_ceremony("e", 2, kNames);
  ASSERT_TRUE(tokens.ok());
  CeremonyStore& s = **store;
  auto all = starts("e");
  auto other = starts("other");
  auto post = [&s](uint32_t i, CeremonyRound r, const Json& doc) {
    return s.post(i, r, canonical_dump(doc));
  };
  EXPECT_EQ(
      post(1, CeremonyRound::kCommitment, commitment_to_json(other[0].commitment)).error().reason,
      "wrong_document");
  EXPECT_EQ(
      post(1, CeremonyRound::kCommitment, commitment_to_json(all[1].commitment)).error().reason,
      "wrong_document");
  EXPECT_FALSE(s.post(1, CeremonyRound::kCommitment, "{not json").ok());
  auto shifted = starts("e", 3, 3);
  EXPECT_EQ(
      post(1, CeremonyRound::kCommitment, commitment_to_json(shifted[0].commitment)).error().reason,
      "wrong_document");
  std::vector<TrusteeCommitment> commitments;
  for (uint32_t i = 1; i <= 3; ++i) {
    ASSERT_TRUE(post(i, CeremonyRound::kCommitment, commitment_to_json(all[i - 1].commitment)));
    commitments.push_back(all[i - 1].commitment);
  }
  EXPECT_EQ(
      post(1, CeremonyRound::kCommitment, commitment_to_json(all[0].commitment)).error().reason,
      "already_posted");
  auto checked = check_commitments(commitments);
  ASSERT_TRUE(checked.ok());
  std::vector<TrusteeShares> shares;
  for (uint32_t i = 1; i <= 3; ++i) {
    auto sh = ceremony_shares(all[i - 1].key, *checked);
    ASSERT_TRUE(sh.ok());
    shares.push_back(*sh);
  }
  // Trustee 1 posting trustee 2's shares; a verification key before shares.
  EXPECT_EQ(post(1, CeremonyRound::kShares, shares_to_json(shares[1])).error().reason,
            "wrong_document");
  auto f1 = ceremony_finish(all[0].key, *checked, shares);
  ASSERT_TRUE(f1.ok());
  EXPECT_EQ(post(1, CeremonyRound::kVerificationKey, verification_key_to_json(f1->verification_key))
                .error()
                .reason,
            "not_yet");
  for (uint32_t i = 1; i <= 3; ++i) {
    ASSERT_TRUE(post(i, CeremonyRound::kShares, shares_to_json(shares[i - 1])));
  }
  EXPECT_EQ(s.assemble().error().reason, "not_yet");
  for (uint32_t i = 1; i <= 3; ++i) {
    auto f = ceremony_finish(all[i - 1].key, *checked, shares);
    ASSERT_TRUE(f.ok());
    ASSERT_TRUE(
        post(i, CeremonyRound::kVerificationKey, verification_key_to_json(f->verification_key)));
    EXPECT_EQ(s.trustee_of((*tokens)[i - 1]).error().reason, "link_spent");
  }
  auto trustees = s.assemble();
  ASSERT_TRUE(trustees.ok()) << trustees.error().message();
  EXPECT_TRUE(verify_trustees(*trustees));
  EXPECT_EQ(trustees->threshold, 2U);
}

TEST(CeremonyStore, AssembleNamesAWrongVerificationKey) {
  TempDir d;
  auto store = CeremonyStore::open(d.path + "/ceremony.sqlite");
  ASSERT_TRUE(store.ok());
  ASSERT_TRUE((*store)->open_ceremony("e", 2, kNames).ok());
  CeremonyStore& s = **store;
  auto all = starts("e");
  std::vector<TrusteeCommitment> commitments;
  for (const auto& a : all) commitments.push_back(a.commitment);
  auto checked = check_commitments(commitments);
  ASSERT_TRUE(checked.ok());
  std::vector<TrusteeShares> shares;
  for (uint32_t i = 1; i <= 3; ++i) {
    ASSERT_TRUE(s.post(i, CeremonyRound::kCommitment,
                       canonical_dump(commitment_to_json(all[i - 1].commitment))));
    shares.push_back(*ceremony_shares(all[i - 1].key, *checked));
  }
  for (uint32_t i = 1; i <= 3; ++i) {
    ASSERT_TRUE(s.post(i, CeremonyRound::kShares, canonical_dump(shares_to_json(shares[i - 1]))));
  }
  for (uint32_t i = 1; i <= 3; ++i) {
    auto f = ceremony_finish(all[i - 1].key, *checked, shares);
    ASSERT_TRUE(f.ok());
    // Trustee 3 declares trustee 1's key as its own.
    if (i == 3) {
      f->verification_key.verification_key =
          ceremony_finish(all[0].key, *checked, shares)->verification_key.verification_key;
    }
    ASSERT_TRUE(s.post(i, CeremonyRound::kVerificationKey,
                       canonical_dump(verification_key_to_json(f->verification_key))));
  }
  auto trustees = s.assemble();
  ASSERT_FALSE(trustees.ok());
  EXPECT_EQ(trustees.error().reason, "bad_verification_key");
  EXPECT_NE(trustees.error().detail.find("trustee 3"), std::string::npos)
      << trustees.error().detail;
}

}  // namespace
}  // namespace isoloir::server

// Unit tests for the small pieces the vectors exercise only in part:
// canonical JSON accessors, times, vote codes, credentials, the registry.
#include <gtest/gtest.h>

#include <set>

#include "isoloir/ballot.h"
#include "isoloir/canonical_json.h"
#include "isoloir/credential.h"
#include "isoloir/manifest.h"
#include "isoloir/registry.h"
#include "isoloir/timestamp.h"
#include "isoloir/vote_code.h"
#include "vectors.h"

namespace isoloir {
namespace {

TEST(CanonicalJson, RefusesWhatHasNoCanonicalForm) {
  for (const char* text :
       {"", "{", "[1,]", "{\"a\":1,\"a\":1}", "9007199254740992", "-9007199254740992",
        "18446744073709551616", "1.5", "\"\xff\"", "{\"\xc3\xa9\":1}", "[1] [2]", "/* c */ 1"}) {
    auto r = parse_json(text);
    ASSERT_FALSE(r.ok()) << text;
    EXPECT_EQ(r.error().reason, "non_canonical_json") << text;
  }
}

TEST(CanonicalJson, DuplicateKeysAreFoundAtEveryDepth) {
  EXPECT_TRUE(parse_json("{\"a\":{\"b\":1},\"c\":{\"b\":1}}").ok());
  EXPECT_FALSE(parse_json("{\"a\":[{\"b\":1,\"b\":2}]}").ok());
}

TEST(CanonicalJson, RoundTripsNestedDocuments) {
  const std::string text = R"({"a":[{"x":-1,"y":[true,false,null]},"\u0007\n"],"b":{}})";
  auto r = parse_json(text);
  ASSERT_TRUE(r.ok());
  const std::string once = canonical_dump(*r);
  auto again = parse_canonical(once);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(canonical_dump(*again), once);
  EXPECT_EQ(once, R"({"a":[{"x":-1,"y":[true,false,null]},"\u0007\n"],"b":{}})");
}

TEST(CanonicalJson, RequireKeysNamesTheFault) {
  auto doc = *parse_json(R"({"a":1,"b":2})");
  EXPECT_TRUE(require_keys(doc, {"a", "b"}, "doc").ok());
  Status missing = require_keys(doc, {"a", "b", "c"}, "doc");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().reason, "malformed");
  EXPECT_NE(missing.error().detail.find("doc.c"), std::string::npos);
  Status unknown = require_keys(doc, {"a"}, "doc");
  ASSERT_FALSE(unknown.ok());
  EXPECT_NE(unknown.error().detail.find("doc.b"), std::string::npos);
  EXPECT_FALSE(get_string(doc, "a", "doc").ok());
  EXPECT_EQ(*get_int(doc, "a", "doc"), 1);
}

TEST(Timestamp, ParsesUtcAndRefusesTheRest) {
  auto t = Timestamp::parse("2022-12-01T07:00:00Z", "t");
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(t->seconds, 1669878000);
  EXPECT_EQ(t->to_string(), "2022-12-01T07:00:00Z");
  auto frac = Timestamp::parse("2022-12-01T07:00:00.250Z", "t");
  ASSERT_TRUE(frac.ok());
  EXPECT_EQ(frac->nanos, 250'000'000u);
  EXPECT_LT(*t, *frac);
  EXPECT_EQ(frac->to_string(), "2022-12-01T07:00:00Z");  // fractions are never written
  EXPECT_TRUE(Timestamp::parse("2024-02-29T23:59:59Z", "t").ok());
  for (const char* bad :
       {"2022-12-01T07:00:00+01:00", "2022-12-01T07:00:00", "2022-12-01 07:00:00Z",
        "2023-02-29T00:00:00Z", "2022-13-01T00:00:00Z", "2022-12-01T24:00:00Z",
        "2022-12-01T07:00:00.Z", "2022-12-01T07:00:00Zx", ""}) {
    auto r = Timestamp::parse(bad, "t");
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_EQ(r.error().reason, "bad_time");
  }
  EXPECT_EQ(Timestamp::from_unix(0).to_string(), "1970-01-01T00:00:00Z");
}

TEST(VoteCode, GeneratedCodesAreValidDistinctAndUseTheWholeAlphabet) {
  std::set<std::string> seen;
  std::set<char> symbols;
  for (int i = 0; i < 2000; ++i) {
    const std::string code = generate_vote_code();
    ASSERT_EQ(code.size(), kCodeSymbols);
    auto n = normalize_vote_code(display_vote_code(code));
    ASSERT_TRUE(n.ok());
    EXPECT_EQ(*n, code);
    seen.insert(code);
    symbols.insert(code.begin(), code.end() - 1);
  }
  EXPECT_EQ(seen.size(), 2000u);
  EXPECT_EQ(symbols.size(), kCodeAlphabet.size());
}

TEST(VoteCode, EverySingleSymbolTypoIsCaughtMostOfTheTime) {
  // A check symbol of 5 bits lets one typo in 32 through; count them.
  const std::string code = generate_vote_code();
  int caught = 0, total = 0;
  for (size_t pos = 0; pos + 1 < code.size(); ++pos) {
    for (char c : kCodeAlphabet) {
      if (c == code[pos]) continue;
      std::string typo = code;
      typo[pos] = c;
      ++total;
      caught += normalize_vote_code(typo).ok() ? 0 : 1;
    }
  }
  EXPECT_GT(caught, total * 9 / 10);
}

TEST(VoteCode, RefusalsSayWhatIsWrong) {
  auto r = normalize_vote_code("ABC");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().reason, "bad_vote_code");
  EXPECT_NE(r.error().detail.find("20"), std::string::npos);
  auto u = normalize_vote_code("U7ZZVRHNQ794R0RYB8EW");
  ASSERT_FALSE(u.ok());
  EXPECT_NE(u.error().detail.find("'U'"), std::string::npos);
  EXPECT_FALSE(normalize_vote_code("D7ZZVRHNQ794R0RYB8E\xc3\xa9").ok());
}

TEST(Credential, IsDeterministicPerElectionAndValid) {
  const std::string code = generate_vote_code();
  auto a = credential_key("men-2022", code);
  auto b = credential_key("men-2022", display_vote_code(code));
  auto c = credential_key("men-2026", code);
  ASSERT_TRUE(a.ok() && b.ok() && c.ok());
  EXPECT_EQ(a->public_key(), b->public_key());
  EXPECT_NE(a->public_key(), c->public_key());
  EXPECT_TRUE(is_valid_public_credential(a->public_key()));
  PublicKey small_order{};  // the identity's encoding: small order
  small_order[0] = 1;
  EXPECT_FALSE(is_valid_public_credential(small_order));
}

class RegistryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto doc = test::load_vector("manifest.json");
    manifest_ = *parse_manifest(doc["manifest_canonical"].get<std::string>());
  }
  VerifiedBallot ballot_for(const SigningKey& k, const std::string& scrutin) {
    SystemScalarSource rng;
    auto b = create_ballot(manifest_, scrutin, {"blank"}, k, rng);
    return *verify_ballot(manifest_, b->bytes);
  }
  Timestamp at(const char* t) { return *Timestamp::parse(t, "t"); }
  Manifest manifest_;
};

TEST_F(RegistryTest, ReissueRevokesAtOnceAndKeepsTheVote) {
  Registry reg(manifest_);
  auto old_key = *credential_key(manifest_.id, generate_vote_code());
  auto new_key = *credential_key(manifest_.id, generate_vote_code());
  ASSERT_TRUE(reg.issue("v1", old_key.public_key(), at("2022-11-01T00:00:00Z")).ok());
  auto first = reg.admit(ballot_for(old_key, "capn-2d"), at("2022-12-02T00:00:00Z"));
  ASSERT_TRUE(first.ok());
  EXPECT_EQ(*first, "v1");
  ASSERT_TRUE(reg.issue("v1", new_key.public_key(), at("2022-12-03T00:00:00Z")).ok());
  EXPECT_EQ(
      reg.admit(ballot_for(old_key, "csa-ministeriel"), at("2022-12-03T00:00:00Z")).error().reason,
      "revoked_credential");
  EXPECT_EQ(reg.admit(ballot_for(new_key, "capn-2d"), at("2022-12-04T00:00:00Z")).error().reason,
            "already_voted");
  EXPECT_TRUE(reg.admit(ballot_for(new_key, "csa-ministeriel"), at("2022-12-04T00:00:00Z")).ok());
  EXPECT_EQ(reg.issue("v2", new_key.public_key(), at("2022-12-04T00:00:00Z")).error().reason,
            "duplicate_credential");
}

TEST_F(RegistryTest, RecordEventsMayNotOverlapForOneVoter) {
  Registry reg(manifest_);
  auto a = *credential_key(manifest_.id, generate_vote_code());
  auto b = *credential_key(manifest_.id, generate_vote_code());
  CredentialEvent first{"v1", a.public_key(), at("2022-11-01T00:00:00Z"), std::nullopt};
  CredentialEvent second{"v1", b.public_key(), at("2022-12-01T00:00:00Z"), std::nullopt};
  ASSERT_TRUE(reg.add_event(first).ok());
  EXPECT_EQ(reg.add_event(second).error().reason, "overlapping_credentials");
  Registry ok_reg(manifest_);
  first.revoked_at = at("2022-12-01T00:00:00Z");
  ASSERT_TRUE(ok_reg.add_event(first).ok());
  EXPECT_TRUE(ok_reg.add_event(second).ok());
}

TEST(Manifest, RefusesInconsistentManifests) {
  auto doc = test::load_vector("manifest.json");
  const Json good = doc["manifest"];
  auto variant = [&](auto mutate) {
    Json m = good;
    mutate(m);
    return parse_manifest(canonical_dump(m));
  };
  EXPECT_TRUE(variant([](Json&) {}).ok());
  EXPECT_EQ(variant([](Json& m) { m["version"] = "isoloir/2"; }).error().reason, "wrong_version");
  EXPECT_EQ(variant([](Json& m) { m["extra"] = 1; }).error().reason, "malformed");
  EXPECT_EQ(variant([](Json& m) { m["closes_at"] = m["opens_at"]; }).error().reason,
            "bad_manifest");
  EXPECT_EQ(variant([](Json& m) { m["scrutins"][0]["max"] = 99; }).error().reason, "bad_manifest");
  EXPECT_EQ(
      variant([](Json& m) { m["scrutins"][1]["id"] = m["scrutins"][0]["id"]; }).error().reason,
      "bad_manifest");
  EXPECT_EQ(variant([](Json& m) { m["scrutins"][0]["options"][1]["id"] = "fsu"; }).error().reason,
            "bad_manifest");
  EXPECT_EQ(variant([](Json& m) { m["public_key"] = "AAAA"; }).error().reason, "bad_length");
  EXPECT_EQ(variant([](Json& m) { m["opens_at"] = "2022-12-01T08:00:00+01:00"; }).error().reason,
            "bad_time");
}

}  // namespace
}  // namespace isoloir

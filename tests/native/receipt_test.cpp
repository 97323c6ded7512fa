// PROTOCOL.md sections 5 and 6: signed tree heads, deposit proofs and
// émargements. Round trips with a fresh server key, every refusal reason, and
// the vectors through the shared conformance checks.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <string>

#include "conformance.h"
#include "isoloir/manifest.h"
#include "isoloir/receipt.h"
#include "isoloir/signed_document.h"
#include "isoloir/tree_head.h"
#include "vectors.h"

namespace isoloir {
namespace {

constexpr std::string_view kElection = "XlCDjNCBPiAsprDxnyoRFKA7fAs6ccevsIDYQejNNW4";
constexpr std::string_view kReference = "rOIb8FyKXu8Opfp-ZFpgaC7-pe05gnC_bz8Pwr4YbC0";

Digest32 some_root() {
  Digest32 root{};
  for (size_t i = 0; i < root.size(); ++i) root[i] = static_cast<uint8_t>(i * 7 + 1);
  return root;
}

Timestamp at(const char* text) {
  auto t = Timestamp::parse(text, "test");
  EXPECT_TRUE(t.ok()) << text;
  return t.ok() ? *t : Timestamp{};
}

// Re-signs a changed document as the server would have: the change is then
// the only thing wrong with it.
SignedDocument resigned(Json document, std::string_view tag, const SigningKey& key) {
  document.erase("signature");
  return sign_document(key, tag, std::move(document));
}
std::string resign(Json document, std::string_view tag, const SigningKey& key) {
  return resigned(std::move(document), tag, key).bytes;
}

template <class T>
std::string reason(const Result<T>& r) {
  return r.ok() ? "accepted" : r.error().reason;
}

class ReceiptTest : public ::testing::Test {
 protected:
  SigningKey server_ = SigningKey::generate();
  SigningKey other_ = SigningKey::generate();
  PublicKey key_ = server_.public_key();

  SignedDocument head(uint64_t size = 3) {
    return sign_tree_head(server_, kElection, size, some_root(), at("2022-12-01T16:49:07Z"));
  }
  SignedDocument deposit(uint64_t log_index = 2) {
    return sign_deposit(server_, kElection, "csa-academique", kReference,
                        at("2022-12-01T16:49:07Z"), log_index, head().document);
  }
  SignedDocument emargement() {
    return sign_emargement(server_, kElection, "csa-academique", "v-0022",
                           at("2022-12-01T16:49:07Z"));
  }
};

// --- Tree heads -----------------------------------------------------------------

TEST_F(ReceiptTest, TreeHeadRoundTrip) {
  SignedDocument signed_head =
      sign_tree_head(server_, kElection, 1234, some_root(), at("2022-12-01T08:15:03.250Z"));
  EXPECT_EQ(signed_head.bytes, canonical_dump(signed_head.document));
  // The fraction is accepted on input and never written.
  EXPECT_NE(signed_head.bytes.find("\"timestamp\":\"2022-12-01T08:15:03Z\""), std::string::npos);

  auto from_bytes = verify_tree_head(signed_head.bytes, key_, kElection);
  ASSERT_TRUE(from_bytes.ok()) << from_bytes.error().message();
  EXPECT_EQ(from_bytes->size, 1234u);
  EXPECT_EQ(from_bytes->root, some_root());
  EXPECT_EQ(from_bytes->timestamp, at("2022-12-01T08:15:03Z"));

  auto from_document = verify_tree_head_document(signed_head.document, key_, kElection);
  ASSERT_TRUE(from_document.ok()) << from_document.error().message();
  EXPECT_EQ(from_document->size, 1234u);
}

TEST_F(ReceiptTest, TreeHeadOfTheEmptyLog) {
  auto r = verify_tree_head(sign_tree_head(server_, kElection, 0, some_root(), Timestamp{}).bytes,
                            key_, kElection);
  ASSERT_TRUE(r.ok()) << r.error().message();
  EXPECT_EQ(r->size, 0u);
}

TEST_F(ReceiptTest, TreeHeadRefusals) {
  const Json good = head().document;
  auto changed = [&](const char* key, Json value) {
    Json d = good;
    d[key] = std::move(value);
    return resign(std::move(d), kTreeHeadTag, server_);
  };
  auto check = [&](const std::string& bytes) {
    return reason(verify_tree_head(bytes, key_, kElection));
  };

  EXPECT_EQ(check(head().bytes + "\n"), "non_canonical_json");
  EXPECT_EQ(check("[]"), "malformed");
  EXPECT_EQ(check(changed("extra", 1)), "malformed");
  {
    Json d = good;
    d.erase("timestamp");
    EXPECT_EQ(check(resign(d, kTreeHeadTag, server_)), "malformed");
  }
  EXPECT_EQ(check(changed("size", "3")), "malformed");
  EXPECT_EQ(check(changed("size", -1)), "malformed");
  EXPECT_EQ(check(changed("root", 7)), "malformed");
  EXPECT_EQ(check(changed("version", "isoloir/2")), "wrong_version");
  EXPECT_EQ(check(changed("kind", "deposit")), "wrong_kind");
  EXPECT_EQ(check(changed("election", "47DEQpj8HBSa-_TImW-5JCeuQeRkm5NMpJWZG3hSuFU")),
            "wrong_election");
  EXPECT_EQ(check(changed("root", "AAAA=")), "bad_base64");
  EXPECT_EQ(check(changed("root", base64url_encode(Bytes(31, 1)))), "bad_length");
  EXPECT_EQ(check(changed("timestamp", "2022-12-01T08:15:03+01:00")), "bad_time");
  Json short_signature = good;
  short_signature["signature"] = "AAAA";
  EXPECT_EQ(check(canonical_dump(short_signature)), "bad_length");

  // Changed after signing, signed by another key, or under another tag.
  Json grown = good;
  grown["size"] = 4;
  EXPECT_EQ(check(canonical_dump(grown)), "bad_signature");
  EXPECT_EQ(check(resign(good, kTreeHeadTag, other_)), "bad_signature");
  EXPECT_EQ(check(resign(good, kDepositTag, server_)), "bad_signature");
  // Verified against another server's key.
  EXPECT_EQ(reason(verify_tree_head(head().bytes, other_.public_key(), kElection)),
            "bad_signature");
}

// --- Deposit proofs -------------------------------------------------------------

TEST_F(ReceiptTest, DepositRoundTrip) {
  SignedDocument d = deposit();
  auto r = verify_deposit(d.bytes, key_, kElection);
  ASSERT_TRUE(r.ok()) << r.error().message();
  EXPECT_EQ(r->scrutin, "csa-academique");
  EXPECT_EQ(r->reference, kReference);
  EXPECT_EQ(base64url_encode(r->digest), kReference);
  EXPECT_EQ(r->received_at, at("2022-12-01T16:49:07Z"));
  EXPECT_EQ(r->log_index, 2u);
  EXPECT_EQ(r->tree_head.size, 3u);
  EXPECT_EQ(r->tree_head.root, some_root());
}

TEST_F(ReceiptTest, DepositRefusals) {
  const Json good = deposit().document;
  auto changed = [&](const char* key, Json value) {
    Json d = good;
    d[key] = std::move(value);
    return resign(std::move(d), kDepositTag, server_);
  };
  auto check = [&](const std::string& bytes) {
    return reason(verify_deposit(bytes, key_, kElection));
  };

  EXPECT_EQ(check(" " + deposit().bytes), "non_canonical_json");
  EXPECT_EQ(check(changed("extra", true)), "malformed");
  EXPECT_EQ(check(changed("log_index", "2")), "malformed");
  EXPECT_EQ(check(changed("scrutin", Json::array())), "malformed");
  EXPECT_EQ(check(changed("tree_head", "head")), "malformed");
  EXPECT_EQ(check(changed("version", "isoloir/0")), "wrong_version");
  EXPECT_EQ(check(changed("kind", "emargement")), "wrong_kind");
  EXPECT_EQ(check(emargement().bytes), "wrong_kind");
  EXPECT_EQ(check(changed("election", "other")), "wrong_election");
  EXPECT_EQ(check(changed("reference", "rOIb8FyKXu8Opfp-ZFpgaC7-pe05gnC_bz8Pwr4YbC1")),
            "bad_base64");  // non-zero unused trailing bits
  EXPECT_EQ(check(changed("reference", base64url_encode(Bytes(33, 9)))), "bad_length");
  EXPECT_EQ(check(changed("received_at", "2022-12-01 16:49:07Z")), "bad_time");
  EXPECT_EQ(check(deposit(3).bytes), "bad_log_index");  // log_index == size
  EXPECT_EQ(check(deposit(1000).bytes), "bad_log_index");

  // The nested tree head is checked as fully as a standalone one.
  Json other_election_head = head().document;
  other_election_head["election"] = "other";
  EXPECT_EQ(
      check(changed("tree_head", resigned(other_election_head, kTreeHeadTag, server_).document)),
      "wrong_election");
  Json grown = head().document;
  grown["size"] = 4;  // changed after the head was signed, the deposit re-signed
  EXPECT_EQ(check(changed("tree_head", grown)), "bad_signature");
  EXPECT_EQ(check(changed("tree_head", resigned(head().document, kTreeHeadTag, other_).document)),
            "bad_signature");

  Json late = good;
  late["received_at"] = "2022-12-01T16:49:08Z";
  EXPECT_EQ(check(canonical_dump(late)), "bad_signature");
  EXPECT_EQ(check(resign(good, kDepositTag, other_)), "bad_signature");
  EXPECT_EQ(check(resign(good, kTreeHeadTag, server_)), "bad_signature");
  EXPECT_EQ(check(resign(good, kEmargementTag, server_)), "bad_signature");
}

// --- Émargements ----------------------------------------------------------------

TEST_F(ReceiptTest, EmargementRoundTrip) {
  auto r = verify_emargement(emargement().bytes, key_, kElection);
  ASSERT_TRUE(r.ok()) << r.error().message();
  EXPECT_EQ(r->scrutin, "csa-academique");
  EXPECT_EQ(r->voter, "v-0022");
  EXPECT_EQ(r->voted_at, at("2022-12-01T16:49:07Z"));
}

TEST_F(ReceiptTest, EmargementRefusals) {
  const Json good = emargement().document;
  auto changed = [&](const char* key, Json value) {
    Json d = good;
    d[key] = std::move(value);
    return resign(std::move(d), kEmargementTag, server_);
  };
  auto check = [&](const std::string& bytes) {
    return reason(verify_emargement(bytes, key_, kElection));
  };

  EXPECT_EQ(check("{\"kind\":\"emargement\",}"), "non_canonical_json");
  EXPECT_EQ(check(changed("log_index", 0)), "malformed");
  EXPECT_EQ(check(changed("voter", 14)), "malformed");
  EXPECT_EQ(check(changed("version", "isoloir/2")), "wrong_version");
  EXPECT_EQ(check(changed("kind", "deposit")), "wrong_kind");
  EXPECT_EQ(check(deposit().bytes), "wrong_kind");
  EXPECT_EQ(check(changed("election", std::string(kReference))), "wrong_election");
  EXPECT_EQ(check(changed("voted_at", "2022-02-30T10:00:00Z")), "bad_time");
  Json bad_signature_text = good;
  bad_signature_text["signature"] = "!";
  EXPECT_EQ(check(canonical_dump(bad_signature_text)), "bad_base64");

  Json other_voter = good;
  other_voter["voter"] = "v-9999";
  EXPECT_EQ(check(canonical_dump(other_voter)), "bad_signature");
  EXPECT_EQ(check(resign(good, kDepositTag, server_)), "bad_signature");
  EXPECT_EQ(check(resign(good, kEmargementTag, other_)), "bad_signature");
}

// --- Either kind ----------------------------------------------------------------

TEST_F(ReceiptTest, VerifyReceiptDispatchesOnKind) {
  auto d = verify_receipt(deposit().bytes, key_, kElection);
  ASSERT_TRUE(d.ok()) << d.error().message();
  ASSERT_NE(d->deposit(), nullptr);
  EXPECT_EQ(d->kind(), "deposit");
  EXPECT_EQ(d->scrutin(), "csa-academique");
  EXPECT_EQ(d->time(), at("2022-12-01T16:49:07Z"));
  EXPECT_EQ(d->deposit()->reference, kReference);

  auto e = verify_receipt(emargement().bytes, key_, kElection);
  ASSERT_TRUE(e.ok()) << e.error().message();
  ASSERT_NE(e->emargement(), nullptr);
  EXPECT_EQ(e->kind(), "emargement");
  EXPECT_EQ(e->emargement()->voter, "v-0022");

  // A tree head is not a receipt, whatever key signed it.
  EXPECT_EQ(reason(verify_receipt(head().bytes, key_, kElection)), "wrong_kind");
  EXPECT_EQ(reason(verify_receipt("{}", key_, kElection)), "malformed");
  EXPECT_EQ(reason(verify_receipt("{} ", key_, kElection)), "non_canonical_json");
}

TEST_F(ReceiptTest, VerifyReceiptAgainstAManifest) {
  Manifest manifest;
  manifest.hash_b64 = std::string(kElection);
  manifest.server_key = key_;
  manifest.scrutins.push_back(Scrutin{"csa-academique", "CSA", 1, 1, {}});

  auto r = verify_receipt(manifest, deposit().bytes);
  ASSERT_TRUE(r.ok()) << r.error().message();
  EXPECT_EQ(r->scrutin(), "csa-academique");

  SignedDocument elsewhere =
      sign_emargement(server_, kElection, "cap-inconnue", "v-0022", at("2022-12-01T16:49:07Z"));
  EXPECT_EQ(reason(verify_receipt(manifest, elsewhere.bytes)), "unknown_scrutin");

  manifest.server_key = other_.public_key();
  EXPECT_EQ(reason(verify_receipt(manifest, deposit().bytes)), "bad_signature");
}

// --- Vectors --------------------------------------------------------------------

conformance::Files vector_files(std::initializer_list<const char*> names) {
  conformance::Files files;
  for (const char* name : names) files[name] = test::read_file(test::vector_path(name));
  return files;
}

void expect_all_pass(const std::vector<conformance::CaseResult>& results) {
  EXPECT_FALSE(results.empty());
  for (const auto& r : results) {
    EXPECT_TRUE(r.pass) << r.file << " " << r.name << ": expected " << r.expected << ", got "
                        << r.got;
  }
}

TEST(ReceiptVectors, ReceiptsJson) {
  auto results = conformance::check_receipts(vector_files({"receipts.json"}));
  // 9 deposits and 6 émargements, each through its typed verifier and, but
  // for the wrong_kind case, through verify_receipt.
  EXPECT_GE(results.size(), 15u);
  expect_all_pass(results);
}

// The vectors' reasons are shared by several causes; the details say that
// each refusal has the cause the case was made for.
TEST(ReceiptVectors, RefusalsNameTheirCause) {
  auto v = test::load_vector("receipts.json");
  PublicKey key{};
  Bytes raw = test::unb64(v["server_key"].get<std::string>());
  std::copy(raw.begin(), raw.end(), key.begin());
  const std::string election = v["election_hash"].get<std::string>();
  const std::map<std::string, std::string> detail_starts = {
      {"deposit-altered", "deposit.signature"},
      {"deposit-tree-head-tag", "deposit.signature"},
      {"deposit-tree-head-altered", "deposit.tree_head.signature"},
      {"deposit-index-outside-head", "deposit.log_index"},
      {"emargement-altered", "emargement.signature"},
      {"emargement-wrong-kind", "emargement.kind"},
  };
  size_t seen = 0;
  for (const char* list : {"deposits", "emargements"}) {
    for (const auto& c : v[list]) {
      auto want = detail_starts.find(c["name"].get<std::string>());
      if (want == detail_starts.end()) continue;
      const std::string bytes = c[std::string(list) == "deposits" ? "deposit" : "emargement"];
      const std::string detail = std::string(list) == "deposits"
                                     ? verify_deposit(bytes, key, election).error().detail
                                     : verify_emargement(bytes, key, election).error().detail;
      EXPECT_EQ(detail.rfind(want->second, 0), 0u) << want->first << ": " << detail;
      ++seen;
    }
  }
  EXPECT_EQ(seen, detail_starts.size());
}

TEST(ReceiptVectors, MerkleTreeHeads) {
  auto results = conformance::check_merkle_tree_heads(vector_files({"merkle.json"}));
  EXPECT_GE(results.size(), 2u);
  expect_all_pass(results);
}

TEST(ReceiptVectors, RecordTreeHead) {
  const std::string bytes = test::read_file(test::vector_path("record/tree_head.json"));
  auto manifest = parse_manifest(test::read_file(test::vector_path("record/manifest.json")));
  ASSERT_TRUE(manifest.ok()) << manifest.error().message();
  auto r = verify_tree_head(bytes, manifest->server_key, manifest->hash_b64);
  ASSERT_TRUE(r.ok()) << r.error().message();
  EXPECT_EQ(r->size, 50u);  // the record's 50 ballots
}

TEST(ReceiptVectors, MissingFileIsAFailedCase) {
  auto results = conformance::check_receipts({});
  ASSERT_EQ(results.size(), 1u);
  EXPECT_FALSE(results[0].pass);
}

}  // namespace
}  // namespace isoloir

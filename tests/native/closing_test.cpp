// The end of an election (docs/election-end.md sections 2 to 4): the signed
// close, aggregates.json, the trustees' partials and their combination into
// the record, on synthetic records and on the vectors' record.
#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "isoloir/canonical_json.h"
#include "isoloir/closing.h"
#include "isoloir/manifest.h"
#include "isoloir/record.h"
#include "isoloir/record_writer.h"
#include "isoloir/signed_document.h"
#include "isoloir/tree_head.h"
#include "synthetic_record.h"
#include "vectors.h"

namespace isoloir {
namespace {

// Options for a record: the generator's defaults but for these.
synth::Options opts(uint64_t voters, uint32_t scrutins = 1, uint32_t trustees = 3,
                    uint32_t threshold = 2, uint64_t seed = 1) {
  synth::Options o;
  o.voters = voters;
  o.scrutins = scrutins;
  o.trustees = trustees;
  o.threshold = threshold;
  o.seed = seed;
  o.threads = 1;
  return o;
}

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

BoardFiles board_of(const RecordFiles& f) {
  return BoardFiles{f.manifest, f.trustees, f.credentials, f.ballots, f.tree_head};
}

synth::Record make(synth::Options o) {
  o.threads = 1;
  auto r = synth::make_record(o);
  EXPECT_TRUE(r) << r.error().message();
  return std::move(*r);
}

// A record and its verified board, kept together (the board's views point
// into the record's bytes).
struct Fixture {
  synth::Record record;
  Board board;
};

Fixture fixture(const synth::Options& o) {
  synth::Record r = make(o);
  auto b = verify_board(board_of(r.files));
  EXPECT_TRUE(b) << b.error().message();
  return Fixture{std::move(r), std::move(*b)};
}

SigningKey server_key(const synth::Record& r) {
  return SigningKey::from_seed(r.server_seed);
}

// Trustee j's partials file, made with the system's randomness.
std::string partials_of(const Fixture& f, uint32_t j) {
  SystemScalarSource rng;
  auto p = make_partials(f.board.manifest, f.board.trustees, f.board.aggregates, j,
                         f.record.key_shares[j - 1], rng);
  EXPECT_TRUE(p) << p.error().message();
  return *p;
}

// The same file with the first proof's s changed: still well formed, the proof fails.
std::string with_bad_proof(const std::string& bytes) {
  Json doc = parse_canonical(bytes).value();
  for (Json& s : doc["scrutins"]) {
    if (s["options"].empty()) continue;
    Json& proof = s["options"][0]["proof"];
    proof["s"] = proof["c"];
    return canonical_dump(doc);
  }
  ADD_FAILURE() << "no option to tamper with";
  return bytes;
}

// --- The close -----------------------------------------------------------------

TEST(Close, TheSyntheticCloseVerifies) {
  const synth::Record r = make({});
  const Manifest m = parse_manifest(r.files.manifest).value();
  auto close = verify_close(r.close, m);
  ASSERT_TRUE(close) << close.error().message();
  EXPECT_EQ(close->closed_at, m.closes_at);
  EXPECT_FALSE(close->early);
  EXPECT_EQ(close->tree_head_bytes, r.files.tree_head);
  EXPECT_EQ(close->tree_head.size, r.ballots);
}

TEST(Close, AnEarlyCloseSignsItsTreeHead) {
  const synth::Record r = make({});
  const Manifest m = parse_manifest(r.files.manifest).value();
  const SigningKey key = server_key(r);
  const TreeHead head = verify_tree_head(r.files.tree_head, m.server_key, m.hash_b64).value();
  const Timestamp at = Timestamp::from_unix(m.closes_at.seconds - 3'600);
  const std::string head_bytes = sign_tree_head(key, m.hash_b64, head.size, head.root, at).bytes;
  auto bytes = close_document(m.hash_b64, at, true, head_bytes, key);
  ASSERT_TRUE(bytes) << bytes.error().message();
  auto close = verify_close(*bytes, m);
  ASSERT_TRUE(close) << close.error().message();
  EXPECT_TRUE(close->early);
  EXPECT_EQ(close->closed_at, at);
  EXPECT_EQ(close->tree_head_bytes, head_bytes);

  // Not early at that time: refused, signed or not.
  auto wrong = close_document(m.hash_b64, at, false, head_bytes, key);
  ASSERT_TRUE(wrong);
  EXPECT_EQ(verify_close(*wrong, m).error().reason, "bad_close");
  // A tree head of another time.
  EXPECT_EQ(close_document(m.hash_b64, m.closes_at, false, head_bytes, key).error().reason,
            "bad_close");
}

TEST(Close, TamperingIsRefused) {
  const synth::Record r = make({});
  const Manifest m = parse_manifest(r.files.manifest).value();
  const Json doc = parse_canonical(r.close).value();

  Json early = doc;
  early["early"] = true;
  EXPECT_EQ(verify_close(canonical_dump(early), m).error().reason, "bad_signature");

  Json later = doc;
  later["closed_at"] = "2026-01-12T17:00:00Z";
  EXPECT_EQ(verify_close(canonical_dump(later), m).error().reason, "bad_signature");

  Json extra = doc;
  extra["note"] = "x";
  EXPECT_EQ(verify_close(canonical_dump(extra), m).error().reason, "malformed");

  Json kind = doc;
  kind["kind"] = "tree-head";
  EXPECT_EQ(verify_close(canonical_dump(kind), m).error().reason, "wrong_kind");

  // Signed by another key, or for another election.
  const SigningKey other = SigningKey::generate();
  auto foreign = close_document(m.hash_b64, m.closes_at, false, r.files.tree_head, other);
  EXPECT_EQ(foreign.error().reason, "bad_signature");  // the tree head is not other's
  const synth::Record r2 = make(opts(10, 1, 3, 2, 2));
  const Manifest m2 = parse_manifest(r2.files.manifest).value();
  EXPECT_EQ(verify_close(r.close, m2).error().reason, "wrong_election");

  // A tree head re-signed inside a close the server signs again: the tree
  // head's own signature still counts.
  Json head = doc["tree_head"];
  head["size"] = 1;
  Json unsigned_close = doc;
  unsigned_close.erase("signature");
  unsigned_close["tree_head"] = head;
  const std::string forged = sign_document(server_key(r), kCloseTag, unsigned_close).bytes;
  auto e = verify_close(forged, m);
  ASSERT_FALSE(e);
  EXPECT_EQ(e.error().reason, "bad_signature");
  EXPECT_TRUE(contains(e.error().detail, "close.json.tree_head")) << e.error().detail;

  // A close after closes_at.
  const SigningKey key = server_key(r);
  const Timestamp late = Timestamp::from_unix(m.closes_at.seconds + 60);
  const TreeHead th = verify_tree_head(r.files.tree_head, m.server_key, m.hash_b64).value();
  const std::string late_head = sign_tree_head(key, m.hash_b64, th.size, th.root, late).bytes;
  auto late_close = close_document(m.hash_b64, late, false, late_head, key);
  ASSERT_TRUE(late_close);
  auto refused = verify_close(*late_close, m);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().reason, "bad_close");
  EXPECT_TRUE(contains(refused.error().detail, "outside")) << refused.error().detail;
}

// --- aggregates.json -------------------------------------------------------------

TEST(AggregatesFile, RoundTripsAndMatchesTheBallots) {
  const Fixture f = fixture(opts(12, 2));
  const std::string& bytes = f.record.aggregates;
  EXPECT_EQ(bytes, aggregates_file(f.board.manifest, f.board.aggregates, f.record.files.tree_head));
  auto doc = parse_aggregates(bytes, f.board.manifest);
  ASSERT_TRUE(doc) << doc.error().message();
  EXPECT_EQ(doc->tree_head_bytes, f.record.files.tree_head);
  ASSERT_EQ(doc->scrutins.size(), 2U);
  EXPECT_EQ(doc->scrutins[0].ballots, f.record.results[0].ballots);
  EXPECT_TRUE(
      compare_aggregates(*doc, f.board.manifest, f.board.aggregates, f.record.files.tree_head));
}

TEST(AggregatesFile, AScrutinWithoutBallotsHasOnlyIdAndIndex) {
  const Fixture f = fixture({});
  const Aggregates none(f.board.manifest);
  const std::string bytes = aggregates_file(f.board.manifest, none, f.record.files.tree_head);
  EXPECT_TRUE(contains(bytes, R"("options":[{"id":"liste-1","index":0},)")) << bytes;
  auto doc = parse_aggregates(bytes, f.board.manifest);
  ASSERT_TRUE(doc) << doc.error().message();
  EXPECT_EQ(doc->scrutins[0].ballots, 0U);
  EXPECT_TRUE(doc->scrutins[0].options.empty());
  // What the ballots give is not "no ballots".
  const Status s =
      compare_aggregates(*doc, f.board.manifest, f.board.aggregates, f.record.files.tree_head);
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().reason, "aggregates_differ");
  EXPECT_TRUE(contains(s.error().detail, "scrutin-1")) << s.error().detail;
}

TEST(AggregatesFile, AMismatchNamesTheScrutinAndOption) {
  const Fixture f = fixture(opts(12, 2));
  Json doc = parse_canonical(f.record.aggregates).value();
  Json& opt = doc["scrutins"][1]["options"][1];
  opt["alpha"] = doc["scrutins"][1]["options"][0]["alpha"];
  auto parsed = parse_aggregates(canonical_dump(doc), f.board.manifest);
  ASSERT_TRUE(parsed) << parsed.error().message();
  const Status s =
      compare_aggregates(*parsed, f.board.manifest, f.board.aggregates, f.record.files.tree_head);
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().reason, "aggregates_differ");
  EXPECT_TRUE(contains(s.error().detail, "scrutin-2 option liste-2")) << s.error().detail;

  // Another tree head.
  auto same = parse_aggregates(f.record.aggregates, f.board.manifest).value();
  EXPECT_EQ(compare_aggregates(same, f.board.manifest, f.board.aggregates, "{}").error().reason,
            "aggregates_differ");
}

TEST(AggregatesFile, TheParserIsStrict) {
  const Fixture f = fixture({});
  const Json doc = parse_canonical(f.record.aggregates).value();
  const Manifest& m = f.board.manifest;
  Json extra = doc;
  extra["scrutins"][0]["options"][0]["partials"] = Json::array();
  EXPECT_EQ(parse_aggregates(canonical_dump(extra), m).error().reason, "malformed");
  Json missing = doc;
  missing["scrutins"][0]["options"][0].erase("beta");
  EXPECT_EQ(parse_aggregates(canonical_dump(missing), m).error().reason, "malformed");
  Json order = doc;
  std::swap(order["scrutins"][0]["options"][0], order["scrutins"][0]["options"][1]);
  EXPECT_EQ(parse_aggregates(canonical_dump(order), m).error().reason, "malformed");
  Json identity = doc;
  identity["scrutins"][0]["options"][0]["alpha"] = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";
  EXPECT_EQ(parse_aggregates(canonical_dump(identity), m).error().reason, "identity_point");
  EXPECT_EQ(parse_aggregates(f.record.aggregates + " ", m).error().reason, "non_canonical_json");
  EXPECT_EQ(parse_aggregates(f.record.close, m).error().reason, "wrong_kind");
}

// --- verify_closed_board and decrypt_board ----------------------------------

ClosedBoardFiles closed_board_of(const synth::Record& r) {
  return ClosedBoardFiles{board_of(r.files), r.close, r.aggregates};
}

TEST(ClosedBoard, TheBoardAfterTheCloseVerifiesAndDecrypts) {
  const synth::Record r = make(opts(9, 2));
  uint64_t told = 0;
  auto board = verify_closed_board(closed_board_of(r), [&](uint64_t done, uint64_t total) {
    EXPECT_LE(done, total);
    told = done;
  });
  ASSERT_TRUE(board) << board.error().message();
  EXPECT_EQ(board->report.ballots, r.ballots);
  EXPECT_EQ(told, r.ballots);

  SystemScalarSource rng;
  auto bytes = decrypt_board(*board, board->manifest.id, 3, r.key_shares[2], rng);
  ASSERT_TRUE(bytes) << bytes.error().message();
  auto doc = parse_partials(*bytes, board->manifest, board->aggregates);
  ASSERT_TRUE(doc) << doc.error().message();
  EXPECT_EQ(doc->trustee, 3U);
  EXPECT_TRUE(verify_partials(*doc, board->manifest, board->trustees, board->aggregates));
}

TEST(ClosedBoard, AKeyOfAnotherElectionOrTrusteeIsRefused) {
  const synth::Record r = make({});
  auto board = verify_closed_board(closed_board_of(r));
  ASSERT_TRUE(board) << board.error().message();
  SystemScalarSource rng;
  auto other = decrypt_board(*board, "another-election", 1, r.key_shares[0], rng);
  ASSERT_FALSE(other);
  EXPECT_EQ(other.error().reason, "wrong_election");
  EXPECT_TRUE(contains(other.error().detail, "another-election")) << other.error().detail;
  EXPECT_EQ(decrypt_board(*board, board->manifest.id, 2, r.key_shares[0], rng).error().reason,
            "wrong_key_share");
}

TEST(ClosedBoard, AggregatesThatAreNotTheBallotsAreRefused) {
  const synth::Record r = make(opts(12, 2));
  Json doc = parse_canonical(r.aggregates).value();
  Json& options = doc["scrutins"][1]["options"];
  std::swap(options[0]["alpha"], options[2]["alpha"]);
  std::swap(options[0]["beta"], options[2]["beta"]);
  const std::string lying = canonical_dump(doc);
  ClosedBoardFiles files = closed_board_of(r);
  files.aggregates = lying;
  auto board = verify_closed_board(files);
  ASSERT_FALSE(board);
  EXPECT_EQ(board.error().reason, "aggregates_differ");
  EXPECT_TRUE(contains(board.error().detail, "scrutin-2 option liste-1")) << board.error().detail;
}

TEST(ClosedBoard, ACloseOverAnotherTreeHeadIsRefused) {
  const synth::Record r = make({});
  const Manifest m = parse_manifest(r.files.manifest).value();
  const SigningKey key = server_key(r);
  const TreeHead head = verify_tree_head(r.files.tree_head, m.server_key, m.hash_b64).value();
  // The same log re-signed an hour before: a valid tree head, not the close's.
  const Timestamp before = Timestamp::from_unix(head.timestamp.seconds - 3'600);
  const std::string earlier = sign_tree_head(key, m.hash_b64, head.size, head.root, before).bytes;
  ClosedBoardFiles files = closed_board_of(r);
  files.board.tree_head = earlier;
  auto board = verify_closed_board(files);
  ASSERT_FALSE(board);
  EXPECT_EQ(board.error().reason, "bad_close");

  // A close that is not the server's.
  ClosedBoardFiles unsigned_close = closed_board_of(r);
  Json close = parse_canonical(r.close).value();
  close["early"] = true;
  const std::string altered = canonical_dump(close);
  unsigned_close.close = altered;
  EXPECT_EQ(verify_closed_board(unsigned_close).error().reason, "bad_signature");

  // And a ballot changed is refused before anything else.
  ClosedBoardFiles tampered = closed_board_of(r);
  std::string ballots = r.files.ballots;
  ballots[ballots.find("\"alpha\":\"") + 12] ^= 1;
  tampered.board.ballots = ballots;
  EXPECT_FALSE(verify_closed_board(tampered));
}

// --- verify_board ----------------------------------------------------------------

TEST(Board, VerifyBoardIsVerifyRecordsFirstHalf) {
  RecordFiles files;
  for (auto [name, bytes] : {std::pair{"manifest.json", &files.manifest},
                             {"trustees.json", &files.trustees},
                             {"credentials.json", &files.credentials},
                             {"ballots.jsonl", &files.ballots},
                             {"tree_head.json", &files.tree_head},
                             {"tally.json", &files.tally},
                             {"results.json", &files.results}}) {
    *bytes = test::read_file(test::vector_path(std::string("record/") + name));
  }
  auto board = verify_board(board_of(files));
  ASSERT_TRUE(board) << board.error().message();
  auto report = verify_record(files);
  ASSERT_TRUE(report) << report.error().message();
  EXPECT_EQ(board->report.election_hash, report->election_hash);
  EXPECT_EQ(board->report.ballots, report->ballots);
  EXPECT_EQ(board->report.voters, report->voters);
  EXPECT_EQ(board->tree_head.size, report->ballots);
  EXPECT_TRUE(board->report.results.empty());
  // A fault of the board is the same answer from both.
  RecordFiles bad = files;
  bad.tree_head[bad.tree_head.find("\"size\":") + 7] = '4';
  EXPECT_EQ(verify_board(board_of(bad)).error().message(), verify_record(bad).error().message());
}

// --- Partials --------------------------------------------------------------------

TEST(Partials, MakeParseVerify) {
  const Fixture f = fixture(opts(8, 2));
  const std::string bytes = partials_of(f, 2);
  auto doc = parse_partials(bytes, f.board.manifest, f.board.aggregates);
  ASSERT_TRUE(doc) << doc.error().message();
  EXPECT_EQ(doc->trustee, 2U);
  ASSERT_EQ(doc->scrutins.size(), 2U);
  EXPECT_EQ(doc->scrutins[1].options.size(), 3U);
  EXPECT_TRUE(verify_partials(*doc, f.board.manifest, f.board.trustees, f.board.aggregates));

  auto bad = parse_partials(with_bad_proof(bytes), f.board.manifest, f.board.aggregates);
  ASSERT_TRUE(bad);
  const Status s = verify_partials(*bad, f.board.manifest, f.board.trustees, f.board.aggregates);
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().reason, "bad_decryption_proof");
  EXPECT_TRUE(contains(s.error().detail, "trustee 2, scrutin-1 option 0")) << s.error().detail;
}

TEST(Partials, MakeRefusesAKeyShareNotTheTrustees) {
  const Fixture f = fixture({});
  SystemScalarSource rng;
  auto wrong = make_partials(f.board.manifest, f.board.trustees, f.board.aggregates, 1,
                             f.record.key_shares[1], rng);
  ASSERT_FALSE(wrong);
  EXPECT_EQ(wrong.error().reason, "wrong_key_share");
  EXPECT_EQ(make_partials(f.board.manifest, f.board.trustees, f.board.aggregates, 4,
                          f.record.key_shares[0], rng)
                .error()
                .reason,
            "unknown_trustee");
}

TEST(Partials, TheParserIsStrict) {
  const Fixture f = fixture(opts(8, 2));
  const Manifest& m = f.board.manifest;
  const Json doc = parse_canonical(partials_of(f, 1)).value();
  auto reason = [&](const Json& d) {
    auto p = parse_partials(canonical_dump(d), m, f.board.aggregates);
    return p ? std::string("accepted") : p.error().reason;
  };
  Json extra = doc;
  extra["scrutins"][0]["options"][0]["trustee"] = 1;
  EXPECT_EQ(reason(extra), "malformed");
  Json few = doc;
  few["scrutins"][0]["options"].erase(2);
  EXPECT_EQ(reason(few), "malformed");
  Json swapped = doc;
  std::swap(swapped["scrutins"][0], swapped["scrutins"][1]);
  EXPECT_EQ(reason(swapped), "malformed");
  Json twice = doc;
  twice["scrutins"][1] = twice["scrutins"][0];
  EXPECT_EQ(reason(twice), "malformed");
  Json index = doc;
  index["scrutins"][0]["options"][1]["index"] = 2;
  EXPECT_EQ(reason(index), "malformed");
  Json zero = doc;
  zero["trustee"] = 0;
  EXPECT_EQ(reason(zero), "malformed");
  Json election = doc;
  election["election"] = "x";
  EXPECT_EQ(reason(election), "wrong_election");
  // A trustee may leave a scrutin out.
  Json one = doc;
  one["scrutins"].erase(0);
  EXPECT_EQ(reason(one), "accepted");
}

// --- Combination -----------------------------------------------------------------

TEST(Combine, AllTrusteesGiveTheRecordsBytes) {
  const Fixture f = fixture(opts(10, 2));
  std::vector<PartialsFile> files;
  for (uint32_t j = 1; j <= 3; ++j) {
    files.push_back({"partials-" + std::to_string(j) + ".json", partials_of(f, j)});
  }
  auto c = combine_tally(f.board.manifest, f.board.trustees, f.board.aggregates, files);
  ASSERT_TRUE(c) << c.error().message();
  EXPECT_TRUE(c->set_aside.empty());
  EXPECT_EQ(c->trustees, (std::vector<uint32_t>{1, 2, 3}));
  EXPECT_EQ(c->results, f.record.files.results);
  RecordFiles record = f.record.files;
  record.tally = c->tally;
  auto report = verify_record(record);
  ASSERT_TRUE(report) << report.error().message();
  EXPECT_EQ(report->results.size(), 2U);
}

TEST(Combine, TwoAbsentOneBadAndADuplicateAreSetAsideAndNamed) {
  const Fixture f = fixture(opts(9, 1, 5));
  const std::vector<PartialsFile> files = {
      {"p1.json", partials_of(f, 1)},
      {"p2.json", with_bad_proof(partials_of(f, 2))},
      {"p3.json", partials_of(f, 3)},
      {"p1-again.json", partials_of(f, 1)},
      {"junk.json", "{}"},
  };
  auto c = combine_tally(f.board.manifest, f.board.trustees, f.board.aggregates, files);
  ASSERT_TRUE(c) << c.error().message();
  EXPECT_EQ(c->trustees, (std::vector<uint32_t>{1, 3}));
  ASSERT_EQ(c->set_aside.size(), 3U);
  EXPECT_EQ(c->set_aside[0].who, "trustee 2 (p2.json)");
  EXPECT_TRUE(contains(c->set_aside[0].reason, "bad_decryption_proof")) << c->set_aside[0].reason;
  EXPECT_EQ(c->set_aside[1].who, "trustee 1 (p1-again.json)");
  EXPECT_TRUE(contains(c->set_aside[1].reason, "duplicate")) << c->set_aside[1].reason;
  EXPECT_EQ(c->set_aside[2].who, "junk.json");
  EXPECT_EQ(c->results, f.record.files.results);
  RecordFiles record = f.record.files;
  record.tally = c->tally;
  EXPECT_TRUE(verify_record(record));
}

TEST(Combine, FewerThanTIsRefusedNamingWhoIsMissing) {
  const Fixture f = fixture(opts(6, 1, 4, 3));
  const std::vector<PartialsFile> files = {
      {"p1.json", partials_of(f, 1)},
      {"p2.json", partials_of(f, 2)},
      {"p4.json", with_bad_proof(partials_of(f, 4))},
  };
  auto c = combine_tally(f.board.manifest, f.board.trustees, f.board.aggregates, files);
  ASSERT_FALSE(c);
  EXPECT_EQ(c.error().reason, "not_enough_partials");
  EXPECT_TRUE(contains(c.error().detail, "scrutin-1: 2 valid partial decryptions, 3 needed"))
      << c.error().detail;
  EXPECT_TRUE(contains(c.error().detail, "missing trustees 3, 4")) << c.error().detail;
  EXPECT_TRUE(contains(c.error().detail, "trustee 4 (p4.json)")) << c.error().detail;
  EXPECT_FALSE(combine_tally(f.board.manifest, f.board.trustees, f.board.aggregates, {}));
}

// The vectors' record (2 of 3): its partials, one file per trustee, give
// its tally.json and results.json byte for byte. Trustee 2 did not decrypt
// csa-academique there, so its file leaves that scrutin out.
class VectorsCombine : public ::testing::Test {
 protected:
  void SetUp() override {
    for (auto [name, bytes] : {std::pair{"manifest.json", &files_.manifest},
                               {"trustees.json", &files_.trustees},
                               {"credentials.json", &files_.credentials},
                               {"ballots.jsonl", &files_.ballots},
                               {"tree_head.json", &files_.tree_head},
                               {"tally.json", &files_.tally},
                               {"results.json", &files_.results}}) {
      *bytes = test::read_file(test::vector_path(std::string("record/") + name));
    }
    auto board = verify_board(board_of(files_));
    ASSERT_TRUE(board) << board.error().message();
    board_.emplace(std::move(*board));
  }

  // Trustee j's partials file, from tally.json.
  std::string partials_file(uint32_t j) const {
    const Json tally = parse_canonical(files_.tally).value();
    Json scrutins = Json::array();
    for (const Json& s : tally["scrutins"]) {
      Json options = Json::array();
      bool decrypted = true;
      for (const Json& o : s["options"]) {
        if (!o.contains("partials")) continue;
        bool found = false;
        for (const Json& p : o["partials"]) {
          if (p["trustee"] != j) continue;
          options.push_back(Json{{"index", o["index"]}, {"d", p["d"]}, {"proof", p["proof"]}});
          found = true;
        }
        decrypted = decrypted && found;
      }
      if (decrypted) scrutins.push_back(Json{{"id", s["id"]}, {"options", options}});
    }
    Json d = Json::object();
    d["version"] = "isoloir/1";
    d["kind"] = "partials";
    d["election"] = tally["election"];
    d["trustee"] = j;
    d["scrutins"] = scrutins;
    return canonical_dump(d);
  }

  Result<Combined> combine(const std::vector<PartialsFile>& files) const {
    return combine_tally(board_->manifest, board_->trustees, board_->aggregates, files);
  }

  RecordFiles files_;
  std::optional<Board> board_;
};

TEST_F(VectorsCombine, ThePartialsGiveTheVectorsBytes) {
  auto c = combine({{"p3", partials_file(3)}, {"p1", partials_file(1)}, {"p2", partials_file(2)}});
  ASSERT_TRUE(c) << c.error().message();
  EXPECT_TRUE(c->set_aside.empty());
  EXPECT_EQ(c->tally, files_.tally);
  EXPECT_EQ(c->results, files_.results);
}

TEST_F(VectorsCombine, ABadFileIsSetAsideAndTheCountsStand) {
  auto c = combine({{"p1", partials_file(1)},
                    {"p2", with_bad_proof(partials_file(2))},
                    {"p3", partials_file(3)}});
  ASSERT_TRUE(c) << c.error().message();
  ASSERT_EQ(c->set_aside.size(), 1U);
  EXPECT_EQ(c->set_aside[0].who, "trustee 2 (p2)");
  EXPECT_EQ(c->results, files_.results);
  EXPECT_EQ(c->trustees, (std::vector<uint32_t>{1, 3}));
}

TEST_F(VectorsCombine, TrusteesOneAndTwoLackCsaAcademique) {
  auto c = combine({{"p1", partials_file(1)}, {"p2", partials_file(2)}});
  ASSERT_FALSE(c);
  EXPECT_EQ(c.error().reason, "not_enough_partials");
  EXPECT_TRUE(contains(c.error().detail, "scrutin csa-academique")) << c.error().detail;
  EXPECT_TRUE(contains(c.error().detail, "missing trustees 2, 3")) << c.error().detail;
}

// dkg.json's partial decryptions of the record's aggregates: a file carrying
// one that is not valid is set aside, naming the scrutin and option.
TEST_F(VectorsCombine, TheDkgVectorsInvalidPartialsAreSetAside) {
  const Json dkg = test::load_vector("dkg.json");
  size_t invalid = 0;
  for (const Json& p : dkg["partial_decryptions"]) {
    const std::string scrutin = p["scrutin"];
    const uint32_t index = p["option_index"];
    const uint32_t j = p["trustee"];
    // The valid ones are of the record's aggregate; "checked as option 1" is
    // option 0's decryption presented as option 1's.
    const bool same_a =
        p["A"] == board_->aggregates.of(scrutin).options[index].alpha.to_base64url();
    EXPECT_EQ(same_a, p["valid"].get<bool>() || p["why"] != "checked as option 1") << p.dump();
    Json doc = parse_canonical(partials_file(j)).value();
    for (Json& s : doc["scrutins"]) {
      if (s["id"] == scrutin)
        s["options"][index] = Json{{"index", index}, {"d", p["d"]}, {"proof", p["proof"]}};
    }
    auto c =
        combine({{"p", canonical_dump(doc)}, {"p1", partials_file(1)}, {"p3", partials_file(3)}});
    if (p["valid"].get<bool>()) continue;
    ++invalid;
    ASSERT_TRUE(c) << c.error().message();
    ASSERT_FALSE(c->set_aside.empty()) << p.dump();
    EXPECT_EQ(c->set_aside[0].who, "trustee " + std::to_string(j) + " (p)");
    EXPECT_TRUE(contains(c->set_aside[0].reason, scrutin + " option " + std::to_string(index)))
        << c->set_aside[0].reason;
    EXPECT_EQ(c->results, files_.results);
  }
  EXPECT_GT(invalid, 0U);
}

}  // namespace
}  // namespace isoloir

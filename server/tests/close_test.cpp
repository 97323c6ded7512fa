// The end of the election in the urn (docs/election-end.md): nothing of the
// count before the close; the close, early or at closes_at, signed and
// final; the count checked before it is published; the turnout and the
// émargement list.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <array>
#include <cstdlib>
#include <string>
#include <vector>

#include "isoloir/ballot.h"
#include "isoloir/canonical_json.h"
#include "isoloir/closing.h"
#include "isoloir/merkle.h"
#include "isoloir/record.h"
#include "isoloir/record_writer.h"
#include "isoloir/tree_head.h"
#include "isoloir/urn/urn.h"
#include "urn_fixture.h"
#include "vectors.h"

namespace isoloir::urn {
namespace {

using test::at;
using test::TempDir;
using test::TestElection;

const TestElection& election() {
  static const TestElection* e = new TestElection();
  return *e;
}

constexpr const char* kScrutin = "csa-academique";

// The fixture's server key as the data directory's own key file, so that
// the admin's functions (which read it there) sign as the urn does.
void install_server_key(const std::string& dir) {
  std::array<uint8_t, SigningKey::kSeedBytes> seed{};
  for (size_t i = 0; i < seed.size(); ++i) seed[i] = static_cast<uint8_t>(0xA0 + i);
  const SigningKey key = SigningKey::from_seed(seed);
  std::string bytes(seed.begin(), seed.end());
  bytes.append(key.public_key().begin(), key.public_key().end());
  const std::string path = dir + "/server.key";
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL, 0600);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(::write(fd, bytes.data(), bytes.size()), static_cast<ssize_t>(bytes.size()));
  ::close(fd);
}

// Three voters, four ballots in two scrutins.
std::unique_ptr<Urn> voted(const std::string& dir) {
  const auto voters = election().voters(3);
  auto urn = election().open_with(dir, voters);
  for (size_t i = 0; i < voters.size(); ++i) {
    EXPECT_TRUE(urn->cast(voters[i].identifier, election().ballot(voters[i], kScrutin, i % 2),
                          at(10 + static_cast<int64_t>(i)))
                    .ok());
  }
  EXPECT_TRUE(
      urn->cast(voters[0].identifier, election().ballot(voters[0], "capn-2d", 2), at(20)).ok());
  return urn;
}

TEST(UrnClose, NothingOfTheCountBeforeTheClose) {
  TempDir dir;
  auto urn = voted(dir.path());
  EXPECT_EQ(urn->close_state(at(100)).error().reason, "not_closed");
  EXPECT_EQ(urn->close_state(Timestamp::from_unix(test::kCloses - 1)).error().reason, "not_closed");
  EXPECT_EQ(urn->published("results.json").error().reason, "not_published");
  EXPECT_EQ(urn->published("tally.json").error().reason, "not_published");
  EXPECT_EQ(read_close(dir.path()).error().reason, "not_closed");
  // Nothing can be published before the close either.
  RecordFiles files = *urn->export_record();
  election().finish_record(files);
  EXPECT_EQ(publish_count(dir.path(), files.tally, files.results).error().reason, "not_closed");
}

TEST(UrnClose, AtClosesAtTheLogIsSignedWithItsAggregates) {
  TempDir dir;
  auto urn = voted(dir.path());
  const Manifest& m = election().manifest();
  auto c = urn->close_state(Timestamp::from_unix(test::kCloses + 3600));
  ASSERT_TRUE(c.ok()) << c.error().message();
  EXPECT_FALSE(c->early);
  EXPECT_EQ(c->closed_at, m.closes_at.to_string());
  auto close = verify_close(c->document, m);
  ASSERT_TRUE(close.ok()) << close.error().message();
  auto head = verify_tree_head(c->tree_head, m.server_key, m.hash_b64);
  ASSERT_TRUE(head.ok());
  EXPECT_EQ(head->size, 4u);
  EXPECT_EQ(head->timestamp, m.closes_at);
  EXPECT_EQ(head->root, urn->latest_tree_head()->root);

  // The aggregates are the product of the ballots, for every scrutin.
  Aggregates expected(m);
  auto page = urn->ballots(0, 100);
  ASSERT_TRUE(page.ok());
  const std::vector<BoardBallot> ballots = *page;
  for (const BoardBallot& b : ballots) {
    ASSERT_TRUE(expected.add(*verify_ballot(m, b.ballot)).ok());
  }
  EXPECT_EQ(c->aggregates, aggregates_file(m, expected, c->tree_head));

  // The same close whoever asks again, and read back from the files.
  auto again = urn->close_state(Timestamp::from_unix(test::kCloses + 7200));
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->document, c->document);
  EXPECT_EQ(read_close(dir.path())->document, c->document);
  // The record's tree head is the close's.
  EXPECT_EQ(urn->export_record()->tree_head, c->tree_head);
}

TEST(UrnClose, AnEarlyCloseIsFinalAndRefusesEveryLaterCast) {
  TempDir dir;
  install_server_key(dir.path());
  const auto voters = election().voters(3);
  auto urn = election().open_with(dir.path(), voters);
  ASSERT_TRUE(
      urn->cast(voters[0].identifier, election().ballot(voters[0], kScrutin, 0), at(10)).ok());

  EXPECT_EQ(close_early(dir.path(), at(-10)).error().reason, "not_open");
  // The admin closes through a connection of its own while the urn is open.
  auto c = close_early(dir.path(), at(50));
  ASSERT_TRUE(c.ok()) << c.error().message();
  EXPECT_TRUE(c->early);
  EXPECT_EQ(c->closed_at, at(50).to_string());
  ASSERT_TRUE(verify_close(c->document, election().manifest()).ok());
  EXPECT_EQ(close_early(dir.path(), at(60)).error().reason, "already_closed");

  const size_t size = urn->size();
  auto late = urn->cast(voters[1].identifier, election().ballot(voters[1], kScrutin, 1), at(70));
  ASSERT_FALSE(late.ok());
  EXPECT_EQ(late.error().reason, "window_closed");
  EXPECT_EQ(urn->size(), size);
  EXPECT_EQ(urn->emargement(voters[1].identifier, kScrutin).error().reason, "not_found");
  // The server sees the admin's close.
  auto seen = urn->close_state(at(80));
  ASSERT_TRUE(seen.ok());
  EXPECT_EQ(seen->document, c->document);
}

TEST(UrnClose, AnElectionWithoutBallotsClosesOnAnEmptyLog) {
  TempDir dir;
  auto urn = election().open_with(dir.path(), election().voters(2));
  auto c = urn->close_state(Timestamp::from_unix(test::kCloses));
  ASSERT_TRUE(c.ok()) << c.error().message();
  auto head = verify_tree_head(c->tree_head, election().manifest().server_key,
                               election().manifest().hash_b64);
  ASSERT_TRUE(head.ok()) << head.error().message();
  EXPECT_EQ(head->size, 0u);
  EXPECT_EQ(head->root, merkle::empty_root());
}

TEST(UrnClose, TheCountIsCheckedBeforeItIsPublished) {
  TempDir dir;
  auto urn = voted(dir.path());
  ASSERT_TRUE(urn->close_state(Timestamp::from_unix(test::kCloses)).ok());
  RecordFiles files = *urn->export_record();
  election().finish_record(files);

  // A count that says otherwise is refused, naming the file.
  Json results = *parse_canonical(files.results);
  results["scrutins"][0]["counts"][0]["count"] = 99;
  auto wrong = publish_count(dir.path(), files.tally, canonical_dump(results));
  ASSERT_FALSE(wrong.ok());
  EXPECT_NE(wrong.error().detail.find("results.json"), std::string::npos) << wrong.error().detail;
  Json tally = *parse_canonical(files.tally);
  for (Json& sc : tally["scrutins"]) {
    if (sc["id"] == kScrutin) sc["options"][0]["partials"] = Json::array();
  }
  auto few = publish_count(dir.path(), canonical_dump(tally), files.results);
  ASSERT_FALSE(few.ok());
  EXPECT_EQ(few.error().reason, "not_enough_partials");
  EXPECT_EQ(urn->published("results.json").error().reason, "not_published");

  auto report = publish_count(dir.path(), files.tally, files.results);
  ASSERT_TRUE(report.ok()) << report.error().message();
  EXPECT_EQ(report->ballots, 4u);
  EXPECT_EQ(*urn->published("tally.json"), files.tally);
  EXPECT_EQ(*urn->published("results.json"), files.results);
  EXPECT_EQ(publish_count(dir.path(), files.tally, files.results).error().reason,
            "already_published");

  // The whole record, as exported and archived, verifies.
  RecordFiles published = *urn->export_record();
  EXPECT_EQ(published.tally, files.tally);
  ASSERT_TRUE(verify_record(published).ok());
  auto tar = urn->published("record.tar.gz");
  ASSERT_TRUE(tar.ok());
  const std::string out = dir.path() + "/unpacked";
  const std::string archive = dir.path() + "/record.tar.gz";
  {
    FILE* f = std::fopen(archive.c_str(), "wb");
    ASSERT_NE(f, nullptr);
    std::fwrite(tar->data(), 1, tar->size(), f);
    std::fclose(f);
  }
  ASSERT_EQ(std::system(("mkdir -p " + out + " && tar -xzf " + archive + " -C " + out).c_str()), 0);
  const std::string root = out + "/" + election().manifest().id + "-record/";
  EXPECT_EQ(isoloir::test::read_file(root + "results.json"), files.results);
  EXPECT_EQ(isoloir::test::read_file(root + "ballots.jsonl"), published.ballots);
  EXPECT_EQ(isoloir::test::read_file(root + "manifest.json"), published.manifest);
}

TEST(UrnClose, TurnoutAndTheEmargementListTellWhoVotedNotHow) {
  TempDir dir;
  auto urn = voted(dir.path());
  auto t = urn->turnout();
  ASSERT_TRUE(t.ok());
  ASSERT_EQ(t->size(), election().manifest().scrutins.size());
  for (const Turnout& s : *t) {
    EXPECT_EQ(s.registered, 3u) << s.scrutin;
    EXPECT_EQ(s.votes, s.scrutin == kScrutin ? 3u : s.scrutin == "capn-2d" ? 1u : 0u) << s.scrutin;
  }
  auto side = read_turnout(dir.path());
  ASSERT_TRUE(side.ok());
  EXPECT_EQ(side->size(), t->size());

  auto list = read_emargements(dir.path());
  ASSERT_TRUE(list.ok()) << list.error().message();
  ASSERT_EQ(list->size(), 4u);
  // By scrutin in manifest order, then by name.
  std::vector<std::string> order;
  for (const EmargementEntry& e : *list) order.push_back(e.scrutin + "/" + e.name);
  std::vector<std::string> expected;
  for (const Scrutin& s : election().manifest().scrutins) {
    if (s.id == kScrutin) {
      for (const char* n : {"Voter v-0000", "Voter v-0001", "Voter v-0002"}) {
        expected.push_back(s.id + "/" + n);
      }
    }
    if (s.id == "capn-2d") expected.push_back(s.id + "/Voter v-0000");
  }
  EXPECT_EQ(order, expected);
  EXPECT_EQ((*list)[0].voted_at.empty(), false);
}

}  // namespace
}  // namespace isoloir::urn

// The voter file: RFC 4180 CSV with a header row; every fault names its line,
// and a file whose values are wrong is refused by the import as a whole.
#include <gtest/gtest.h>

#include <string>

#include "isoloir/urn/voter_file.h"
#include "urn_fixture.h"

namespace isoloir::urn {
namespace {

const std::string kHeader = std::string(kVoterFileHeader) + "\r\n";

TEST(UrnVoterFile, ParsesQuotedUtf8Fields) {
  const std::string text = "\xEF\xBB\xBF" + kHeader +
                           "a@example.org,\"Dupont, \"\"Zoé\"\"\",capn-2d  csa-academique,"
                           "CRED,v-1,,,\r\n"
                           "\r\n"
                           "b@example.org,\"Line\nbreak\",capn-2d,CRED2,v-2,12345678ABC,q,+33 6\n";
  auto rows = parse_voter_csv(text);
  ASSERT_TRUE(rows.ok()) << rows.error().message();
  ASSERT_EQ(rows->size(), 2u);
  const VoterRow& a = (*rows)[0];
  EXPECT_EQ(a.name, "Dupont, \"Zoé\"");
  EXPECT_EQ(a.scrutins, (std::vector<std::string>{"capn-2d", "csa-academique"}));
  EXPECT_EQ(a.credential, "CRED");
  EXPECT_EQ(a.numen, "");
  EXPECT_EQ(a.line, 2u);
  const VoterRow& b = (*rows)[1];
  EXPECT_EQ(b.name, "Line\nbreak");
  EXPECT_EQ(b.phone, "+33 6");
  EXPECT_EQ(b.line, 4u);
}

TEST(UrnVoterFile, FaultsNameTheLine) {
  struct Case {
    std::string text;
    const char* line;
  };
  const std::string ok = "a@example.org,A,capn-2d,C,v-1,,,\n";
  const Case cases[] = {
      {"identifier,name\n", "line 1:"},
      {"", "line 1:"},
      {kHeader + ok + "b@example.org,B,capn-2d,C,v-2,,\n", "line 3:"},
      {kHeader + ok + "b@example.org,\"B,capn-2d,C,v-2,,,\n", "line 3:"},
      {kHeader + ok + "b@example.org,B\"x,capn-2d,C,v-2,,,\n", "line 3:"},
      {kHeader + ok + ok + "b@example.org,\"B\"x,capn-2d,C,v-2,,,\n", "line 4:"},
      {kHeader + ok + "b@example.org,\xC3\x28,capn-2d,C,v-2,,,\n", "line 3:"},
      {kHeader + "b@example.org,\"two\nlines\",capn-2d,C,v-2,,\n", "line 2:"},
      {kHeader + ok + "x\ry\n", "line 3:"},
  };
  for (const Case& c : cases) {
    auto rows = parse_voter_csv(c.text);
    ASSERT_FALSE(rows.ok()) << c.text;
    EXPECT_EQ(rows.error().reason, "bad_voter_file");
    EXPECT_EQ(rows.error().detail.rfind(c.line, 0), 0u) << rows.error().detail;
  }
}

// A file whose third line names a scrutin the manifest lacks: nothing is imported.
TEST(UrnVoterFile, ImportRefusesTheFileNamingTheLine) {
  const test::TestElection election;
  const auto voters = election.voters(3);
  std::string text = kHeader;
  for (size_t i = 0; i < voters.size(); ++i) {
    const VoterRow r = voters[i].row();
    text += r.identifier + "," + r.name + "," + (i == 1 ? "capn-2d nope" : "capn-2d") + "," +
            r.credential + "," + r.pseudonym + ",,,\r\n";
  }
  auto rows = parse_voter_csv(text);
  ASSERT_TRUE(rows.ok()) << rows.error().message();
  test::TempDir dir;
  auto urn = election.open_with(dir.path(), {});
  auto imported = urn->import_voters(*rows, test::at(-10));
  ASSERT_FALSE(imported.ok());
  EXPECT_EQ(imported.error().reason, "unknown_scrutin");
  EXPECT_EQ(imported.error().detail, "line 3: nope");
  EXPECT_EQ(urn->emargement(voters[0].identifier, "capn-2d").error().reason, "unknown_voter");
  (*rows)[1].scrutins = {"capn-2d"};
  EXPECT_TRUE(urn->import_voters(*rows, test::at(-10)).ok());
  EXPECT_EQ(urn->emargement(voters[0].identifier, "capn-2d").error().reason, "not_found");
}

}  // namespace
}  // namespace isoloir::urn

// A whole election across real processes, as an election officer runs it
// with the shipped tools (docs/election-end.md): five trustees' key ceremony
// with `isoloir trustee`, the election imported with its transcript, ballots
// cast, the board serving nothing of the count before the close, the
// admin's close while the server runs, the trustees' decryptions from the
// files the board serves (two absent, one cheating), the combination, the
// publication, and the record downloaded from the board verified by
// `isoloir record verify`.
#include <gtest/gtest.h>
#include <httplib.h>

#include <cstdlib>
#include <map>
#include <string>
#include <vector>

#include "http_harness.h"
#include "isoloir/ballot.h"
#include "isoloir/canonical_json.h"
#include "isoloir/credential.h"
#include "isoloir/manifest.h"
#include "isoloir/random.h"
#include "isoloir/record.h"
#include "isoloir/trustees.h"
#include "isoloir/urn/data_dir.h"
#include "isoloir/vote_code.h"
#include "vectors.h"

namespace isoloir::server::test {
namespace {

// `isoloir ARGS` with `input` on its standard input (the passphrase).
Ran cli(const std::string& scratch, const std::vector<std::string>& args,
        const std::string& input = "") {
  static int n = 0;
  const std::string in = scratch + "/stdin" + std::to_string(n++);
  write_file(in, input);
  std::vector<std::string> sh = {"-c", "exec \"$0\" \"$@\" < '" + in + "'", ISOLOIR_CLI};
  sh.insert(sh.end(), args.begin(), args.end());
  Process p("/bin/sh", sh, scratch);
  const int code = p.wait();
  return Ran{code, p.out(), p.err()};
}

std::string passphrase(int i) {
  return "passphrase of trustee " + std::to_string(i) + "\n";
}

// The value after "key: " on a line of `text`.
std::string line_value(const std::string& text, const std::string& key) {
  const size_t at = text.find(key + ": ");
  if (at == std::string::npos) return "";
  const size_t start = at + key.size() + 2;
  return text.substr(start, text.find('\n', start) - start);
}

// Trustees 1..n of a t-of-n ceremony, every round its own process; returns
// the election key printed by `trustees combine`.
std::string ceremony(const std::string& d, int n, int t) {
  std::vector<std::string> commitments, shares, keys;
  for (int i = 1; i <= n; ++i) {
    const std::string s = std::to_string(i);
    Ran r = cli(d,
                {"trustee", "init", "--election-id", "men-2022", "--index", s, "--trustees",
                 std::to_string(n), "--threshold", std::to_string(t), "--name", "Trustee " + s,
                 "--key-file", d + "/ceremony-" + s + ".key", "--out",
                 d + "/commitment-" + s + ".json", "--kdf", "interactive"},
                passphrase(i));
    EXPECT_EQ(r.code, 0) << r.err;
    commitments.push_back(d + "/commitment-" + s + ".json");
  }
  for (int i = 1; i <= n; ++i) {
    const std::string s = std::to_string(i);
    std::vector<std::string> args = {"trustee",    "shares",
                                     "--key-file", d + "/ceremony-" + s + ".key",
                                     "--out",      d + "/shares-" + s + ".json"};
    args.insert(args.end(), commitments.begin(), commitments.end());
    Ran r = cli(d, args, passphrase(i));
    EXPECT_EQ(r.code, 0) << r.err;
    shares.push_back(d + "/shares-" + s + ".json");
  }
  for (int i = 1; i <= n; ++i) {
    const std::string s = std::to_string(i);
    std::vector<std::string> args = {"trustee",
                                     "finish",
                                     "--key-file",
                                     d + "/ceremony-" + s + ".key",
                                     "--share-key-file",
                                     d + "/share-" + s + ".key",
                                     "--out",
                                     d + "/verification-key-" + s + ".json",
                                     "--kdf",
                                     "interactive"};
    args.insert(args.end(), commitments.begin(), commitments.end());
    args.insert(args.end(), shares.begin(), shares.end());
    Ran r = cli(d, args, passphrase(i));
    EXPECT_EQ(r.code, 0) << r.err;
    keys.push_back(d + "/verification-key-" + s + ".json");
  }
  std::vector<std::string> args = {"trustees", "combine", "--out", d + "/trustees.json"};
  for (const auto* list : {&commitments, &shares, &keys}) {
    args.insert(args.end(), list->begin(), list->end());
  }
  Ran r = cli(d, args);
  EXPECT_EQ(r.code, 0) << r.err;
  return line_value(r.out, "public_key");
}

httplib::Result get(int port, const std::string& path) {
  httplib::Client c("127.0.0.1", port);
  return c.Get(path.c_str());
}

TEST(ElectionEnd, FromTheKeyCeremonyToARecordAnyoneVerifies) {
  TempDir dir;
  const std::string& d = dir.path;
  const std::string data = d + "/data";

  // The ceremony: 2 of 5 trustees will suffice.
  const std::string public_key = ceremony(d, 5, 2);
  ASSERT_EQ(public_key.size(), 43u);

  // The election, with the trustees' key and their transcript.
  const auto database = postgres_data_dir(data);
  Ran key = admin(d, {"--data-dir", data, "server-key"});
  ASSERT_EQ(key.code, 0) << key.err;
  Json doc = Json::parse(make_manifest(key.out.substr(0, key.out.find('\n'))));
  doc["public_key"] = public_key;
  write_file(d + "/manifest.json", doc.dump());
  const Manifest manifest = *parse_manifest(doc.dump());
  // A manifest whose key is not the trustees' is refused.
  Json other = doc;
  other["public_key"] = isoloir::test::load_vector("manifest.json")["manifest"]["public_key"];
  write_file(d + "/other.json", other.dump());
  Ran wrong =
      admin(d, {"--data-dir", data, "election", "import", d + "/other.json", d + "/trustees.json"});
  EXPECT_EQ(wrong.code, 1);
  EXPECT_NE(wrong.err.find("bad_public_key"), std::string::npos) << wrong.err;
  Ran imported = admin(
      d, {"--data-dir", data, "election", "import", d + "/manifest.json", d + "/trustees.json"});
  ASSERT_EQ(imported.code, 0) << imported.err;

  std::vector<Voter> voters;
  for (int i = 0; i < 5; ++i) {
    voters.push_back(Voter{generate_vote_code(), "agent" + std::to_string(i) + "@example.org"});
  }
  write_file(d + "/voters.csv", make_voter_csv(manifest, voters));
  ASSERT_EQ(admin(d, {"--data-dir", data, "voters", "import", d + "/voters.csv"}).code, 0);

  // Five ballots in the first scrutin: option 0 three times, option 1 twice.
  const Scrutin& scrutin = manifest.scrutins[0];
  {
    auto urn = urn::open_data_dir(data);
    ASSERT_TRUE(urn.ok()) << urn.error().message();
    SystemScalarSource rng;
    for (size_t i = 0; i < voters.size(); ++i) {
      const auto credential = credential_key(manifest.id, voters[i].code);
      auto ballot = create_ballot(manifest, scrutin.id, {scrutin.options[i < 3 ? 0 : 1].id},
                                  *credential, rng);
      ASSERT_TRUE(ballot.ok());
      ASSERT_TRUE((*urn)->cast(voters[i].identifier, ballot->bytes, Timestamp::now()).ok());
    }
  }

  Server server(d, {"--data-dir", data});
  ASSERT_TRUE(server.ready()) << server.process().err();
  const int port = server.port();

  // Nothing of the count while the vote is open: no aggregate, no board
  // file to decrypt, nothing to publish.
  for (const char* f : {"aggregates.json", "close.json", "ballots.jsonl", "tree_head.json"}) {
    auto r = get(port, std::string("/api/v1/record/") + f);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 409) << f;
    EXPECT_NE(r->body.find("not_closed"), std::string::npos) << f;
  }
  for (const char* f : {"tally.json", "results.json", "record.tar.gz"}) {
    auto r = get(port, std::string("/api/v1/record/") + f);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 404) << f;
  }
  auto turnout = get(port, "/api/v1/board/turnout");
  ASSERT_TRUE(turnout);
  ASSERT_EQ(turnout->status, 200);
  const Json t = parse(turnout->body);
  EXPECT_EQ(t["scrutins"][0]["id"], scrutin.id);
  EXPECT_EQ(t["scrutins"][0]["registered"], 5);
  EXPECT_EQ(t["scrutins"][0]["votes"], 5);

  // No procès-verbal before the close.
  Ran no_pv = admin(d, {"--data-dir", data, "report", d + "/early-pv.pdf"});
  EXPECT_EQ(no_pv.code, 1);
  EXPECT_NE(no_pv.err.find("not_closed"), std::string::npos) << no_pv.err;

  // A trustee handed a board without its close refuses to decrypt.
  const std::string board = d + "/board";
  ASSERT_EQ(std::system(("mkdir -p " + board).c_str()), 0);
  write_file(board + "/manifest.json", manifest.canonical);
  write_file(board + "/trustees.json", slurp(d + "/trustees.json"));
  Ran early = cli(d,
                  {"trustee", "decrypt", "--share-key-file", d + "/share-1.key", "--board", board,
                   "--out", d + "/early.json"},
                  passphrase(1));
  EXPECT_NE(early.code, 0);
  EXPECT_EQ(slurp(d + "/early.json"), "");

  // The admin closes the vote while the server runs.
  Ran closed = admin(d, {"--data-dir", data, "close"});
  ASSERT_EQ(closed.code, 0) << closed.err;
  EXPECT_NE(closed.out.find("early close"), std::string::npos) << closed.out;

  // The trustees take the board's files.
  for (const char* f : {"manifest.json", "trustees.json", "credentials.json", "ballots.jsonl",
                        "tree_head.json", "close.json", "aggregates.json"}) {
    auto r = get(port, std::string("/api/v1/record/") + f);
    ASSERT_TRUE(r);
    ASSERT_EQ(r->status, 200) << f << " " << r->body;
    write_file(board + "/" + f, r->body);
  }
  EXPECT_EQ(slurp(board + "/manifest.json"), manifest.canonical);

  // Trustees 1, 2 and 3 decrypt; 4 and 5 stay away; 2 cheats.
  for (int i : {1, 2, 3}) {
    const std::string s = std::to_string(i);
    Ran r = cli(d,
                {"trustee", "decrypt", "--share-key-file", d + "/share-" + s + ".key", "--board",
                 board, "--out", d + "/partials-" + s + ".json"},
                passphrase(i));
    ASSERT_EQ(r.code, 0) << r.err;
  }
  {
    Json p = *parse_canonical(slurp(d + "/partials-2.json"));
    Json p1 = *parse_canonical(slurp(d + "/partials-1.json"));
    p["scrutins"][0]["options"][0]["d"] = p1["scrutins"][0]["options"][0]["d"];
    write_file(d + "/partials-2.json", canonical_dump(p));
  }
  const std::string record = d + "/record";
  Ran combined = cli(d, {"tally", "combine", "--board", board, "--out", record,
                         d + "/partials-1.json", d + "/partials-2.json", d + "/partials-3.json"});
  ASSERT_EQ(combined.code, 0) << combined.err;
  EXPECT_NE(combined.err.find("trustee 2"), std::string::npos) << combined.err;

  // The election officer counts from the urn in one step (the same partials,
  // the same set aside) and publishes: the same record as anyone's.
  Ran counted = admin(d, {"--data-dir", data, "tally", d + "/official", d + "/partials-1.json",
                          d + "/partials-2.json", d + "/partials-3.json"});
  ASSERT_EQ(counted.code, 0) << counted.err;
  EXPECT_NE(counted.err.find("set aside: trustee 2"), std::string::npos) << counted.err;
  for (const char* f : {"tally.json", "results.json", "ballots.jsonl", "tree_head.json"}) {
    EXPECT_EQ(slurp(d + "/official/" + f), slurp(record + "/" + f)) << f;
  }
  auto results = get(port, "/api/v1/record/results.json");
  ASSERT_TRUE(results);
  ASSERT_EQ(results->status, 200);
  EXPECT_EQ(results->body, slurp(record + "/results.json"));
  const Json counts = parse(results->body)["scrutins"][0]["counts"];
  EXPECT_EQ(counts[0]["count"], 3);
  EXPECT_EQ(counts[1]["count"], 2);

  auto archive = get(port, "/api/v1/record/record.tar.gz");
  ASSERT_TRUE(archive);
  ASSERT_EQ(archive->status, 200);
  write_file(d + "/record.tar.gz", archive->body);
  ASSERT_EQ(std::system(("mkdir -p " + d + "/unpacked && tar -xzf " + d + "/record.tar.gz -C " + d +
                         "/unpacked")
                            .c_str()),
            0);
  Ran verified = cli(d, {"record", "verify", d + "/unpacked/men-2022-record"});
  ASSERT_EQ(verified.code, 0) << verified.out << verified.err;
  EXPECT_NE(verified.out.find("ballots: 5"), std::string::npos) << verified.out;
  EXPECT_NE(verified.out.find(scrutin.options[0].id + ": 3"), std::string::npos) << verified.out;

  // The bureau de vote's documents: the émargement list and the
  // procès-verbal, from the urn while the server runs.
  Ran csv = admin(d, {"--data-dir", data, "emargements", "csv", d + "/emargements.csv"});
  ASSERT_EQ(csv.code, 0) << csv.err;
  const std::string list = slurp(d + "/emargements.csv");
  for (const Voter& v : voters) EXPECT_NE(list.find(v.identifier), std::string::npos) << list;
  EXPECT_NE(list.find(scrutin.title), std::string::npos) << list;
  Ran pdf = admin(d, {"--data-dir", data, "emargements", "pdf", d + "/emargements.pdf"});
  ASSERT_EQ(pdf.code, 0) << pdf.err;
  Ran pv = admin(d, {"--data-dir", data, "report", d + "/pv.pdf"});
  ASSERT_EQ(pv.code, 0) << pv.err;
  ASSERT_EQ(std::system(("pdftotext -layout " + d + "/pv.pdf " + d + "/pv.txt").c_str()), 0);
  const std::string text = slurp(d + "/pv.txt");
  EXPECT_NE(text.find("Procès-verbal"), std::string::npos) << text;
  EXPECT_NE(text.find(manifest.hash_b64), std::string::npos) << text;
  EXPECT_NE(text.find(scrutin.options[0].label), std::string::npos) << text;
  ASSERT_EQ(std::system(
                ("pdftotext -layout " + d + "/emargements.pdf " + d + "/emargements.txt").c_str()),
            0);
  EXPECT_NE(slurp(d + "/emargements.txt").find(voters[4].identifier), std::string::npos);

  // Publishing twice is refused; the server still serves.
  Ran again = admin(d, {"--data-dir", data, "record", "publish", record});
  EXPECT_EQ(again.code, 1);
  EXPECT_NE(again.err.find("already_published"), std::string::npos) << again.err;
  EXPECT_EQ(server.stop(), 0);
}

}  // namespace
}  // namespace isoloir::server::test

// `isoloir trustee decrypt` and `isoloir tally combine` driven as trustees and
// the bureau de vote drive them (docs/election-end.md section 4): a board
// directory from a synthetic record, partials files, the record they make,
// and `isoloir record verify` on it.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <utility>
#include <vector>

#include "isoloir/canonical_json.h"
#include "isoloir/closing.h"
#include "isoloir/key_file.h"
#include "isoloir/manifest.h"
#include "isoloir/random.h"
#include "isoloir/record.h"
#include "isoloir/tree_head.h"
#include "synthetic_record.h"
#include "vectors.h"

extern char** environ;

namespace isoloir {
namespace {

namespace fs = std::filesystem;

struct Outcome {
  int code = -1;
  std::string out;
  std::string err;
};

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

class TallyCli : public ::testing::Test {
 protected:
  void SetUp() override {
    for (fs::path* d : {&dir_, &io_}) {
      std::string pattern = (fs::temp_directory_path() / "isoloir-tally-cli-XXXXXX").string();
      ASSERT_NE(mkdtemp(pattern.data()), nullptr);
      *d = pattern;
    }
  }
  void TearDown() override {
    std::error_code ec;
    fs::remove_all(dir_, ec);
    fs::remove_all(io_, ec);
  }

  static void write(const fs::path& path, const std::string& content) {
    std::ofstream(path, std::ios::binary) << content;
  }

  // Runs the tool with `args`, `stdin_data` on its standard input.
  Outcome run(const std::vector<std::string>& args, const std::string& stdin_data = "") {
    const std::string in = (io_ / "stdin").string();
    write(in, stdin_data);
    const std::string out = (io_ / "stdout").string();
    const std::string err = (io_ / "stderr").string();
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 0, in.c_str(), O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&fa, 1, out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    posix_spawn_file_actions_addopen(&fa, 2, err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    std::vector<std::string> owned = {ISOLOIR_CLI};
    owned.insert(owned.end(), args.begin(), args.end());
    std::vector<char*> argv;
    for (std::string& a : owned) argv.push_back(a.data());
    argv.push_back(nullptr);
    Outcome r;
    pid_t pid = 0;
    const int spawned = posix_spawn(&pid, ISOLOIR_CLI, &fa, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&fa);
    EXPECT_EQ(spawned, 0);
    if (spawned != 0) return r;
    int status = 0;
    waitpid(pid, &status, 0);
    r.code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    r.out = test::read_file(out);
    r.err = test::read_file(err);
    return r;
  }

  // The board directory of a synthetic record: the five record files, the
  // close and the aggregates, as the board serves them.
  std::string make_board(const synth::Options& o) {
    auto r = synth::make_record(o);
    EXPECT_TRUE(r) << r.error().message();
    record_ = std::move(*r);
    const fs::path board = dir_ / "board";
    fs::create_directory(board);
    const RecordFiles& f = record_.files;
    for (const auto& [name, bytes] : {std::pair{"manifest.json", &f.manifest},
                                      {"trustees.json", &f.trustees},
                                      {"credentials.json", &f.credentials},
                                      {"ballots.jsonl", &f.ballots},
                                      {"tree_head.json", &f.tree_head},
                                      {"close.json", &record_.close},
                                      {"aggregates.json", &record_.aggregates}}) {
      write(board / name, *bytes);
    }
    return board.string();
  }

  // Trustee j's partials file, made by the core (what `trustee decrypt` writes).
  std::string partials_file(uint32_t j) {
    const RecordFiles& f = record_.files;
    auto board =
        verify_board(BoardFiles{f.manifest, f.trustees, f.credentials, f.ballots, f.tree_head});
    EXPECT_TRUE(board);
    SystemScalarSource rng;
    auto bytes = make_partials(board->manifest, board->trustees, board->aggregates, j,
                               record_.key_shares[j - 1], rng);
    EXPECT_TRUE(bytes);
    const fs::path path = dir_ / ("partials-" + std::to_string(j) + ".json");
    write(path, *bytes);
    return path.string();
  }

  // Trustee j's share key file (Argon2id at libsodium's "interactive" level,
  // for speed), as `trustee finish` writes it.
  std::string share_key_file(uint32_t j, const std::string& passphrase) {
    const Manifest m = parse_manifest(record_.files.manifest).value();
    ShareKey key{m.id, j, record_.key_shares[j - 1], Point::base_mul(record_.key_shares[j - 1])};
    auto text = seal_share_key_file(key, passphrase, kdf_limits("interactive").value());
    EXPECT_TRUE(text) << text.error().message();
    const fs::path path = dir_ / ("share-" + std::to_string(j) + ".key");
    write(path, *text);
    return path.string();
  }

  // `isoloir trustee decrypt` by trustee j, its passphrase on standard input.
  Outcome decrypt(const std::string& board, uint32_t j, const std::string& out) {
    const std::string key = share_key_file(j, "phrase " + std::to_string(j));
    return run({"trustee", "decrypt", "--share-key-file", key, "--board", board, "--out", out},
               "phrase " + std::to_string(j) + "\n");
  }

  // The counts of `record verify` (or combine) output, from the synthetic record's votes.
  std::string expected_counts() const {
    std::string out;
    for (const RecordScrutinResult& r : record_.results) {
      out += "scrutin " + r.scrutin + ": " + std::to_string(r.ballots) + " ballots\n";
      for (const RecordCount& c : r.counts) {
        out += "  " + c.option + ": " + std::to_string(c.count) + "\n";
      }
    }
    return out;
  }

  fs::path dir_;
  fs::path io_;
  synth::Record record_;
};

TEST_F(TallyCli, HelpListsTheCommands) {
  Outcome r = run({"--help"});
  EXPECT_EQ(r.code, 0);
  EXPECT_TRUE(contains(r.out, "isoloir trustee decrypt --share-key-file")) << r.out;
  EXPECT_TRUE(contains(r.out, "isoloir tally combine --board DIR --out RECORD_DIR")) << r.out;
  Outcome missing = run({"tally", "combine", "--board", "b", "--out", "o"});
  EXPECT_EQ(missing.code, 2);
  EXPECT_TRUE(contains(missing.err, "missing argument")) << missing.err;
}

TEST_F(TallyCli, CombineWritesARecordThatVerifies) {
  const std::string board = make_board(opts(12, 2, 4, 2, 7));
  const std::string p1 = partials_file(1);
  const std::string p3 = partials_file(3);
  const std::string out = (dir_ / "record").string();
  Outcome c = run({"tally", "combine", "--board", board, "--out", out, p3, p1});
  ASSERT_EQ(c.code, 0) << c.out << c.err;
  EXPECT_EQ(c.err, "");
  EXPECT_TRUE(contains(c.out, expected_counts())) << c.out;
  EXPECT_TRUE(contains(c.out, "trustees: 1, 3\n")) << c.out;
  for (const char* name : {"manifest.json", "trustees.json", "credentials.json", "ballots.jsonl",
                           "tree_head.json", "tally.json", "results.json"}) {
    EXPECT_TRUE(fs::exists(fs::path(out) / name)) << name;
  }
  EXPECT_EQ(test::read_file((fs::path(out) / "results.json").string()), record_.files.results);
  EXPECT_EQ(test::read_file((fs::path(out) / "ballots.jsonl").string()), record_.files.ballots);

  Outcome v = run({"record", "verify", out});
  ASSERT_EQ(v.code, 0) << v.out << v.err;
  EXPECT_TRUE(contains(v.out, expected_counts())) << v.out;

  // The record directory is never written over.
  Outcome again = run({"tally", "combine", "--board", board, "--out", out, p3, p1});
  EXPECT_EQ(again.code, 2);
  EXPECT_EQ(again.out, "");
  EXPECT_TRUE(contains(again.err, "not an empty directory")) << again.err;
}

TEST_F(TallyCli, CombineSetsAsideABadFileAndNamesIt) {
  const std::string board = make_board(opts(8, 1, 3, 2, 8));
  const std::string p1 = partials_file(1);
  const std::string p2 = partials_file(2);
  const std::string p3 = partials_file(3);
  // Trustee 2's first proof broken.
  Json doc = parse_canonical(test::read_file(p2)).value();
  doc["scrutins"][0]["options"][0]["proof"]["s"] = doc["scrutins"][0]["options"][0]["proof"]["c"];
  write(p2, canonical_dump(doc));
  const std::string out = (dir_ / "record").string();
  Outcome c = run({"tally", "combine", "--board", board, "--out", out, p1, p2, p3});
  ASSERT_EQ(c.code, 0) << c.out << c.err;
  EXPECT_TRUE(contains(c.err, "set aside: trustee 2 (" + p2 + "): bad_decryption_proof")) << c.err;
  EXPECT_TRUE(contains(c.out, "trustees: 1, 3\n")) << c.out;
  EXPECT_EQ(run({"record", "verify", out}).code, 0);
}

TEST_F(TallyCli, CombineRefusesFewerThanTAndWritesNothing) {
  const std::string board = make_board(opts(6, 1, 3, 2, 9));
  const std::string p2 = partials_file(2);
  const std::string out = (dir_ / "record").string();
  Outcome c = run({"tally", "combine", "--board", board, "--out", out, p2});
  EXPECT_EQ(c.code, 1);
  EXPECT_EQ(c.out, "refused: not_enough_partials\n");
  EXPECT_TRUE(contains(c.err, "missing trustees 1, 3")) << c.err;
  EXPECT_FALSE(fs::exists(out));
}

TEST_F(TallyCli, CombineRefusesABoardWhoseAggregatesDiffer) {
  const std::string board = make_board(opts(6, 1, 3, 2, 10));
  const std::string p1 = partials_file(1);
  const std::string p2 = partials_file(2);
  Json doc = parse_canonical(record_.aggregates).value();
  doc["scrutins"][0]["options"][2]["beta"] = doc["scrutins"][0]["options"][0]["beta"];
  write(fs::path(board) / "aggregates.json", canonical_dump(doc));
  const std::string out = (dir_ / "record").string();
  Outcome c = run({"tally", "combine", "--board", board, "--out", out, p1, p2});
  EXPECT_EQ(c.code, 1);
  EXPECT_EQ(c.out, "refused: aggregates_differ\n");
  EXPECT_TRUE(contains(c.err, "scrutin scrutin-1 option blank")) << c.err;
  EXPECT_FALSE(fs::exists(out));
}

TEST_F(TallyCli, CombineRefusesABoardWithoutItsClose) {
  const std::string board = make_board(opts(6, 1, 3, 2, 11));
  const std::string p1 = partials_file(1);
  const std::string p2 = partials_file(2);
  const std::string out = (dir_ / "record").string();
  // The close of another election.
  auto other = synth::make_record(opts(2, 1, 3, 2, 12));
  ASSERT_TRUE(other);
  write(fs::path(board) / "close.json", other->close);
  Outcome c = run({"tally", "combine", "--board", board, "--out", out, p1, p2});
  EXPECT_EQ(c.code, 1);
  EXPECT_EQ(c.out, "refused: wrong_election\n");
  // No close at all.
  fs::remove(fs::path(board) / "close.json");
  Outcome none = run({"tally", "combine", "--board", board, "--out", out, p1, p2});
  EXPECT_EQ(none.code, 2);
  EXPECT_TRUE(contains(none.err, "close.json")) << none.err;
  EXPECT_FALSE(fs::exists(out));
}

// --- trustee decrypt -------------------------------------------------------------

TEST_F(TallyCli, DecryptByThreeTrusteesThenCombineThenVerify) {
  const std::string board = make_board(opts(10, 2, 4, 3, 21));
  std::vector<std::string> files;
  for (uint32_t j : {4U, 1U, 2U}) {
    const std::string out = (dir_ / ("partials-" + std::to_string(j) + ".json")).string();
    Outcome d = decrypt(board, j, out);
    ASSERT_EQ(d.code, 0) << d.out << d.err;
    EXPECT_TRUE(contains(d.out, "trustee " + std::to_string(j) + " partials: " + out)) << d.out;
    EXPECT_EQ(d.err, "");
    const Json doc = parse_canonical(test::read_file(out)).value();
    EXPECT_EQ(doc["kind"], "partials");
    EXPECT_EQ(doc["trustee"], j);
    files.push_back(out);
  }
  const std::string record = (dir_ / "record").string();
  std::vector<std::string> args = {"tally", "combine", "--board", board, "--out", record};
  args.insert(args.end(), files.begin(), files.end());
  Outcome c = run(args);
  ASSERT_EQ(c.code, 0) << c.out << c.err;
  EXPECT_TRUE(contains(c.out, "trustees: 1, 2, 4\n")) << c.out;

  Outcome v = run({"record", "verify", record});
  ASSERT_EQ(v.code, 0) << v.out << v.err;
  EXPECT_TRUE(contains(v.out, expected_counts())) << v.out;
  EXPECT_EQ(test::read_file((fs::path(record) / "results.json").string()), record_.files.results);
}

TEST_F(TallyCli, DecryptRefusesAggregatesThatAreNotTheBallots) {
  const std::string board = make_board(opts(8, 2, 3, 2, 22));
  Json doc = parse_canonical(record_.aggregates).value();
  doc["scrutins"][1]["options"][1]["alpha"] = doc["scrutins"][1]["options"][0]["alpha"];
  write(fs::path(board) / "aggregates.json", canonical_dump(doc));
  const std::string out = (dir_ / "partials-1.json").string();
  Outcome d = decrypt(board, 1, out);
  EXPECT_EQ(d.code, 1);
  EXPECT_EQ(d.out, "refused: aggregates_differ\n");
  EXPECT_TRUE(contains(d.err, "scrutin scrutin-2 option liste-2")) << d.err;
  EXPECT_FALSE(fs::exists(out));

  // A mistyped passphrase is said first, before the board is checked.
  Outcome typo = run({"trustee", "decrypt", "--share-key-file", share_key_file(1, "right"),
                      "--board", board, "--out", out},
                     "wrong\n");
  EXPECT_EQ(typo.code, 2);
  EXPECT_TRUE(contains(typo.err, "bad_passphrase")) << typo.err;
  EXPECT_FALSE(contains(typo.out + typo.err, "aggregates_differ")) << typo.out << typo.err;
}

TEST_F(TallyCli, DecryptRefusesACloseOfAnotherTreeHead) {
  const std::string board = make_board(opts(6, 1, 3, 2, 23));
  // tree_head.json re-signed a minute later: valid, but not the close's.
  const Manifest m = parse_manifest(record_.files.manifest).value();
  const TreeHead head = verify_tree_head(record_.files.tree_head, m.server_key, m.hash_b64).value();
  const SigningKey server = SigningKey::from_seed(record_.server_seed);
  write(fs::path(board) / "tree_head.json",
        sign_tree_head(server, m.hash_b64, head.size, head.root,
                       Timestamp::from_unix(head.timestamp.seconds - 60))
            .bytes);
  const std::string out = (dir_ / "partials-1.json").string();
  Outcome d = decrypt(board, 1, out);
  EXPECT_EQ(d.code, 1);
  EXPECT_EQ(d.out, "refused: bad_close\n");
  EXPECT_TRUE(contains(d.err, "tree_head.json")) << d.err;
  EXPECT_FALSE(fs::exists(out));
}

TEST_F(TallyCli, DecryptRefusesAWrongPassphraseAndAnExistingOutput) {
  const std::string board = make_board(opts(6, 1, 3, 2, 24));
  const std::string key = share_key_file(2, "right");
  const std::string out = (dir_ / "partials-2.json").string();
  Outcome wrong = run(
      {"trustee", "decrypt", "--share-key-file", key, "--board", board, "--out", out}, "wrong\n");
  EXPECT_EQ(wrong.code, 2);
  EXPECT_EQ(wrong.out, "");
  EXPECT_TRUE(contains(wrong.err, "bad_passphrase")) << wrong.err;
  EXPECT_FALSE(fs::exists(out));

  write(out, "mine");
  Outcome exists = run(
      {"trustee", "decrypt", "--share-key-file", key, "--board", board, "--out", out}, "right\n");
  EXPECT_EQ(exists.code, 2);
  EXPECT_EQ(test::read_file(out), "mine");
}

TEST_F(TallyCli, DecryptRefusesAKeyOfAnotherElection) {
  const std::string other_board = make_board(opts(2, 1, 3, 2, 25));
  const std::string other_key = share_key_file(1, "p");
  fs::rename(other_board, dir_ / "other-board");
  const std::string board = make_board(opts(6, 1, 3, 2, 26));
  const std::string out = (dir_ / "partials-1.json").string();
  Outcome d = run(
      {"trustee", "decrypt", "--share-key-file", other_key, "--board", board, "--out", out}, "p\n");
  EXPECT_EQ(d.code, 1);
  EXPECT_EQ(d.out, "refused: wrong_election\n");
  EXPECT_FALSE(fs::exists(out));
}

}  // namespace
}  // namespace isoloir

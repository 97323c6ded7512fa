// The key ceremony through the isoloir tool, as trustees run it: each round of
// each trustee a separate process with its own key file, the passphrase piped
// on standard input, public round files carried between them. Checks the
// transcript with the core's own reader, and that a cheating trustee is named
// and stops the round with nothing written.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <set>
#include <string>
#include <vector>

#include "isoloir/canonical_json.h"
#include "isoloir/ceremony.h"
#include "isoloir/key_file.h"
#include "isoloir/random.h"
#include "isoloir/trustees.h"
#include "vectors.h"

extern char** environ;

namespace isoloir {
namespace {

namespace fs = std::filesystem;

constexpr char kElection[] = "cse-2027-ceremony";

struct Outcome {
  int code = -1;
  std::string out;
  std::string err;
};

std::string pass(uint32_t i) {
  return "passphrase of trustee " + std::to_string(i);
}

class TrusteeCli : public ::testing::Test {
 protected:
  void SetUp() override {
    for (fs::path* d : {&dir_, &io_}) {
      std::string pattern = (fs::temp_directory_path() / "isoloir-trustee-XXXXXX").string();
      ASSERT_NE(mkdtemp(pattern.data()), nullptr);
      *d = pattern;
    }
  }
  void TearDown() override {
    std::error_code ec;
    fs::remove_all(dir_, ec);
    fs::remove_all(io_, ec);
  }

  std::string path(const std::string& name) const { return (dir_ / name).string(); }
  bool exists(const std::string& name) const { return fs::exists(dir_ / name); }
  std::string read(const std::string& name) const { return test::read_file(path(name)); }
  void write(const std::string& name, const std::string& content) const {
    std::ofstream(path(name), std::ios::binary | std::ios::trunc) << content;
  }
  std::set<std::string> listing() const {
    std::set<std::string> names;
    for (const auto& e : fs::directory_iterator(dir_)) names.insert(e.path().filename().string());
    return names;
  }
  Json json(const std::string& name) const {
    auto doc = parse_json(read(name));
    EXPECT_TRUE(doc.ok()) << name;
    return doc.ok() ? *doc : Json();
  }
  // Every file of `kind` for trustees 1..n: commitment-1.json ...
  std::vector<std::string> files(const std::string& kind, uint32_t n) const {
    std::vector<std::string> out;
    for (uint32_t i = 1; i <= n; ++i) out.push_back(path(kind + "-" + std::to_string(i) + ".json"));
    return out;
  }

  // Runs the tool with `args`, `stdin_data` on its standard input; its
  // standard streams are files outside the directory the tests list.
  Outcome run(const std::vector<std::string>& args, const std::string& stdin_data = "") {
    const std::string in = (io_ / "stdin").string();
    std::ofstream(in, std::ios::binary | std::ios::trunc) << stdin_data;
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
    EXPECT_EQ(spawned, 0) << "cannot run " << ISOLOIR_CLI;
    if (spawned != 0) return r;
    int status = 0;
    waitpid(pid, &status, 0);
    r.code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    r.out = test::read_file(out);
    r.err = test::read_file(err);
    return r;
  }

  Outcome init(uint32_t i, uint32_t n, uint32_t t) {
    const std::string s = std::to_string(i);
    return run({"trustee", "init", "--election-id", kElection, "--index", s, "--trustees",
                std::to_string(n), "--threshold", std::to_string(t), "--name", "Trustee " + s,
                "--key-file", path("ceremony-" + s + ".key"), "--out",
                path("commitment-" + s + ".json"), "--kdf", "interactive"},
               pass(i) + "\n");
  }
  Outcome shares(uint32_t i, uint32_t n) {
    const std::string s = std::to_string(i);
    std::vector<std::string> args = {"trustee",    "shares",
                                     "--key-file", path("ceremony-" + s + ".key"),
                                     "--out",      path("shares-" + s + ".json")};
    for (const std::string& f : files("commitment", n)) args.push_back(f);
    return run(args, pass(i) + "\n");
  }
  Outcome finish(uint32_t i, uint32_t n) {
    const std::string s = std::to_string(i);
    std::vector<std::string> args = {"trustee",
                                     "finish",
                                     "--key-file",
                                     path("ceremony-" + s + ".key"),
                                     "--share-key-file",
                                     path("share-" + s + ".key"),
                                     "--out",
                                     path("verification-key-" + s + ".json"),
                                     "--kdf",
                                     "interactive"};
    // Shares before commitments: the tool sorts them by kind.
    for (const std::string& f : files("shares", n)) args.push_back(f);
    for (const std::string& f : files("commitment", n)) args.push_back(f);
    return run(args, pass(i) + "\n");
  }
  Outcome combine(uint32_t n) {
    std::vector<std::string> args = {"trustees", "combine", "--out", path("trustees.json")};
    for (const char* kind : {"verification-key", "commitment", "shares"}) {
      for (const std::string& f : files(kind, n)) args.push_back(f);
    }
    return run(args);
  }

  void round_one(uint32_t n, uint32_t t) {
    for (uint32_t i = 1; i <= n; ++i) {
      Outcome r = init(i, n, t);
      ASSERT_EQ(r.code, 0) << i << ": " << r.err;
    }
  }
  void round_two(uint32_t n) {
    for (uint32_t i = 1; i <= n; ++i) {
      Outcome r = shares(i, n);
      ASSERT_EQ(r.code, 0) << i << ": " << r.out << r.err;
    }
  }
  void round_three(uint32_t n) {
    for (uint32_t i = 1; i <= n; ++i) {
      Outcome r = finish(i, n);
      ASSERT_EQ(r.code, 0) << i << ": " << r.out << r.err;
    }
  }

  mode_t mode(const std::string& name) const {
    struct stat st {};
    EXPECT_EQ(::stat(path(name).c_str(), &st), 0) << name;
    return st.st_mode & 0777;
  }

  fs::path dir_;
  fs::path io_;
};

TEST_F(TrusteeCli, ThreeOfFiveCeremonyAcrossProcesses) {
  round_one(5, 3);
  round_two(5);
  round_three(5);
  Outcome r = combine(5);
  ASSERT_EQ(r.code, 0) << r.out << r.err;

  auto trustees = load_trustees(json("trustees.json"));
  ASSERT_TRUE(trustees.ok()) << trustees.error().message();
  EXPECT_EQ(trustees->election_id, kElection);
  EXPECT_EQ(trustees->threshold, 3u);
  ASSERT_EQ(trustees->trustees.size(), 5u);
  EXPECT_EQ(trustees->shares.size(), 20u);
  EXPECT_EQ(trustees->trustees[3].name, "Trustee 4");
  // Written canonical, as the record wants it.
  EXPECT_EQ(canonical_dump(json("trustees.json")), read("trustees.json"));
  // The printed key is the transcript's.
  EXPECT_EQ(r.out.rfind("public_key: " + trustees->public_key.to_base64url() + "\n", 0), 0u)
      << r.out;

  for (uint32_t i = 1; i <= 5; ++i) {
    const std::string s = std::to_string(i);
    EXPECT_EQ(mode("ceremony-" + s + ".key"), 0600u);
    EXPECT_EQ(mode("share-" + s + ".key"), 0600u);
    EXPECT_EQ(mode("commitment-" + s + ".json"), 0644u);
    // Each share key opens with its trustee's passphrase and holds x_i for h_i.
    auto key = open_share_key_file(read("share-" + s + ".key"), pass(i));
    ASSERT_TRUE(key.ok()) << key.error().message();
    EXPECT_EQ(key->index, i);
    EXPECT_EQ(key->election_id, kElection);
    EXPECT_EQ(key->verification_key, trustees->find(i)->verification_key);
    EXPECT_EQ(Point::base_mul(key->key_share), key->verification_key);
  }
}

TEST_F(TrusteeCli, ABadProofOfKnowledgeIsNamedAndNothingIsWritten) {
  round_one(3, 2);
  // Trustee 2's proof altered: s replaced by another valid scalar.
  Json c2 = json("commitment-2.json");
  c2["pok"]["s"] = c2["pok"]["c"];
  write("commitment-2.json", canonical_dump(c2));
  const std::set<std::string> before = listing();
  Outcome r = shares(1, 3);
  EXPECT_EQ(r.code, 1) << r.err;
  EXPECT_EQ(r.out, "refused: bad_pok\n");
  EXPECT_NE(r.err.find("trustee 2 (Trustee 2)"), std::string::npos) << r.err;
  EXPECT_EQ(listing(), before);
}

TEST_F(TrusteeCli, ABadShareNamesItsSenderAndNothingIsWritten) {
  round_one(3, 2);
  round_two(3);
  // Trustee 3 re-seals a wrong value to trustee 1, with trustee 1's box key.
  auto c1 = parse_commitment(json("commitment-1.json"));
  ASSERT_TRUE(c1.ok());
  Json s3 = json("shares-3.json");
  auto wrong = seal_share(random_scalar(), c1->box_key);
  ASSERT_TRUE(wrong.ok());
  ASSERT_EQ(s3["shares"][0]["to"], 1);
  s3["shares"][0]["sealed"] = base64url_encode(*wrong);
  write("shares-3.json", canonical_dump(s3));
  const std::set<std::string> before = listing();
  Outcome r = finish(1, 3);
  EXPECT_EQ(r.code, 1) << r.err;
  EXPECT_EQ(r.out, "refused: bad_share\n");
  EXPECT_EQ(r.err.rfind("trustee 3 (Trustee 3) sent trustee 1 a bad share", 0), 0u) << r.err;
  EXPECT_EQ(listing(), before);
  // Trustee 2's share from 3 is untouched: it finishes.
  Outcome ok = finish(2, 3);
  EXPECT_EQ(ok.code, 0) << ok.err;
}

TEST_F(TrusteeCli, AWrongVerificationKeyIsNamedAndNothingIsWritten) {
  round_one(3, 2);
  round_two(3);
  round_three(3);
  Json v2 = json("verification-key-2.json");
  v2["verification_key"] = json("verification-key-3.json")["verification_key"];
  write("verification-key-2.json", canonical_dump(v2));
  Outcome r = combine(3);
  EXPECT_EQ(r.code, 1);
  EXPECT_EQ(r.out, "refused: bad_verification_key\n");
  EXPECT_EQ(r.err.rfind("trustee 2 (Trustee 2)", 0), 0u) << r.err;
  EXPECT_FALSE(exists("trustees.json"));
  // A missing file is named too.
  fs::remove(path("verification-key-2.json"));
  std::vector<std::string> args = {"trustees", "combine", "--out", path("trustees.json")};
  for (const char* kind : {"commitment", "shares"}) {
    for (const std::string& f : files(kind, 3)) args.push_back(f);
  }
  args.push_back(path("verification-key-1.json"));
  args.push_back(path("verification-key-3.json"));
  Outcome missing = run(args);
  EXPECT_EQ(missing.code, 1);
  EXPECT_EQ(missing.err, "trustee 2: no verification key\n");
  EXPECT_FALSE(exists("trustees.json"));
}

TEST_F(TrusteeCli, KeyFilesAreSecretAndNeverOverwritten) {
  ASSERT_EQ(init(1, 2, 2).code, 0);
  EXPECT_EQ(mode("ceremony-1.key"), 0600u);
  const std::string key = read("ceremony-1.key");
  const std::string commitment = read("commitment-1.json");
  // The same trustee again: both outputs exist.
  Outcome again = init(1, 2, 2);
  EXPECT_EQ(again.code, 2);
  EXPECT_NE(again.err.find("already exists"), std::string::npos) << again.err;
  EXPECT_EQ(read("ceremony-1.key"), key);
  // Only the commitment's name is taken: the new key file is not made either.
  Outcome clash = run({"trustee", "init", "--election-id", kElection, "--index", "2", "--trustees",
                       "2", "--threshold", "2", "--name", "Two", "--key-file", path("other.key"),
                       "--out", path("commitment-1.json"), "--kdf", "interactive"},
                      pass(2) + "\n");
  EXPECT_EQ(clash.code, 2);
  EXPECT_FALSE(exists("other.key"));
  EXPECT_EQ(read("commitment-1.json"), commitment);
  EXPECT_EQ(listing(), (std::set<std::string>{"ceremony-1.key", "commitment-1.json"}));
}

TEST_F(TrusteeCli, AWrongPassphraseExitsTwoAndWritesNothing) {
  round_one(2, 1);
  const std::set<std::string> before = listing();
  std::vector<std::string> args = {
      "trustee", "shares", "--key-file", path("ceremony-1.key"), "--out", path("shares-1.json")};
  for (const std::string& f : files("commitment", 2)) args.push_back(f);
  Outcome wrong = run(args, pass(2) + "\n");
  EXPECT_EQ(wrong.code, 2);
  EXPECT_NE(wrong.err.find("bad_passphrase"), std::string::npos) << wrong.err;
  EXPECT_EQ(wrong.out, "");
  Outcome empty = run(args, "\n");
  EXPECT_EQ(empty.code, 2);
  EXPECT_NE(empty.err.find("empty passphrase"), std::string::npos) << empty.err;
  Outcome too_long = run(args, std::string(2000, 'p') + "\n");
  EXPECT_EQ(too_long.code, 2);
  EXPECT_NE(too_long.err.find("over 1024 bytes"), std::string::npos) << too_long.err;
  EXPECT_EQ(listing(), before);
  // The right one, with a CRLF line ending and more lines after it.
  Outcome right = run(args, pass(1) + "\r\nsomething else\n");
  EXPECT_EQ(right.code, 0) << right.err;
}

TEST_F(TrusteeCli, AnotherTrusteesKeyFileIsRefused) {
  round_one(2, 2);
  // Trustee 1's key file with trustee 2's commitment swapped for a stranger's.
  fs::rename(path("commitment-1.json"), path("mine.json"));
  ASSERT_EQ(run({"trustee", "init", "--election-id", kElection, "--index", "1", "--trustees", "2",
                 "--threshold", "2", "--name", "Stranger", "--key-file", path("stranger.key"),
                 "--out", path("commitment-1.json"), "--kdf", "interactive"},
                "x\n")
                .code,
            0);
  Outcome r = shares(1, 2);
  EXPECT_EQ(r.code, 1);
  EXPECT_EQ(r.out, "refused: not_mine\n");
  EXPECT_FALSE(exists("shares-1.json"));
}

TEST_F(TrusteeCli, UsageMistakesExitTwo) {
  const std::vector<std::vector<std::string>> mistakes = {
      {"trustee", "init", "--election-id", "e", "--index", "0", "--trustees", "3", "--threshold",
       "2", "--name", "A", "--key-file", path("k"), "--out", path("c")},
      {"trustee", "init", "--election-id", "e", "--index", "1", "--trustees", "3", "--threshold",
       "4", "--name", "A", "--key-file", path("k"), "--out", path("c")},
      {"trustee", "init", "--election-id", "e", "--index", "1", "--trustees", "3", "--threshold",
       "2", "--name", "A", "--key-file", path("k"), "--out", path("c"), "--kdf", "fast"},
      {"trustee", "init", "--election-id", "e", "--index", "1", "--trustees", "3", "--threshold",
       "2", "--name", "A", "--key-file", path("k"), "--out", path("k")},
      {"trustee", "shares", "--key-file", path("k"), "--out", path("s")},
      {"trustee", "shares", "--key-file", path("k"), "--out", path("s"), "-"},
      {"trustee", "shares", "--key-file", path("k"), "--out", path("s"), path("absent.json")},
      {"trustee", "finish", "--key-file", path("k"), "--share-key-file", path("x"), "--out",
       path("v"), path("absent.json")},
      {"trustees", "combine", "--out", path("t"), path("a"), path("b")},
  };
  for (const auto& args : mistakes) {
    Outcome r = run(args, "p\n");
    EXPECT_EQ(r.code, 2) << args[1] << " " << r.err;
    EXPECT_EQ(r.out, "");
  }
  EXPECT_TRUE(listing().empty());
  Outcome help = run({"--help"});
  for (const char* c : {"trustee init", "trustee shares", "trustee finish", "trustees combine"}) {
    EXPECT_NE(help.out.find(c), std::string::npos) << c;
  }
}

TEST_F(TrusteeCli, ADocumentOfAnotherKindIsRefusedNamingTheFile) {
  round_one(2, 2);
  round_two(2);
  std::vector<std::string> args = {"trustee",
                                   "shares",
                                   "--key-file",
                                   path("ceremony-1.key"),
                                   "--out",
                                   path("again.json"),
                                   path("commitment-1.json"),
                                   path("shares-2.json")};
  Outcome r = run(args, pass(1) + "\n");
  EXPECT_EQ(r.code, 1);
  EXPECT_EQ(r.out, "refused: wrong_kind\n");
  EXPECT_NE(r.err.find("shares-2.json"), std::string::npos) << r.err;
  EXPECT_FALSE(exists("again.json"));
}

}  // namespace
}  // namespace isoloir

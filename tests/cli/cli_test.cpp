// The isoloir command-line tool, driven as a user drives it: arguments, files
// and standard input in; standard output, standard error and the exit status
// out. The expected values come from ../shared/vectors.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <regex>
#include <string>
#include <vector>

#include "isoloir/ballot.h"
#include "isoloir/canonical_json.h"
#include "isoloir/vote_code.h"
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

class Cli : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = (fs::temp_directory_path() / "isoloir-cli-XXXXXX").string();
    ASSERT_NE(mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
  }
  void TearDown() override {
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }

  // A file in this test's directory holding exactly `content`.
  std::string file(const std::string& name, const std::string& content) {
    const std::string path = (dir_ / name).string();
    std::ofstream(path, std::ios::binary) << content;
    return path;
  }

  // Runs the tool with `args`, `stdin_data` on its standard input.
  Outcome run(const std::vector<std::string>& args, const std::string& stdin_data = "") {
    const std::string in = file("stdin", stdin_data);
    const std::string out = (dir_ / "stdout").string();
    const std::string err = (dir_ / "stderr").string();
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

  fs::path dir_;
  const std::string manifest_ = test::vector_path("record/manifest.json");
};

const std::string kCode = "D7ZZV-RHNQ7-94R0R-YB8EW";  // vote_codes.json codes[0]

// --- Help and usage -------------------------------------------------------------

TEST_F(Cli, HelpListsEveryCommand) {
  Outcome r = run({"--help"});
  EXPECT_EQ(r.code, 0);
  for (const char* c : {"manifest hash", "ballot create", "ballot verify", "code new",
                        "code credential", "receipt verify"}) {
    EXPECT_NE(r.out.find(c), std::string::npos) << c;
  }
  Outcome sub = run({"ballot", "create", "--help"});
  EXPECT_EQ(sub.code, 0);
  EXPECT_NE(sub.out.find("--choice"), std::string::npos);
  EXPECT_EQ(sub.err, "");
}

TEST_F(Cli, UsageMistakesExitTwoWithoutOutput) {
  const std::vector<std::vector<std::string>> mistakes = {
      {},
      {"vote"},
      {"ballot"},
      {"ballot", "cast"},
      {"manifest", "hash"},
      {"manifest", "hash", manifest_, manifest_},
      {"ballot", "create", "--manifest", manifest_, "--choice", "fsu", "--code", kCode},
      {"ballot", "create", "--manifest", manifest_, "--scrutin", "capn-2d", "--choice", "fsu",
       "--code", kCode, "--colour", "red"},
      {"ballot", "create", "--manifest", manifest_, "--scrutin", "capn-2d", "--scrutin", "capn-2d",
       "--choice", "fsu", "--code", kCode},
      {"ballot", "verify", "--manifest"},
      {"ballot", "verify", "--manifest", "-", "-"},
      {"code", "new", "extra"},
  };
  for (const auto& args : mistakes) {
    Outcome r = run(args);
    std::string line;
    for (const auto& a : args) line += a + " ";
    EXPECT_EQ(r.code, 2) << line;
    EXPECT_EQ(r.out, "") << line;
    EXPECT_NE(r.err, "") << line;
  }
  EXPECT_NE(run({"ballot", "create", "--manifest", manifest_, "--choice", "fsu", "--code", kCode})
                .err.find("missing --scrutin"),
            std::string::npos);
}

// --- manifest hash --------------------------------------------------------------

TEST_F(Cli, ManifestHashIsTheVectorsElectionHash) {
  auto v = test::load_vector("manifest.json");
  Outcome r = run({"manifest", "hash", manifest_});
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out, v["election_hash"].get<std::string>() + "\n");
  EXPECT_EQ(r.err, "");
  // Any layout of the same manifest has the same hash: it is taken over the
  // canonical bytes.
  Outcome pretty = run({"manifest", "hash", file("pretty.json", v["manifest"].dump(2))});
  EXPECT_EQ(pretty.out, r.out);
  Outcome from_stdin = run({"manifest", "hash", "-"}, test::read_file(manifest_));
  EXPECT_EQ(from_stdin.out, r.out);
}

TEST_F(Cli, UnreadableOrBadManifestIsNamed) {
  Outcome missing = run({"manifest", "hash", "/nonexistent/manifest.json"});
  EXPECT_EQ(missing.code, 2);
  EXPECT_EQ(missing.out, "");
  EXPECT_NE(missing.err.find("'/nonexistent/manifest.json'"), std::string::npos) << missing.err;
  EXPECT_NE(missing.err.find("No such file"), std::string::npos) << missing.err;

  Outcome directory = run({"manifest", "hash", dir_.string()});
  EXPECT_EQ(directory.code, 2);
  EXPECT_NE(directory.err.find(dir_.string()), std::string::npos) << directory.err;

  const std::string bad = file("bad.json", "{\"version\":");
  Outcome not_json = run({"manifest", "hash", bad});
  EXPECT_EQ(not_json.code, 2);
  EXPECT_EQ(not_json.out, "");
  EXPECT_NE(not_json.err.find(bad), std::string::npos) << not_json.err;
  EXPECT_NE(not_json.err.find("non_canonical_json"), std::string::npos) << not_json.err;

  Outcome not_a_manifest = run({"manifest", "hash", file("list.json", "[]")});
  EXPECT_EQ(not_a_manifest.code, 2);
  EXPECT_NE(not_a_manifest.err.find("malformed"), std::string::npos) << not_a_manifest.err;
}

// --- ballot create / verify -----------------------------------------------------

TEST_F(Cli, CreateThenVerify) {
  Outcome created = run({"ballot", "create", "--manifest", manifest_, "--scrutin", "capn-2d",
                         "--choice", "fsu", "--code", kCode});
  ASSERT_EQ(created.code, 0) << created.err;
  EXPECT_EQ(created.err, "");
  // Exactly the canonical bytes: no newline.
  auto doc = parse_canonical(created.out);
  ASSERT_TRUE(doc.ok()) << doc.error().message();
  EXPECT_EQ((*doc)["scrutin"], "capn-2d");
  EXPECT_EQ((*doc)["credential"], "LDjbwiNdWSr_ypoc-LvxT-dYRsb0a_GnU7fuQbga7kM");
  EXPECT_EQ((*doc)["answers"].size(), 15u);

  const std::string reference = ballot_reference(created.out);
  Outcome verified =
      run({"ballot", "verify", "--manifest", manifest_, file("b.json", created.out)});
  EXPECT_EQ(verified.code, 0) << verified.out << verified.err;
  EXPECT_EQ(verified.out, reference + "\n");
  EXPECT_EQ(verified.err, "");
  Outcome piped = run({"ballot", "verify", "--manifest", manifest_, "-"}, created.out);
  EXPECT_EQ(piped.out, reference + "\n");

  // Two ballots for the same choice look nothing alike.
  Outcome again = run({"ballot", "create", "--manifest", manifest_, "--scrutin", "capn-2d",
                       "--choice", "fsu", "--code", kCode});
  EXPECT_NE(again.out, created.out);
}

TEST_F(Cli, CreateReadsTheCodeFromStandardInput) {
  Outcome created = run({"ballot", "create", "--manifest", manifest_, "--scrutin", "csa-academique",
                         "--choice=blank", "--code", "-"},
                        "d7zzv rhnq7 94r0r yb8ew\n");
  ASSERT_EQ(created.code, 0) << created.err;
  Outcome verified = run({"ballot", "verify", "--manifest", manifest_, "-"}, created.out);
  EXPECT_EQ(verified.code, 0) << verified.out << verified.err;
}

TEST_F(Cli, CreateRefusesBadArguments) {
  auto create = [&](const std::string& scrutin, const std::string& choice,
                    const std::string& code) {
    return run({"ballot", "create", "--manifest", manifest_, "--scrutin", scrutin, "--choice",
                choice, "--code", code});
  };
  struct Case {
    Outcome r;
    const char* reason;
  };
  for (const Case& c : {Case{create("capn-3d", "fsu", kCode), "unknown_scrutin"},
                        Case{create("capn-2d", "fsu,nope", kCode), "unknown_option"},
                        Case{create("capn-2d", "fsu", "D7ZZV-RHNQ7-94R0R-YB8EX"), "bad_vote_code"},
                        Case{create("capn-2d", "fsu", "hello"), "bad_vote_code"}}) {
    EXPECT_EQ(c.r.code, 2) << c.reason;
    EXPECT_EQ(c.r.out, "") << c.reason;
    EXPECT_EQ(c.r.err.rfind(std::string("isoloir: ") + c.reason, 0), 0u) << c.r.err;
  }
  Outcome missing = run({"ballot", "create", "--manifest", "/nonexistent/m.json", "--scrutin",
                         "capn-2d", "--choice", "fsu", "--code", kCode});
  EXPECT_EQ(missing.code, 2);
  EXPECT_NE(missing.err.find("/nonexistent/m.json"), std::string::npos);
}

TEST_F(Cli, ValidBallotsVerifyWithTheirReference) {
  auto v = test::load_vector("ballots_valid.json");
  ASSERT_FALSE(v["ballots"].empty());
  for (const auto& c : v["ballots"]) {
    Outcome r = run({"ballot", "verify", "--manifest", manifest_,
                     file("ballot.json", c["ballot"].get<std::string>())});
    EXPECT_EQ(r.code, 0) << c["name"] << ": " << r.out << r.err;
    EXPECT_EQ(r.out, c["reference"].get<std::string>() + "\n") << c["name"];
  }
}

TEST_F(Cli, InvalidBallotsAreRefusedWithTheirReason) {
  auto v = test::load_vector("ballots_invalid.json");
  ASSERT_FALSE(v["ballots"].empty());
  for (const auto& c : v["ballots"]) {
    Outcome r = run({"ballot", "verify", "--manifest", manifest_,
                     file("ballot.json", c["ballot"].get<std::string>())});
    EXPECT_EQ(r.code, 1) << c["name"];
    EXPECT_EQ(r.out, "refused: " + c["expected_reason"].get<std::string>() + "\n") << c["name"];
    EXPECT_NE(r.err, "") << c["name"] << ": the detail names the field";
  }
}

TEST_F(Cli, MissingBallotFileIsNamed) {
  Outcome r = run({"ballot", "verify", "--manifest", manifest_, "/nonexistent/ballot.json"});
  EXPECT_EQ(r.code, 2);
  EXPECT_EQ(r.out, "");
  EXPECT_NE(r.err.find("ballot file '/nonexistent/ballot.json'"), std::string::npos) << r.err;
}

// --- code -----------------------------------------------------------------------

TEST_F(Cli, NewCodesAreFreshAndInDisplayForm) {
  Outcome a = run({"code", "new"});
  Outcome b = run({"code", "new"});
  ASSERT_EQ(a.code, 0) << a.err;
  const std::regex display("[0-9A-HJKMNP-TV-Z]{5}(-[0-9A-HJKMNP-TV-Z]{5}){3}\n");
  EXPECT_TRUE(std::regex_match(a.out, display)) << a.out;
  auto normalised = normalize_vote_code(a.out.substr(0, a.out.size() - 1));
  ASSERT_TRUE(normalised.ok()) << normalised.error().message();
  EXPECT_EQ(display_vote_code(*normalised) + "\n", a.out);
  EXPECT_NE(a.out, b.out);
}

TEST_F(Cli, CredentialsMatchTheVectors) {
  auto v = test::load_vector("vote_codes.json");
  const std::string election = v["election_id"];
  ASSERT_FALSE(v["codes"].empty());
  for (const auto& c : v["codes"]) {
    for (const char* form : {"code", "display"}) {
      Outcome r = run({"code", "credential", "--election", election, c[form].get<std::string>()});
      EXPECT_EQ(r.code, 0) << c[form] << r.err;
      EXPECT_EQ(r.out, c["credential"].get<std::string>() + "\n") << c[form];
    }
  }
  for (const auto& c : v["normalise"]) {
    const std::string input = c["input"];
    Outcome r = run({"code", "credential", "--election", election, input});
    if (c.contains("credential")) {
      EXPECT_EQ(r.code, 0) << input << r.err;
      EXPECT_EQ(r.out, c["credential"].get<std::string>() + "\n") << input;
    } else {
      EXPECT_EQ(r.code, 2) << input;
      EXPECT_EQ(r.out, "") << input;
      EXPECT_NE(r.err.find(c["expected_reason"].get<std::string>()), std::string::npos)
          << input << ": " << r.err;
    }
  }
  Outcome piped = run({"code", "credential", "--election", election, "-"}, kCode + "\n");
  EXPECT_EQ(piped.out, v["codes"][0]["credential"].get<std::string>() + "\n");
}

// --- receipt verify -------------------------------------------------------------

TEST_F(Cli, ReceiptsVerifyAsTheVectorsSay) {
  auto v = test::load_vector("receipts.json");
  size_t seen = 0;
  for (const char* list : {"deposits", "emargements"}) {
    const std::string kind = std::string(list) == "deposits" ? "deposit" : "emargement";
    for (const auto& c : v[list]) {
      const std::string name = c["name"];
      const std::string expected = c["expected"];
      Outcome r = run({"receipt", "verify", "--manifest", manifest_,
                       file("receipt.json", c[kind].get<std::string>())});
      ++seen;
      if (expected == "accepted") {
        EXPECT_EQ(r.code, 0) << name << ": " << r.out << r.err;
        EXPECT_EQ(r.out.rfind("kind: " + kind + "\nscrutin: ", 0), 0u) << name << ": " << r.out;
      } else if (expected == "wrong_kind") {
        // Dispatching on its kind, an émargement that says "deposit" is a
        // deposit without a reference: refused, under another name.
        EXPECT_EQ(r.code, 1) << name;
        EXPECT_EQ(r.out.rfind("refused: ", 0), 0u) << name << ": " << r.out;
      } else {
        EXPECT_EQ(r.code, 1) << name;
        EXPECT_EQ(r.out, "refused: " + expected + "\n") << name;
      }
    }
  }
  EXPECT_GT(seen, 0u);

  Outcome deposit = run({"receipt", "verify", "--manifest", manifest_, "-"},
                        v["deposits"][1]["deposit"].get<std::string>());
  EXPECT_EQ(deposit.out,
            "kind: deposit\n"
            "scrutin: csa-academique\n"
            "reference: rOIb8FyKXu8Opfp-ZFpgaC7-pe05gnC_bz8Pwr4YbC0\n"
            "received_at: 2022-12-01T16:49:07Z\n"
            "log_index: 1\n"
            "tree_size: 2\n"
            "tree_root: a1fujdOZmi8_No2U-yh8lYkqg1421yQBj1flTIao3pc\n"
            "tree_timestamp: 2022-12-01T16:49:07Z\n");
}

}  // namespace
}  // namespace isoloir

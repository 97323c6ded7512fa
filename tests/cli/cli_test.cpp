// The isoloir command-line tool, driven as a user drives it: arguments, files
// and standard input in; standard output, standard error and the exit status
// out. The expected values come from ../shared/vectors; the notices of `codes
// issue` are read back with poppler's pdftotext (poppler-utils).
#include <fcntl.h>
#include <gtest/gtest.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <string>
#include <vector>

#include "isoloir/ballot.h"
#include "isoloir/bytes.h"
#include "isoloir/canonical_json.h"
#include "isoloir/credential.h"
#include "isoloir/manifest.h"
#include "isoloir/urn/voter_file.h"
#include "isoloir/vote_code.h"
#include "paris_time.h"
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
    for (fs::path* d : {&dir_, &io_}) {
      std::string pattern = (fs::temp_directory_path() / "isoloir-cli-XXXXXX").string();
      ASSERT_NE(mkdtemp(pattern.data()), nullptr);
      *d = pattern;
    }
  }
  void TearDown() override {
    std::error_code ec;
    fs::remove_all(dir_, ec);
    fs::remove_all(io_, ec);
  }

  std::string io_file(const std::string& name, const std::string& content) {
    const std::string path = (io_ / name).string();
    std::ofstream(path, std::ios::binary) << content;
    return path;
  }

  // The names in the test's directory.
  std::set<std::string> listing() const {
    std::set<std::string> names;
    for (const auto& e : fs::directory_iterator(dir_)) names.insert(e.path().filename().string());
    return names;
  }

  // A file in this test's directory holding exactly `content`.
  std::string file(const std::string& name, const std::string& content) {
    const std::string path = (dir_ / name).string();
    std::ofstream(path, std::ios::binary) << content;
    return path;
  }

  // Runs the tool with `args`, `stdin_data` on its standard input.
  Outcome run(const std::vector<std::string>& args, const std::string& stdin_data = "") {
    return exec(ISOLOIR_CLI, args, stdin_data);
  }

  // Runs `program` (a path, or a name looked up in PATH) with `args`. Its
  // standard streams are files outside the test's directory, which the
  // tests list.
  Outcome exec(const std::string& program, const std::vector<std::string>& args,
               const std::string& stdin_data = "") {
    const std::string in = io_file("stdin", stdin_data);
    const std::string out = (io_ / "stdout").string();
    const std::string err = (io_ / "stderr").string();
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 0, in.c_str(), O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&fa, 1, out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    posix_spawn_file_actions_addopen(&fa, 2, err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    std::vector<std::string> owned = {program};
    owned.insert(owned.end(), args.begin(), args.end());
    std::vector<char*> argv;
    for (std::string& a : owned) argv.push_back(a.data());
    argv.push_back(nullptr);
    Outcome r;
    pid_t pid = 0;
    const int spawned = posix_spawnp(&pid, program.c_str(), &fa, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&fa);
    EXPECT_EQ(spawned, 0) << "cannot run " << program;
    if (spawned != 0) return r;
    int status = 0;
    waitpid(pid, &status, 0);
    r.code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    r.out = test::read_file(out);
    r.err = test::read_file(err);
    return r;
  }

  fs::path dir_;
  fs::path io_;  // the spawned program's standard streams
  const std::string manifest_ = test::vector_path("record/manifest.json");
};

const std::string kCode = "D7ZZV-RHNQ7-94R0R-YB8EW";  // vote_codes.json codes[0]

// --- Help and usage -------------------------------------------------------------

TEST_F(Cli, HelpListsEveryCommand) {
  Outcome r = run({"--help"});
  EXPECT_EQ(r.code, 0);
  for (const char* c : {"manifest hash", "ballot create", "ballot verify", "code new",
                        "code credential", "codes issue", "receipt verify", "record verify"}) {
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

// Issue 9: 26,000 nested arrays (52 KB) overflowed the stack (exit 139).
TEST_F(Cli, ADeeplyNestedBallotIsRefusedNotACrash) {
  const std::string nested = std::string(26'000, '[') + std::string(26'000, ']');
  Outcome r = run({"ballot", "verify", "--manifest", manifest_, file("nested.json", nested)});
  EXPECT_EQ(r.code, 1) << r.err;
  EXPECT_EQ(r.out, "refused: non_canonical_json\n");
  EXPECT_NE(r.err.find("nested deeper than 64 levels"), std::string::npos) << r.err;
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

// --- codes issue ----------------------------------------------------------------

const std::string kVotersHeader =
    "identifier,name,scrutins,credential,pseudonym,numen,challenge,phone\n";
const std::string kAddressHeader =
    "identifier,name,scrutins,credential,pseudonym,numen,challenge,phone,"
    "address_line1,address_line2,address_line3,postal_code,city\n";
const std::string kElectionTitle = "Élections professionnelles 2022";  // record/manifest.json
const std::string kPortal = "https://vote.education.example/";

std::string three_voters() {
  return kVotersHeader +
         "jeanne.dupont@ac-demo.fr,Jeanne Dupont,csa-ministeriel csa-academique,,,,,\n"
         "elodie.martin@ac-demo.fr,Élodie Martin,csa-ministeriel capn-2d,,demo-1,,,0600000000\n"
         "marc.durand@ac-demo.fr,\"Durand, Marc\",csa-ministeriel,,,1234567890ABC,,\n";
}

// Pieces of `text` between `separator`s, the empty last one dropped.
std::vector<std::string> split(const std::string& text, const std::string& separator) {
  std::vector<std::string> out;
  size_t start = 0;
  for (size_t at = text.find(separator); at != std::string::npos;
       at = text.find(separator, start)) {
    out.push_back(text.substr(start, at - start));
    start = at + separator.size();
  }
  if (start < text.size()) out.push_back(text.substr(start));
  return out;
}

mode_t mode_of(const std::string& path) {
  struct stat st {};
  EXPECT_EQ(stat(path.c_str(), &st), 0) << path;
  return st.st_mode & 07777;
}

class CodesIssue : public Cli {
 protected:
  Outcome issue(const std::string& voters, const std::vector<std::string>& extra = {}) {
    std::vector<std::string> args = {"codes", "issue",     "--manifest", manifest_, "--voters",
                                     voters,  "--notices", notices_,     "--out",   out_};
    args.insert(args.end(), extra.begin(), extra.end());
    return run(args);
  }

  void SetUp() override {
    Cli::SetUp();
    notices_ = (dir_ / "notices.pdf").string();
    out_ = (dir_ / "credentials.csv").string();
  }

  std::string notices_;  // in the test's directory, known once SetUp made it
  std::string out_;
};

TEST_F(CodesIssue, NoticesAndCredentialsMatch) {
  const std::string voters = file("voters.csv", three_voters());
  Outcome r = issue(voters, {"--portal-url", kPortal});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.err, "");
  EXPECT_NE(r.out.find("3 notices"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find(notices_), std::string::npos) << r.out;
  EXPECT_NE(r.out.find(out_), std::string::npos) << r.out;
  // Nothing else was left behind (the temporary files are gone), and both
  // files are for their owner only.
  EXPECT_EQ(listing(), (std::set<std::string>{"voters.csv", "notices.pdf", "credentials.csv"}));
  EXPECT_EQ(mode_of(notices_), 0600u);
  EXPECT_EQ(mode_of(out_), 0600u);

  // The credentials file is a voter file the urn reads, row for row.
  const std::string csv = test::read_file(out_);
  auto rows = urn::parse_voter_csv(csv);
  ASSERT_TRUE(rows.ok()) << rows.error().message() << "\n" << csv;
  auto input = urn::parse_voter_csv(three_voters());
  ASSERT_TRUE(input.ok());
  ASSERT_EQ(rows->size(), 3u);
  std::set<std::string> credentials;
  std::set<std::string> pseudonyms;
  for (size_t i = 0; i < rows->size(); ++i) {
    const urn::VoterRow& row = (*rows)[i];
    const urn::VoterRow& in = (*input)[i];
    EXPECT_EQ(row.identifier, in.identifier);
    EXPECT_EQ(row.name, in.name);
    EXPECT_EQ(row.scrutins, in.scrutins);
    EXPECT_EQ(row.numen, in.numen);
    EXPECT_EQ(row.challenge, in.challenge);
    EXPECT_EQ(row.phone, in.phone);
    if (in.pseudonym.empty()) {
      EXPECT_TRUE(std::regex_match(row.pseudonym, std::regex("v-[0-9a-hjkmnp-tv-z]{10}")))
          << row.pseudonym;
    } else {
      EXPECT_EQ(row.pseudonym, in.pseudonym);
    }
    auto key = base64url_decode_fixed<32>(row.credential, "credential");
    ASSERT_TRUE(key.ok()) << row.credential;
    EXPECT_TRUE(is_valid_public_credential(*key)) << row.credential;
    credentials.insert(row.credential);
    pseudonyms.insert(row.pseudonym);
  }
  EXPECT_EQ(credentials.size(), 3u);
  EXPECT_EQ(pseudonyms.size(), 3u);

  // One page per voter, in order: the name (accents intact), the election,
  // the portal, and a code whose credential is that voter's in the CSV.
  auto manifest = parse_manifest(test::read_file(manifest_));
  ASSERT_TRUE(manifest.ok());
  Outcome text = exec("pdftotext", {"-layout", notices_, "-"});
  ASSERT_EQ(text.code, 0) << "pdftotext (poppler-utils): " << text.err;
  const std::vector<std::string> pages = split(text.out, "\f");
  ASSERT_EQ(pages.size(), 3u) << text.out;
  const std::regex display_form("[0-9A-Z]{5}-[0-9A-Z]{5}-[0-9A-Z]{5}-[0-9A-Z]{5}");
  std::set<std::string> codes;
  for (size_t i = 0; i < pages.size(); ++i) {
    const std::string& page = pages[i];
    const urn::VoterRow& row = (*rows)[i];
    EXPECT_NE(page.find(row.name), std::string::npos) << page;
    EXPECT_NE(page.find(kElectionTitle), std::string::npos) << page;
    EXPECT_NE(page.find(kPortal), std::string::npos) << page;
    EXPECT_NE(page.find("Je vote"), std::string::npos) << page;
    EXPECT_NE(page.find("personnel et secret"), std::string::npos) << page;
    std::smatch m;
    ASSERT_TRUE(std::regex_search(page, m, display_form)) << page;
    const std::string shown = m.str();
    EXPECT_FALSE(std::regex_search(m.suffix().str(), display_form)) << "one code per page";
    auto code = normalize_vote_code(shown);
    ASSERT_TRUE(code.ok()) << shown << ": " << code.error().message();
    EXPECT_EQ(display_vote_code(*code), shown);
    auto key = credential_key(manifest->id, *code);
    ASSERT_TRUE(key.ok());
    EXPECT_EQ(base64url_encode(key->public_key()), row.credential) << row.name;
    codes.insert(*code);
    // The code is on the notice and nowhere else.
    for (const std::string& form : {shown, *code}) {
      EXPECT_EQ(r.out.find(form), std::string::npos);
      EXPECT_EQ(r.err.find(form), std::string::npos);
      EXPECT_EQ(csv.find(form), std::string::npos);
    }
  }
  EXPECT_EQ(codes.size(), 3u);
  EXPECT_NE(pages[1].find("Élodie Martin"), std::string::npos) << pages[1];

  // The code sits at the bottom left of each page (in the grey box): the
  // word boxes pdftotext reports, in points from the top-left corner.
  Outcome boxes = exec("pdftotext", {"-bbox", notices_, "-"});
  ASSERT_EQ(boxes.code, 0) << boxes.err;
  const std::vector<std::string> box_pages = split(boxes.out, "<page ");
  ASSERT_EQ(box_pages.size(), 4u);  // the head, then one per page
  const std::regex size_re("width=\"([0-9.]+)\" height=\"([0-9.]+)\"");
  const std::regex word_re(
      "<word xMin=\"([0-9.]+)\" yMin=\"([0-9.]+)\" xMax=\"([0-9.]+)\" yMax=\"([0-9.]+)\">"
      "([^<]*)</word>");
  for (size_t p = 1; p < box_pages.size(); ++p) {
    std::smatch size;
    ASSERT_TRUE(std::regex_search(box_pages[p], size, size_re));
    const double width = std::stod(size[1]);
    const double height = std::stod(size[2]);
    bool found = false;
    for (auto it = std::sregex_iterator(box_pages[p].begin(), box_pages[p].end(), word_re);
         it != std::sregex_iterator(); ++it) {
      const std::smatch& w = *it;
      if (!std::regex_match(w[5].str(), display_form)) continue;
      found = true;
      EXPECT_LT(std::stod(w[1]), width / 4) << "x_min, page " << p;
      EXPECT_LT(std::stod(w[3]), width * 0.7) << "x_max, page " << p;
      EXPECT_GT(std::stod(w[2]), height * 3 / 4) << "y_min, page " << p;
    }
    EXPECT_TRUE(found) << "page " << p;
  }
}

TEST_F(CodesIssue, WithoutAPortalAddress) {
  Outcome r = issue(file("voters.csv", kVotersHeader + "a@b.fr,Anaïs Lefèvre,capn-2d,,,,,\n"));
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find("1 notices"), std::string::npos) << r.out;
  Outcome text = exec("pdftotext", {"-layout", notices_, "-"});
  ASSERT_EQ(text.code, 0) << text.err;
  EXPECT_EQ(split(text.out, "\f").size(), 1u);
  EXPECT_NE(text.out.find("Anaïs Lefèvre"), std::string::npos) << text.out;
  EXPECT_NE(text.out.find("portail de vote de l’élection"), std::string::npos) << text.out;
  EXPECT_NE(text.out.find("CAPN des enseignants du second degré"), std::string::npos) << text.out;
}

TEST_F(CodesIssue, NeverOverwrites) {
  const std::string voters = file("voters.csv", three_voters());
  for (const std::string& existing : {notices_, out_}) {
    const std::string name = fs::path(existing).filename().string();
    file(name, "printed last week\n");
    Outcome r = issue(voters);
    EXPECT_EQ(r.code, 2) << name;
    EXPECT_EQ(r.out, "") << name;
    EXPECT_NE(r.err.find(existing), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("already exists"), std::string::npos) << r.err;
    EXPECT_EQ(test::read_file(existing), "printed last week\n") << name;
    EXPECT_EQ(listing(), (std::set<std::string>{"voters.csv", name}));
    fs::remove(existing);
  }
  // A second run after a first one is refused the same way.
  ASSERT_EQ(issue(voters).code, 0);
  const std::string csv = test::read_file(out_);
  Outcome again = issue(voters);
  EXPECT_EQ(again.code, 2);
  EXPECT_EQ(test::read_file(out_), csv);
}

TEST_F(CodesIssue, RefusalsWriteNothing) {
  const std::string row2 = "elodie.martin@ac-demo.fr,Élodie Martin,capn-2d,,,,,\n";
  const std::string voters = (dir_ / "voters.csv").string();
  struct Case {
    std::string name;
    std::string csv;                // written to voters.csv before the run
    std::vector<std::string> args;  // after "codes issue"
    std::string expected;           // in the message
  };
  const std::vector<std::string> usual = {"--manifest", manifest_, "--voters", voters,
                                          "--notices",  notices_,  "--out",    out_};
  const std::vector<Case> cases = {
      {"credential already set",
       kVotersHeader + row2 +
           "marc.durand@ac-demo.fr,Marc Durand,capn-2d,"
           "LDjbwiNdWSr_ypoc-LvxT-dYRsb0a_GnU7fuQbga7kM,,,,\n",
       usual, "line 3: a credential is already set"},
      {"unknown scrutin",
       kVotersHeader + row2 + "marc.durand@ac-demo.fr,Marc Durand,capn-3d,,,,,\n", usual,
       "line 3: unknown scrutin 'capn-3d'"},
      {"duplicate identifier",
       kVotersHeader + row2 + "Elodie.Martin@ac-demo.fr,Élodie Martin,capn-2d,,,,,\n", usual,
       "line 3: identifier Elodie.Martin@ac-demo.fr is given twice"},
      {"duplicate pseudonym", kVotersHeader + "a@b.fr,A,capn-2d,,p1,,,\nc@d.fr,C,capn-2d,,p1,,,\n",
       usual, "pseudonym p1 is given twice"},
      {"bad header", "identifier,name\na@b.fr,A\n", usual, "bad_voter_file: line 1"},
      {"no voters", kVotersHeader, usual, "no voters"},
      {"address with a control character",
       kAddressHeader + "a@b.fr,A,capn-2d,,,,,,12 rue X,\"B\x07t. 2\",,75001,PARIS\n", usual,
       "line 2: address_line2: the character U+0007 is not allowed"},
      {"address with a bidirectional override",
       kAddressHeader + "a@b.fr,A,capn-2d,,,,,,\xE2\x80\xAE"
                        "12 rue X,,,75001,PARIS\n",
       usual, "line 2: address_line1: the character U+202E is not allowed"},
      {"address with a C1 control",
       kAddressHeader + "a@b.fr,A,capn-2d,,,,,,12 rue X,,,75001,PA\xC2\x9BRIS\n", usual,
       "line 2: city: the character U+009B is not allowed"},
      {"address not UTF-8", kAddressHeader + "a@b.fr,A,capn-2d,,,,,,12 rue \xC3,,,75001,PARIS\n",
       usual, "line 2: address_line1: not UTF-8"},
      {"address overlong UTF-8",
       kAddressHeader + "a@b.fr,A,capn-2d,,,,,,12 rue \xC0\xAF,,,75001,PARIS\n", usual,
       "line 2: address_line1: not UTF-8"},
      {"address line too long",
       kAddressHeader + "a@b.fr,A,capn-2d,,,,,,," + std::string(39, 'x') + ",,75001,PARIS\n", usual,
       "line 2: address_line2: 39 characters, at most 38"},
      {"address with a line break",
       kAddressHeader + "a@b.fr,A,capn-2d,,,,,,\"12 rue X\nBat 2\",,,75001,PARIS\n", usual,
       "line 2: address_line1: the character U+000A is not allowed"},
      {"address without a city", kAddressHeader + "a@b.fr,A,capn-2d,,,,,,12 rue X,,,75001,\n",
       usual, "line 2: city: empty"},
      {"bad postal code", kAddressHeader + "a@b.fr,A,capn-2d,,,,,,12 rue X,,,75;01,PARIS\n", usual,
       "line 2: postal_code: only digits"},
      {"unknown address columns",
       "identifier,name,scrutins,credential,pseudonym,numen,challenge,phone,street\n"
       "a@b.fr,A,capn-2d,,,,,,12 rue X\n",
       usual, "line 1: the header must be"},
      {"text after a quote in an address file",
       kAddressHeader + "\"a\"x@b.fr,A,capn-2d,,,,,,1 rue X,,,75001,PARIS\n", usual,
       "line 2: text after a closing quote"},
      {"unclosed quote in an address file", kAddressHeader + "\"a@b.fr,A\n", usual,
       "line 2: a quoted field is not closed"},
      {"address row short of fields", kAddressHeader + "a@b.fr,A,capn-2d,,,,,,12 rue X\n", usual,
       "line 2: 9 fields, 13 expected"},
      {"unreadable voter file",
       three_voters(),
       {"--manifest", manifest_, "--voters", "/nonexistent/voters.csv", "--notices", notices_,
        "--out", out_},
       "voter file '/nonexistent/voters.csv'"},
      {"unreadable manifest",
       three_voters(),
       {"--manifest", "/nonexistent/m.json", "--voters", voters, "--notices", notices_, "--out",
        out_},
       "/nonexistent/m.json"},
      {"same file twice",
       three_voters(),
       {"--manifest", manifest_, "--voters", voters, "--notices", out_, "--out", out_},
       "two different files"},
      {"codes on standard output",
       three_voters(),
       {"--manifest", manifest_, "--voters", voters, "--notices", "-", "--out", out_},
       "name files"},
      {"bad portal address",
       three_voters(),
       {"--manifest", manifest_, "--voters", voters, "--notices", notices_, "--out", out_,
        "--portal-url", "vote.example"},
       "--portal-url"},
      {"missing directory",
       three_voters(),
       {"--manifest", manifest_, "--voters", voters, "--notices", notices_, "--out",
        (dir_ / "nope" / "credentials.csv").string()},
       "nope"},
  };
  for (const Case& c : cases) {
    file("voters.csv", c.csv);
    std::vector<std::string> args = {"codes", "issue"};
    args.insert(args.end(), c.args.begin(), c.args.end());
    Outcome r = run(args);
    EXPECT_EQ(r.code, 2) << c.name;
    EXPECT_EQ(r.out, "") << c.name;
    EXPECT_NE(r.err.find(c.expected), std::string::npos) << c.name << ": " << r.err;
    EXPECT_EQ(listing(), std::set<std::string>{"voters.csv"}) << c.name;
  }
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

namespace isoloir {
namespace {

// --- Paris time ------------------------------------------------------------------

int64_t unix_of(const char* rfc3339) {
  auto t = Timestamp::parse(rfc3339, "t");
  EXPECT_TRUE(t.ok()) << rfc3339;
  return t.ok() ? t->seconds : 0;
}

// Expected values from Debian's tzdata (TZ=Europe/Paris date -d ...).
// --- record verify --------------------------------------------------------------

TEST_F(Cli, RecordVerifyCountsTheVectorsRecord) {
  const std::string dir = test::vector_path("record");
  Outcome r = run({"record", "verify", dir});
  EXPECT_EQ(r.code, 0) << r.err;
  const auto expected = test::load_vector("record.json");
  EXPECT_NE(r.out.find("election: " + expected["election_hash"].get<std::string>() + "\n"),
            std::string::npos);
  EXPECT_NE(r.out.find("ballots: 50\nvoters: 24\n"), std::string::npos) << r.out;
  for (const auto& [scrutin, counts] : expected["results"].items()) {
    const size_t at = r.out.find("scrutin " + scrutin + ": ");
    ASSERT_NE(at, std::string::npos) << scrutin;
    for (const auto& [option, count] : counts.items()) {
      EXPECT_NE(r.out.find("  " + option + ": " + std::to_string(count.get<int>()) + "\n", at),
                std::string::npos)
          << scrutin << " " << option;
    }
  }
  EXPECT_EQ(r.err, "");
}

TEST_F(Cli, RecordVerifyNamesTheFileAtFaultAndAMissingOne) {
  const fs::path copy = dir_ / "record";
  fs::create_directory(copy);
  for (const auto& e : fs::directory_iterator(test::vector_path("record"))) {
    fs::copy_file(e.path(), copy / e.path().filename());
  }
  // One ballot's reception moved after the close.
  std::string ballots = test::read_file((copy / "ballots.jsonl").string());
  const std::string from = "\"received_at\":\"2022-12-0";
  const size_t at = ballots.find(from);
  ASSERT_NE(at, std::string::npos);
  ballots.replace(at, from.size(), "\"received_at\":\"2022-12-2");
  fs::permissions(copy / "ballots.jsonl", fs::perms::owner_write, fs::perm_options::add);
  std::ofstream(copy / "ballots.jsonl", std::ios::binary | std::ios::trunc) << ballots;
  Outcome refused = run({"record", "verify", copy.string()});
  EXPECT_EQ(refused.code, 1);
  EXPECT_EQ(refused.out, "refused: window_closed\n");
  EXPECT_NE(refused.err.find("ballots.jsonl line 1"), std::string::npos) << refused.err;

  fs::permissions(copy / "tally.json", fs::perms::owner_write, fs::perm_options::add);
  fs::remove(copy / "tally.json");
  Outcome missing = run({"record", "verify", copy.string()});
  EXPECT_EQ(missing.code, 2);
  EXPECT_EQ(missing.out, "");
  EXPECT_NE(missing.err.find("tally.json"), std::string::npos) << missing.err;
}

TEST(ParisTime, OffsetAcrossBothChangesAndAtTheExactInstants) {
  const std::vector<std::pair<const char*, int>> cases = {
      {"2026-01-15T12:00:00Z", 3600}, {"2026-03-29T00:59:59Z", 3600},
      {"2026-03-29T01:00:00Z", 7200}, {"2026-07-14T12:00:00Z", 7200},
      {"2026-10-25T00:59:59Z", 7200}, {"2026-10-25T01:00:00Z", 3600},
      {"2026-12-01T08:00:00Z", 3600}, {"2024-03-31T00:59:59Z", 3600},
      {"2024-03-31T01:00:00Z", 7200}, {"2024-10-27T00:59:59Z", 7200},
      {"2024-10-27T01:00:00Z", 3600}, {"2027-03-28T01:00:00Z", 7200},
      {"2027-10-31T00:59:00Z", 7200}, {"2027-10-31T01:00:00Z", 3600},
      {"2022-12-01T07:00:00Z", 3600}, {"2038-03-28T01:00:00Z", 7200},
  };
  for (const auto& [at, offset] : cases) {
    EXPECT_EQ(isoloir::cli::paris_offset_seconds(unix_of(at)), offset) << at;
  }
}

TEST(ParisTime, FrenchInSeveralMonths) {
  const std::vector<std::pair<const char*, const char*>> cases = {
      {"2026-12-01T08:00:00Z", "mardi 1er décembre 2026 à 9 h 00"},
      {"2027-02-15T07:30:00Z", "lundi 15 février 2027 à 8 h 30"},
      {"2026-08-15T15:05:00Z", "samedi 15 août 2026 à 17 h 05"},
      {"2026-12-31T23:30:00Z", "vendredi 1er janvier 2027 à 0 h 30"},
      {"2026-03-29T00:59:59Z", "dimanche 29 mars 2026 à 1 h 59"},
      {"2026-03-29T01:00:00Z", "dimanche 29 mars 2026 à 3 h 00"},
      {"2026-10-25T00:59:59Z", "dimanche 25 octobre 2026 à 2 h 59"},
      {"2026-10-25T01:00:00Z", "dimanche 25 octobre 2026 à 2 h 00"},
      {"2024-02-29T22:59:00Z", "jeudi 29 février 2024 à 23 h 59"},
      {"2024-02-29T23:00:00Z", "vendredi 1er mars 2024 à 0 h 00"},
  };
  for (const auto& [at, french] : cases) {
    EXPECT_EQ(isoloir::cli::french_paris_time(unix_of(at)), french) << at;
  }
  EXPECT_EQ(isoloir::cli::french_voting_period(unix_of("2026-12-01T08:00:00Z"),
                                               unix_of("2026-12-08T16:00:00Z")),
            "du mardi 1er décembre 2026 à 9 h 00 au mardi 8 décembre 2026 à 17 h 00, heure de "
            "Paris");
}

// --- postal addresses on the notices ---------------------------------------------

TEST_F(CodesIssue, AddressesInTheEnvelopeWindowAndTheDatesInParisTime) {
  const std::string voters = file(
      "voters.csv", kAddressHeader +
                        "jeanne.dupont@ac-demo.fr,Jeanne Dupont,capn-2d,,,,,,Lycée Jean Moulin,"
                        "\"Bât. B, 2e étage\",12 avenue de la République,69003,LYON\n"
                        "marc.durand@ac-demo.fr,Marc Durand,capn-2d,,,,,,,,,,\n"
                        "anais.lefevre@ac-demo.fr,Anaïs Lefèvre,capn-2d,,,,,,3 rue de "
                        "l’Été,,,97400,SAINT-DENIS\n"
                        "w@ac-demo.fr,W,capn-2d,,,,,," +
                        std::string(38, 'W') + ",,,97400,WWWWWWWWWWWWWWWWWWWWWWWWWWW\n");
  Outcome r = issue(voters);
  ASSERT_EQ(r.code, 0) << r.err;
  // The urn's file never carries the address.
  const std::string csv = test::read_file(out_);
  EXPECT_EQ(csv.find("LYON"), std::string::npos) << csv;
  EXPECT_EQ(csv.substr(0, kVotersHeader.size()), kVotersHeader);

  Outcome text = exec("pdftotext", {"-layout", notices_, "-"});
  ASSERT_EQ(text.code, 0) << text.err;
  const std::vector<std::string> pages = split(text.out, "\f");
  ASSERT_EQ(pages.size(), 4u);
  for (const char* line :
       {"Lycée Jean Moulin", "Bât. B, 2e étage", "12 avenue de la République", "69003 LYON"}) {
    EXPECT_NE(pages[0].find(line), std::string::npos) << line << "\n" << pages[0];
  }
  EXPECT_NE(pages[2].find("97400 SAINT-DENIS"), std::string::npos) << pages[2];
  // A voter without an address still gets a notice, with the identifier.
  EXPECT_NE(pages[1].find("Marc Durand"), std::string::npos) << pages[1];
  EXPECT_NE(pages[1].find("marc.durand@ac-demo.fr"), std::string::npos) << pages[1];
  // record/manifest.json: 2022-12-01T07:00:00Z to 2022-12-08T16:00:00Z.
  Outcome raw = exec("pdftotext", {notices_, "-"});
  ASSERT_EQ(raw.code, 0);
  std::string flat;
  for (char c : raw.out) flat += c == '\n' ? ' ' : c;
  for (size_t at = flat.find("\u00a0"); at != std::string::npos; at = flat.find("\u00a0", at)) {
    flat.replace(at, 2, " ");  // the no-break spaces around "h"
  }
  EXPECT_NE(flat.find("du jeudi 1er décembre 2022 à 8 h 00 au jeudi 8 décembre 2022 à 17 h 00, "
                      "heure de Paris"),
            std::string::npos)
      << flat;

  // Every word of the address block lies in the window: x 90..190 mm, y 45..90 mm.
  constexpr double kMm = 72 / 25.4;
  Outcome boxes = exec("pdftotext", {"-bbox", notices_, "-"});
  ASSERT_EQ(boxes.code, 0) << boxes.err;
  const std::vector<std::string> box_pages = split(boxes.out, "<page ");
  ASSERT_EQ(box_pages.size(), 5u);
  const std::regex word_re(
      "<word xMin=\"([0-9.]+)\" yMin=\"([0-9.]+)\" xMax=\"([0-9.]+)\" yMax=\"([0-9.]+)\">"
      "([^<]*)</word>");
  // The widest line La Poste allows (38 capitals W) stays in the window too.
  bool wide_seen = false;
  for (auto it = std::sregex_iterator(box_pages[4].begin(), box_pages[4].end(), word_re);
       it != std::sregex_iterator(); ++it) {
    const std::smatch& w = *it;
    if (w[5].str() != std::string(38, 'W')) continue;
    wide_seen = true;
    EXPECT_GE(std::stod(w[1]), 90 * kMm);
    EXPECT_LE(std::stod(w[3]), 190 * kMm) << std::stod(w[3]) / kMm << " mm";
  }
  EXPECT_TRUE(wide_seen);
  std::set<std::string> block;
  for (const char* line : {"Jeanne Dupont", "Lycée Jean Moulin", "Bât. B, 2e étage",
                           "12 avenue de la République", "69003 LYON"}) {
    for (const std::string& word : split(line, " ")) block.insert(word);
  }
  std::set<std::string> seen;
  for (auto it = std::sregex_iterator(box_pages[1].begin(), box_pages[1].end(), word_re);
       it != std::sregex_iterator(); ++it) {
    const std::smatch& w = *it;
    const double x0 = std::stod(w[1]), y0 = std::stod(w[2]), x1 = std::stod(w[3]),
                 y1 = std::stod(w[4]);
    const bool inside = x0 >= 90 * kMm && x1 <= 190 * kMm && y0 >= 45 * kMm && y1 <= 90 * kMm;
    if (block.count(w[5].str()) != 0) {
      if (seen.insert(w[5].str()).second) {
        EXPECT_TRUE(inside) << w[5] << " at " << x0 / kMm << "," << y0 / kMm << " - " << x1 / kMm
                            << "," << y1 / kMm << " mm";
      }
    } else {
      EXPECT_FALSE(inside) << "'" << w[5] << "' shows through the window";
    }
  }
  EXPECT_EQ(seen, block);
}

}  // namespace
}  // namespace isoloir

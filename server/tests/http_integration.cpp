// The real isoloir-admin and isoloir-server, driven as an operator and a
// board reader would: processes started with arguments, HTTP over 127.0.0.1
// on a port the test picked. The ballots are cast through the Urn library
// (http_portal_integration.cpp casts over HTTP), then everything the server
// serves is checked with the core: the manifest's hash, the ballots' order
// and bytes, every inclusion proof against the signed tree head, every
// consistency proof; bad requests get their 4xx and change nothing.
#include <arpa/inet.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <httplib.h>
#include <netinet/in.h>
#include <signal.h>  // NOLINT(modernize-deprecated-headers): kill
#include <stdlib.h>  // NOLINT(modernize-deprecated-headers): mkdtemp
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "http_harness.h"
#include "isoloir/ballot.h"
#include "isoloir/bytes.h"
#include "isoloir/canonical_json.h"
#include "isoloir/credential.h"
#include "isoloir/hash.h"
#include "isoloir/manifest.h"
#include "isoloir/merkle.h"
#include "isoloir/random.h"
#include "isoloir/tree_head.h"
#include "isoloir/urn/data_dir.h"
#include "isoloir/vote_code.h"
#include "vectors.h"

namespace isoloir::server::test {
namespace {

// ---------------------------------------------------------------------------
// One populated data directory and one server for the board tests.

class Board : public ::testing::Test {
 protected:
  static constexpr size_t kVoters = 7;

  static void SetUpTestSuite() {
    s_ = std::make_unique<Shared>();
    Shared& s = *s_;
    s.data = s.dir.path + "/data";
    s.database = postgres_data_dir(s.data);

    Ran key = admin(s.dir.path, {"--data-dir", s.data, "server-key"});
    ASSERT_EQ(key.code, 0) << key.err;
    s.server_key_b64 = key.out.substr(0, key.out.find('\n'));
    s.server_key = *base64url_decode_fixed<32>(s.server_key_b64, "key");

    const std::string manifest_text = make_manifest(s.server_key_b64);
    write_file(s.dir.path + "/manifest.json", manifest_text);
    s.manifest = *parse_manifest(manifest_text);
    Ran imported = admin(s.dir.path,
                         {"--data-dir", s.data, "election", "import", s.dir.path + "/manifest.json",
                          isoloir::test::vector_path("record/trustees.json")});
    ASSERT_EQ(imported.code, 0) << imported.err;
    ASSERT_EQ(imported.out, s.manifest.hash_b64 + "\n");

    std::vector<Voter> voters;
    for (size_t i = 0; i < kVoters; ++i) {
      voters.push_back(Voter{generate_vote_code(), "voter" + std::to_string(i) + "@example.org"});
    }
    write_file(s.dir.path + "/voters.csv", make_voter_csv(s.manifest, voters));
    Ran registered =
        admin(s.dir.path, {"--data-dir", s.data, "voters", "import", s.dir.path + "/voters.csv"});
    ASSERT_EQ(registered.code, 0) << registered.err;
    ASSERT_EQ(registered.out, std::to_string(kVoters) + "\n");

    // Cast through the library, as the HTTP cast of the login slice will.
    {
      auto urn = urn::open_data_dir(s.data);
      ASSERT_TRUE(urn.ok()) << urn.error().message();
      SystemScalarSource rng;
      for (size_t i = 0; i < voters.size(); ++i) {
        const Scrutin& scrutin = s.manifest.scrutins[i % s.manifest.scrutins.size()];
        const auto credential = credential_key(s.manifest.id, voters[i].code);
        auto ballot =
            create_ballot(s.manifest, scrutin.id, {scrutin.options[0].id}, *credential, rng);
        ASSERT_TRUE(ballot.ok()) << ballot.error().message();
        auto receipt = (*urn)->cast(voters[i].identifier, ballot->bytes, Timestamp::now());
        ASSERT_TRUE(receipt.ok()) << receipt.error().message();
        s.references.push_back(receipt->reference);
        s.ballots.push_back(ballot->bytes);
        auto head = (*urn)->latest_tree_head();
        auto verified = verify_tree_head(head->document, s.server_key, s.manifest.hash_b64);
        ASSERT_TRUE(verified.ok());
        s.roots.push_back(verified->root);  // roots[k - 1]: the root at size k
      }
    }

    Ran st = admin(s.dir.path, {"--data-dir", s.data, "status"});
    ASSERT_EQ(st.code, 0) << st.err;
    EXPECT_NE(st.out.find("voters: " + std::to_string(kVoters)), std::string::npos) << st.out;
    EXPECT_NE(st.out.find("ballots: " + std::to_string(kVoters)), std::string::npos) << st.out;

    s.server = std::make_unique<Server>(s.dir.path, std::vector<std::string>{"--data-dir", s.data});
    ASSERT_TRUE(s.server->ready()) << s.server->process().err();
  }

  static void TearDownTestSuite() {
    if (s_ && s_->server) {
      EXPECT_EQ(s_->server->stop(), 0);
    }
    s_.reset();
  }

  static httplib::Result get(const std::string& path) {
    httplib::Client c("127.0.0.1", s_->server->port());
    return c.Get(path.c_str());
  }

  struct Shared {
    TempDir dir;
    std::unique_ptr<urn::test::ScratchDatabase> database;  // the PostgreSQL run's
    std::string data;
    std::string server_key_b64;
    PublicKey server_key{};
    Manifest manifest;
    std::vector<std::string> references, ballots;
    std::vector<merkle::Hash> roots;
    std::unique_ptr<Server> server;
  };
  static std::unique_ptr<Shared> s_;
};
std::unique_ptr<Board::Shared> Board::s_;

TEST_F(Board, ManifestBytesHashToTheElectionHash) {
  auto r = get("/api/v1/board/manifest");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->get_header_value("Content-Type"), "application/json");
  expect_security_headers(r);
  EXPECT_EQ(r->body, s_->manifest.canonical);
  const Digest32 h =
      sha256(ByteView(reinterpret_cast<const uint8_t*>(r->body.data()), r->body.size()));
  EXPECT_EQ(base64url_encode(h), s_->manifest.hash_b64);

  auto e = get("/api/v1/board/election");
  ASSERT_TRUE(e);
  EXPECT_EQ(e->status, 200);
  EXPECT_EQ(parse(e->body)["election_hash"], s_->manifest.hash_b64);
}

TEST_F(Board, BallotsArePagedInLogOrder) {
  std::vector<std::string> seen;
  for (uint64_t from = 0; from <= kVoters; from += 3) {
    auto r = get("/api/v1/board/ballots?from=" + std::to_string(from) + "&limit=3");
    ASSERT_TRUE(r);
    ASSERT_EQ(r->status, 200) << r->body;
    const Json page = parse(r->body);
    EXPECT_EQ(page["size"], kVoters);
    for (const Json& b : page["ballots"]) {
      EXPECT_EQ(b["log_index"], seen.size());
      const std::string bytes = b["ballot"].get<std::string>();
      EXPECT_EQ(bytes, s_->ballots[seen.size()]);
      EXPECT_EQ(ballot_reference(bytes), b["reference"]);
      EXPECT_TRUE(Timestamp::parse(b["received_at"].get<std::string>(), "received_at").ok());
      EXPECT_TRUE(b["scrutin"].is_string());
      seen.push_back(b["reference"].get<std::string>());
    }
  }
  EXPECT_EQ(seen, s_->references);

  auto all = get("/api/v1/board/ballots");  // defaults: from 0, the page cap
  ASSERT_TRUE(all);
  EXPECT_EQ(parse(all->body)["ballots"].size(), kVoters);
  auto capped = get("/api/v1/board/ballots?limit=100000");
  ASSERT_TRUE(capped);
  EXPECT_EQ(capped->status, 200);
  EXPECT_EQ(parse(capped->body)["limit"], 100);
  auto end = get("/api/v1/board/ballots?from=" + std::to_string(kVoters));
  ASSERT_TRUE(end);
  EXPECT_EQ(end->status, 200);
  EXPECT_TRUE(parse(end->body)["ballots"].empty());
}

TEST_F(Board, EveryInclusionProofVerifiesWithTheCore) {
  auto latest = get("/api/v1/board/tree-head");
  ASSERT_TRUE(latest);
  ASSERT_EQ(latest->status, 200);
  expect_security_headers(latest);
  for (size_t i = 0; i < s_->references.size(); ++i) {
    auto r = get("/api/v1/board/ballots/" + s_->references[i]);
    ASSERT_TRUE(r);
    ASSERT_EQ(r->status, 200) << r->body;
    const Json b = parse(r->body);
    EXPECT_EQ(b["log_index"], i);
    EXPECT_EQ(b["reference"], s_->references[i]);
    EXPECT_EQ(b["ballot"], s_->ballots[i]);
    const std::string head_text = b["tree_head"].get<std::string>();
    EXPECT_EQ(head_text, latest->body);  // the latest head, byte for byte
    auto head = verify_tree_head(head_text, s_->server_key, s_->manifest.hash_b64);
    ASSERT_TRUE(head.ok()) << head.error().message();
    EXPECT_EQ(head->size, kVoters);
    const auto digest = base64url_decode_fixed<32>(s_->references[i], "reference");
    const Status ok = merkle::verify_inclusion(merkle::leaf_hash(*digest), i, head->size,
                                               hashes(b["path"]), head->root);
    EXPECT_TRUE(ok.ok()) << ok.error().message();
  }
}

TEST_F(Board, EveryConsistencyProofVerifiesWithTheCore) {
  for (uint64_t first = 1; first <= kVoters; ++first) {
    for (uint64_t second = first; second <= kVoters; ++second) {
      auto r = get("/api/v1/board/consistency?first=" + std::to_string(first) +
                   "&second=" + std::to_string(second));
      ASSERT_TRUE(r);
      ASSERT_EQ(r->status, 200) << r->body;
      const Json p = parse(r->body);
      EXPECT_EQ(p["first"], first);
      EXPECT_EQ(p["second"], second);
      const Status ok = merkle::verify_consistency(first, second, s_->roots[first - 1],
                                                   s_->roots[second - 1], hashes(p["proof"]));
      EXPECT_TRUE(ok.ok()) << first << ".." << second << ": " << ok.error().message();
    }
  }
}

TEST_F(Board, BadRequestsGetAClear4xxAndChangeNothing) {
  const std::string before_head = get("/api/v1/board/tree-head")->body;
  const std::string before_ballots = get("/api/v1/board/ballots")->body;
  const std::string unknown_ref = base64url_encode(Digest32{});
  struct Case {
    std::string method, path;
    int status;
    std::string error;
  };
  const std::string n = std::to_string(kVoters);
  const std::vector<Case> cases = {
      {"GET", "/api/v1/board/ballots?from=-1", 400, "bad_parameter"},
      {"GET", "/api/v1/board/ballots?from=abc", 400, "bad_parameter"},
      {"GET", "/api/v1/board/ballots?from=1e3", 400, "bad_parameter"},
      {"GET", "/api/v1/board/ballots?from=", 400, "bad_parameter"},
      {"GET", "/api/v1/board/ballots?from=%2B1", 400, "bad_parameter"},
      {"GET", "/api/v1/board/ballots?from=99999999999999999999999", 400, "bad_parameter"},
      {"GET", "/api/v1/board/ballots?limit=0", 400, "bad_parameter"},
      {"GET", "/api/v1/board/ballots?from=" + std::to_string(kVoters + 1), 400, "bad_parameter"},
      {"GET", "/api/v1/board/ballots?from=1&from=2", 400, "bad_parameter"},
      {"GET", "/api/v1/board/ballots?page=2", 400, "bad_parameter"},
      {"GET", "/api/v1/board/ballots?from=" + std::string(100, '0') + "1", 400, "bad_parameter"},
      {"GET", "/api/v1/board/ballots/" + unknown_ref, 404, "not_found"},
      {"GET", "/api/v1/board/ballots/not-a-reference", 400, "bad_parameter"},
      {"GET", "/api/v1/board/ballots/" + s_->references[0] + "/x", 404, "not_found"},
      {"GET", "/api/v1/board/consistency", 400, "bad_parameter"},
      {"GET", "/api/v1/board/consistency?first=0&second=1", 400, "bad_proof_request"},
      {"GET", "/api/v1/board/consistency?first=3&second=2", 400, "bad_proof_request"},
      {"GET", "/api/v1/board/consistency?first=1&second=" + n + "0", 400, "bad_proof_request"},
      {"GET", "/api/v1/board/consistency?first=x&second=2", 400, "bad_parameter"},
      {"GET", "/api/v1/board/nothing", 404, "not_found"},
      {"GET", "/api/v2/board/manifest", 404, "not_found"},
      {"GET", "/", 404, "not_found"},
      {"GET", "/api/v1/board/ballots?from=" + std::string(10'000, '1'), 414, "uri_too_long"},
      {"POST", "/api/v1/board/manifest", 405, "method_not_allowed"},
      {"POST", "/api/v1/board/ballots", 405, "method_not_allowed"},
      {"DELETE", "/api/v1/board/ballots/" + s_->references[0], 405, "method_not_allowed"},
      {"PUT", "/api/v1/board/tree-head", 405, "method_not_allowed"},
      {"POST", "/api/v1/elsewhere", 404, "not_found"},
  };
  httplib::Client c("127.0.0.1", s_->server->port());
  for (const Case& k : cases) {
    auto send = [&]() -> httplib::Result {
      if (k.method == "POST") return c.Post(k.path.c_str(), "{}", "application/json");
      if (k.method == "PUT") return c.Put(k.path.c_str(), "{}", "application/json");
      if (k.method == "DELETE") return c.Delete(k.path.c_str());
      return c.Get(k.path.c_str());
    };
    httplib::Result r = send();
    ASSERT_TRUE(r) << k.method << " " << k.path.substr(0, 80);
    EXPECT_EQ(r->status, k.status) << k.method << " " << k.path.substr(0, 80) << ": " << r->body;
    const Json e = parse(r->body);
    EXPECT_EQ(e["error"], k.error) << k.path.substr(0, 80);
    EXPECT_TRUE(e["detail"].is_string());
    expect_security_headers(r);
    if (k.status == 405) {
      EXPECT_EQ(r->get_header_value("Allow"), "GET");
    }
  }

  // A POST with no Content-Length at all (curl -X POST does that).
  const std::string raw = raw_request(s_->server->port(),
                                      "POST /api/v1/board/manifest HTTP/1.1\r\nHost: x\r\n"
                                      "Connection: close\r\n\r\n");
  EXPECT_EQ(raw.rfind("HTTP/1.1 405", 0), 0u) << raw;
  EXPECT_NE(raw.find("method_not_allowed"), std::string::npos) << raw;

  // A body over the limit (64 KiB by default) is refused before routing.
  auto big = c.Post("/api/v1/board/manifest", std::string(1 << 20, 'x'), "application/json");
  ASSERT_TRUE(big);
  EXPECT_EQ(big->status, 413);
  EXPECT_EQ(parse(big->body)["error"], "body_too_large");
  expect_security_headers(big);

  EXPECT_EQ(get("/api/v1/board/tree-head")->body, before_head);
  EXPECT_EQ(get("/api/v1/board/ballots")->body, before_ballots);
}

TEST_F(Board, ASecondServerOrAdminOnTheSameDirectoryIsRefused) {
  if (urn::test::postgres_backend()) GTEST_SKIP() << "with PostgreSQL, servers share an election";
  Server second(s_->dir.path, {"--data-dir", s_->data});
  EXPECT_EQ(second.process().wait(), 2);
  EXPECT_NE(second.process().err().find("urn_locked"), std::string::npos) << second.process().err();
  Ran st = admin(s_->dir.path, {"--data-dir", s_->data, "status"});
  EXPECT_EQ(st.code, 1);
  EXPECT_NE(st.err.find("urn_locked"), std::string::npos) << st.err;
}

TEST_F(Board, ASecondServerOnTheSameDatabaseServesTheSameBoard) {
  if (!urn::test::postgres_backend()) GTEST_SKIP() << "with SQLite, one server per directory";
  Server second(s_->dir.path, {"--data-dir", s_->data});
  ASSERT_TRUE(second.ready()) << second.process().err();
  httplib::Client c("127.0.0.1", second.port());
  for (const char* path :
       {"/api/v1/board/manifest", "/api/v1/board/tree-head", "/api/v1/board/ballots"}) {
    auto there = c.Get(path);
    ASSERT_TRUE(there) << path;
    EXPECT_EQ(there->status, 200) << path;
    EXPECT_EQ(there->body, get(path)->body) << path;
  }
  Ran st = admin(s_->dir.path, {"--data-dir", s_->data, "status"});
  EXPECT_EQ(st.code, 0) << st.err;
  EXPECT_EQ(second.stop(), 0);
}

// ---------------------------------------------------------------------------
// The admin command's refusals change nothing.

TEST(Admin, RefusalsNameTheFaultAndChangeNothing) {
  TempDir dir;
  const std::string data = dir.path + "/data";
  Ran key = admin(dir.path, {"--data-dir", data, "server-key"});
  ASSERT_EQ(key.code, 0);
  const std::string key_b64 = key.out.substr(0, key.out.find('\n'));
  EXPECT_EQ(admin(dir.path, {"--data-dir", data, "server-key"}).out, key.out);  // reused

  // A manifest naming another key: refused, with the setup order as a hint.
  const std::string other = make_manifest(base64url_encode(SigningKey::generate().public_key()));
  write_file(dir.path + "/other.json", other);
  Ran wrong = admin(dir.path, {"--data-dir", data, "election", "import", dir.path + "/other.json",
                               isoloir::test::vector_path("record/trustees.json")});
  EXPECT_EQ(wrong.code, 1);
  EXPECT_NE(wrong.err.find("server-key"), std::string::npos) << wrong.err;

  const std::string manifest_text = make_manifest(key_b64);
  const Manifest m = *parse_manifest(manifest_text);
  write_file(dir.path + "/m.json", manifest_text);
  ASSERT_EQ(admin(dir.path, {"--data-dir", data, "election", "import", dir.path + "/m.json",
                             isoloir::test::vector_path("record/trustees.json")})
                .code,
            0);
  Ran twice = admin(dir.path, {"--data-dir", data, "election", "import", dir.path + "/m.json",
                               isoloir::test::vector_path("record/trustees.json")});
  EXPECT_EQ(twice.code, 1);
  EXPECT_NE(twice.err.find("already_imported"), std::string::npos) << twice.err;

  const std::vector<Voter> voters = {{generate_vote_code(), "a@example.org"},
                                     {generate_vote_code(), "b@example.org"}};
  std::string csv = make_voter_csv(m, voters);
  // Line 3 gets a scrutin the manifest does not have.
  std::string bad = csv;
  const size_t line3 = bad.find("b@example.org");
  bad.replace(bad.find(m.scrutins[0].id, line3), m.scrutins[0].id.size(), "nope");
  write_file(dir.path + "/bad.csv", bad);
  Ran malformed = admin(dir.path, {"--data-dir", data, "voters", "import", dir.path + "/bad.csv"});
  EXPECT_EQ(malformed.code, 1);
  EXPECT_NE(malformed.err.find("line 3"), std::string::npos) << malformed.err;
  write_file(dir.path + "/syntax.csv", csv + "\"unterminated,x\n");
  Ran syntax = admin(dir.path, {"--data-dir", data, "voters", "import", dir.path + "/syntax.csv"});
  EXPECT_EQ(syntax.code, 1);
  EXPECT_NE(syntax.err.find("line 4"), std::string::npos) << syntax.err;
  EXPECT_NE(admin(dir.path, {"--data-dir", data, "status"}).out.find("voters: 0"),
            std::string::npos);

  write_file(dir.path + "/v.csv", csv);
  Ran ok = admin(dir.path, {"--data-dir", data, "voters", "import", dir.path + "/v.csv"});
  EXPECT_EQ(ok.code, 0) << ok.err;
  EXPECT_EQ(ok.out, "2\n");
  Ran again = admin(dir.path, {"--data-dir", data, "voters", "import", dir.path + "/v.csv"});
  EXPECT_EQ(again.code, 1);
  EXPECT_NE(again.err.find("duplicate_voter"), std::string::npos) << again.err;
  EXPECT_NE(again.err.find("line 2"), std::string::npos) << again.err;
  EXPECT_NE(admin(dir.path, {"--data-dir", data, "status"}).out.find("voters: 2"),
            std::string::npos);

  EXPECT_EQ(admin(dir.path, {"status"}).code, 2);  // no --data-dir
  EXPECT_EQ(admin(dir.path, {"--data-dir", data, "frobnicate"}).code, 2);
}

// ---------------------------------------------------------------------------
// Starting and stopping.

TEST(ServerStart, RefusesWhatItCannotUseAndSaysWhy) {
  TempDir dir;
  write_file(dir.path + "/broken.json", "{\"data_dir\": ");
  write_file(dir.path + "/typo.json", "{\"data_dir\": \"" + dir.path + "/d\", \"prot\": 1}");
  write_file(dir.path + "/port.json", "{\"data_dir\": \"" + dir.path + "/d\", \"port\": 70000}");
  write_file(dir.path + "/a-file", "not a directory");
  struct Case {
    std::vector<std::string> args;
    std::string says;
  };
  const std::vector<Case> cases = {
      {{"--config", dir.path + "/missing.json"}, "missing.json"},
      {{"--config", dir.path + "/broken.json"}, "not JSON"},
      {{"--config", dir.path + "/typo.json"}, "unknown key \"prot\""},
      {{"--config", dir.path + "/port.json"}, "port"},
      {{"--data-dir", dir.path + "/a-file"}, "not a directory"},
      {{"--data-dir", dir.path + "/a-file/sub"}, "a-file/sub"},
      {{}, "no data directory"},
      {{"--data-dir", dir.path + "/d", "--bogus"}, "--bogus"},
      {{"--data-dir", dir.path + "/d", "--listen", "256.1.1.1"}, "cannot listen"},
  };
  for (const Case& k : cases) {
    Process p(ISOLOIR_SERVER, k.args, dir.path);
    EXPECT_EQ(p.wait(), 2) << k.says;
    EXPECT_NE(p.err().find(k.says), std::string::npos) << p.err();
    EXPECT_EQ(p.out(), "");
  }
}

TEST(ServerStart, CreatesItsKeyMode0600AndReusesItOnRestart) {
  TempDir dir;
  const std::string data = dir.path + "/data";
  write_file(dir.path + "/config.json", "{\"data_dir\": \"" + data +
                                            "\", \"listen\": \"127.0.0.1\", \"max_body_bytes\": "
                                            "1024, \"trust_proxy\": false, \"tls\": false}");
  std::string first_key;
  for (int run = 0; run < 2; ++run) {
    Server server(dir.path, {"--config", dir.path + "/config.json"});
    ASSERT_TRUE(server.ready()) << server.process().err();
    EXPECT_NE(server.process().out().find("http://127.0.0.1:" + std::to_string(server.port()) +
                                          "/api/v1/board/manifest"),
              std::string::npos)
        << server.process().out();
    struct stat st {};
    ASSERT_EQ(stat((data + "/server.key").c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777, 0600u);
    const std::string key = slurp(data + "/server.key");
    EXPECT_EQ(key.size(), 64u);
    if (run == 0) first_key = key;
    EXPECT_EQ(key, first_key);

    // No election yet: the board says so.
    httplib::Client c("127.0.0.1", server.port());
    auto m = c.Get("/api/v1/board/manifest");
    ASSERT_TRUE(m);
    EXPECT_EQ(m->status, 404);
    EXPECT_EQ(parse(m->body)["error"], "no_election");
    auto h = c.Get("/api/v1/board/tree-head");
    ASSERT_TRUE(h);
    EXPECT_EQ(h->status, 404);
    // The config's smaller body limit applies.
    auto big = c.Post("/api/v1/board/manifest", std::string(2048, 'x'), "application/json");
    ASSERT_TRUE(big);
    EXPECT_EQ(big->status, 413);

    EXPECT_EQ(server.stop(), 0);  // SIGTERM: a clean stop
  }
  // The key the admin prints is the one the server signs with.
  Ran key = admin(dir.path, {"--data-dir", data, "server-key"});
  auto sk = SigningKey::from_secret_bytes(
      ByteView(reinterpret_cast<const uint8_t*>(first_key.data()), first_key.size()));
  ASSERT_TRUE(sk.ok());
  EXPECT_EQ(key.out, base64url_encode(sk->public_key()) + "\n");
}

}  // namespace
}  // namespace isoloir::server::test

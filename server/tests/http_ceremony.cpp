// The key ceremony's relay across real processes (server/src/http/http_ceremony.cpp,
// ceremony_store.h): `isoloir-admin ceremony open` prints the links, the
// trustees (here the core's rounds in this process, as a page or the CLI
// would run them) read the ceremony and post their documents with their
// token, and `isoloir-admin ceremony finish` writes trustees.json, or names a
// trustee whose proof is wrong and writes nothing.
#include <gtest/gtest.h>
#include <httplib.h>

#include <map>
#include <regex>
#include <string>
#include <vector>

#include "http_harness.h"
#include "isoloir/canonical_json.h"
#include "isoloir/ceremony.h"
#include "isoloir/key_file.h"
#include "isoloir/random.h"
#include "isoloir/trustees.h"

namespace isoloir::server::test {
namespace {

const std::vector<std::string> kNames = {"Alice Martin", "Bruno Petit", "Chloé Roux"};

// The tokens printed by `ceremony open`, trustee 1 first.
std::vector<std::string> open_ceremony(const std::string& scratch, const std::string& data,
                                       const std::string& election) {
  std::vector<std::string> args = {"--data-dir",    data,     "ceremony",    "open",
                                   "--election-id", election, "--threshold", "2"};
  args.insert(args.end(), kNames.begin(), kNames.end());
  const Ran r = admin(scratch, args);
  EXPECT_EQ(r.code, 0) << r.err;
  std::vector<std::string> tokens;
  const std::regex line(R"(trustee (\d) \(([^)]*)\): /tresorier#([A-Za-z0-9_-]{43}))");
  for (std::sregex_iterator it(r.out.begin(), r.out.end(), line), end; it != end; ++it) {
    tokens.push_back((*it)[3]);
  }
  EXPECT_EQ(tokens.size(), 3U) << r.out;
  return tokens;
}

httplib::Headers bearer(const std::string& token) {
  return {{"Authorization", "Bearer " + token}};
}

httplib::Result post(httplib::Client& c, const std::string& what, const std::string& token,
                     const Json& document) {
  Json body = Json::object();
  body["document"] = document;
  return c.Post("/api/v1/ceremony/" + what, bearer(token), canonical_dump(body),
                "application/json");
}

std::vector<CeremonyStart> starts(const std::string& election) {
  SystemScalarSource rng;
  std::vector<CeremonyStart> out;
  for (uint32_t i = 1; i <= 3; ++i) {
    auto s = ceremony_init(election, i, 3, 2, kNames[i - 1], rng);
    EXPECT_TRUE(s.ok());
    out.push_back(std::move(*s));
  }
  return out;
}

TEST(Ceremony, RelaysTheRoundsChecksEachDocumentAndSpendsTheLinks) {
  TempDir d;
  const std::string data = d.path + "/data";
  const std::string election = "men-2026";
  const auto tokens = open_ceremony(d.path, data, election);
  ASSERT_EQ(tokens.size(), 3U);
  // One ceremony per data directory.
  EXPECT_EQ(admin(d.path, {"--data-dir", data, "ceremony", "open", "--election-id", "x",
                           "--threshold", "1", "A", "B"})
                .code,
            1);
  Server server(d.path, {"--data-dir", data});
  ASSERT_TRUE(server.ready());
  httplib::Client c("127.0.0.1", server.port());

  // The token: none, unknown, then trustee 1's.
  EXPECT_EQ(c.Get("/api/v1/ceremony")->status, 401);
  EXPECT_EQ(c.Get("/api/v1/ceremony", bearer(std::string(43, 'A')))->status, 401);
  auto r = c.Get("/api/v1/ceremony", bearer(tokens[0]));
  ASSERT_EQ(r->status, 200);
  Json state = parse(r->body);
  EXPECT_EQ(state["me"], 1);
  EXPECT_EQ(state["trustees"], 3);
  EXPECT_EQ(state["threshold"], 2);
  EXPECT_EQ(state["election_id"], election);
  EXPECT_EQ(state["members"][2]["name"], kNames[2]);
  EXPECT_EQ(state["commitments"].size(), 0U);

  auto all = starts(election);
  std::vector<TrusteeCommitment> commitments;
  for (const auto& s : all) commitments.push_back(s.commitment);
  // Another trustee's commitment, a name not the trustee's, another
  // election's: refused. Shares before the commitment: not yet.
  r = post(c, "commitment", tokens[0], commitment_to_json(all[1].commitment));
  EXPECT_EQ(r->status, 400);
  EXPECT_EQ(parse(r->body)["error"], "wrong_document");
  TrusteeCommitment renamed = all[0].commitment;
  renamed.name = "Someone Else";
  EXPECT_EQ(post(c, "commitment", tokens[0], commitment_to_json(renamed))->status, 400);
  Json garbled = commitment_to_json(all[0].commitment);
  garbled["pok"]["s"] = "not a scalar";
  EXPECT_EQ(post(c, "commitment", tokens[0], garbled)->status, 400);
  EXPECT_EQ(c.Post("/api/v1/ceremony/commitment", bearer(tokens[0]), "{}", "text/plain")->status,
            415);
  auto checked = check_commitments(commitments);
  ASSERT_TRUE(checked.ok());
  auto shares1 = ceremony_shares(all[0].key, *checked);
  ASSERT_TRUE(shares1.ok());
  r = post(c, "shares", tokens[0], shares_to_json(*shares1));
  EXPECT_EQ(r->status, 409);
  EXPECT_EQ(parse(r->body)["error"], "not_yet");

  // The commitments; the token may come in the body too. No overwrite.
  for (size_t i = 0; i < 3; ++i) {
    Json body = Json::object();
    body["document"] = commitment_to_json(all[i].commitment);
    body["token"] = tokens[i];
    r = c.Post("/api/v1/ceremony/commitment", canonical_dump(body), "application/json");
    EXPECT_EQ(r->status, 201) << r->body;
  }
  r = post(c, "commitment", tokens[0], commitment_to_json(all[0].commitment));
  EXPECT_EQ(r->status, 409);
  EXPECT_EQ(parse(r->body)["error"], "already_posted");
  state = parse(c.Get("/api/v1/ceremony", bearer(tokens[1]))->body);
  EXPECT_EQ(state["me"], 2);
  ASSERT_EQ(state["commitments"].size(), 3U);
  EXPECT_EQ(canonical_dump(state["commitments"][0]),
            canonical_dump(commitment_to_json(all[0].commitment)));

  // Round 2 and 3 from what the server relays.
  std::vector<TrusteeShares> shares;
  for (size_t i = 0; i < 3; ++i) {
    auto s = ceremony_shares(all[i].key, *checked);
    ASSERT_TRUE(s.ok());
    EXPECT_EQ(post(c, "shares", tokens[i], shares_to_json(*s))->status, 201);
    shares.push_back(std::move(*s));
  }
  state = parse(c.Get("/api/v1/ceremony", bearer(tokens[2]))->body);
  ASSERT_EQ(state["shares"].size(), 3U);
  // Not finished yet: the admin's finish refuses, names who is missing.
  Ran fin = admin(d.path, {"--data-dir", data, "ceremony", "finish", "--out", d.path + "/t.json"});
  EXPECT_EQ(fin.code, 1);
  EXPECT_NE(fin.err.find("not_yet"), std::string::npos) << fin.err;
  std::vector<std::string> keys;
  for (size_t i = 0; i < 3; ++i) {
    auto f = ceremony_finish(all[i].key, *checked, shares);
    ASSERT_TRUE(f.ok());
    keys.push_back(f->verification_key.verification_key.to_base64url());
    r = post(c, "verification-key", tokens[i], verification_key_to_json(f->verification_key));
    EXPECT_EQ(r->status, 201);
    EXPECT_EQ(parse(r->body)["done"], true);
    // The link is spent.
    r = c.Get("/api/v1/ceremony", bearer(tokens[i]));
    EXPECT_EQ(r->status, 410);
    EXPECT_EQ(parse(r->body)["error"], "link_spent");
  }

  // The admin's end, while the server runs.
  fin = admin(d.path, {"--data-dir", data, "ceremony", "finish", "--out", d.path + "/t.json"});
  ASSERT_EQ(fin.code, 0) << fin.err;
  auto doc = parse_json(slurp(d.path + "/t.json"));
  ASSERT_TRUE(doc.ok());
  auto trustees = load_trustees(*doc);
  ASSERT_TRUE(trustees.ok()) << trustees.error().message();
  EXPECT_NE(fin.out.find("public_key: " + trustees->public_key.to_base64url() + "\n"),
            std::string::npos);
  EXPECT_NE(fin.out.find("threshold: 2 of 3\n"), std::string::npos);
  for (size_t i = 0; i < 3; ++i) {
    EXPECT_EQ(trustees->trustees[i].verification_key.to_base64url(), keys[i]);
  }
  // Never overwritten.
  EXPECT_EQ(
      admin(d.path, {"--data-dir", data, "ceremony", "finish", "--out", d.path + "/t.json"}).code,
      2);
  EXPECT_EQ(server.stop(), 0);
}

TEST(Ceremony, FinishNamesATrusteeWhoseProofIsWrongAndWritesNothing) {
  TempDir d;
  const std::string data = d.path + "/data";
  const auto tokens = open_ceremony(d.path, data, "men-2026");
  ASSERT_EQ(tokens.size(), 3U);
  Server server(d.path, {"--data-dir", data});
  ASSERT_TRUE(server.ready());
  httplib::Client c("127.0.0.1", server.port());
  auto all = starts("men-2026");
  // Trustee 2 posts trustee 3's proof: well formed, proves nothing.
  all[1].commitment.pok = all[2].commitment.pok;
  for (size_t i = 0; i < 3; ++i) {
    EXPECT_EQ(post(c, "commitment", tokens[i], commitment_to_json(all[i].commitment))->status, 201);
  }
  const Ran fin =
      admin(d.path, {"--data-dir", data, "ceremony", "finish", "--out", d.path + "/t.json"});
  EXPECT_EQ(fin.code, 1);
  EXPECT_NE(fin.err.find("bad_pok"), std::string::npos) << fin.err;
  EXPECT_NE(fin.err.find("trustee 2 (Bruno Petit)"), std::string::npos) << fin.err;
  EXPECT_FALSE(std::filesystem::exists(d.path + "/t.json"));
  EXPECT_EQ(server.stop(), 0);
}

TEST(Ceremony, WithoutACeremonyTheRoutesAnswerNoCeremony) {
  TempDir d;
  Server server(d.path, {"--data-dir", d.path + "/data"});
  ASSERT_TRUE(server.ready());
  httplib::Client c("127.0.0.1", server.port());
  // A token no ceremony knows.
  auto r = c.Get("/api/v1/ceremony", bearer(std::string(43, 'x')));
  EXPECT_EQ(r->status, 401);
  EXPECT_EQ(c.Delete("/api/v1/ceremony")->status, 405);
  const Ran fin = admin(
      d.path, {"--data-dir", d.path + "/data", "ceremony", "finish", "--out", d.path + "/t.json"});
  EXPECT_EQ(fin.code, 1);
  EXPECT_EQ(server.stop(), 0);
}

}  // namespace
}  // namespace isoloir::server::test

// The urn's storage layer on real files in a temporary directory: casting and
// its receipts checked with the core's verifiers, every refusal (and that it
// writes nothing), one ballot per voter and scrutin under concurrency,
// reopening, loading voters, re-issue, the board's proofs and the exported
// record verified by the core's verify_record.
#include <gtest/gtest.h>
#include <sqlite3.h>
#include <sys/stat.h>

#include <atomic>
#include <chrono>
#include <fstream>
#include <map>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "isoloir/ballot.h"
#include "isoloir/canonical_json.h"
#include "isoloir/credential.h"
#include "isoloir/merkle.h"
#include "isoloir/point.h"
#include "isoloir/receipt.h"
#include "isoloir/record.h"
#include "isoloir/scalar.h"
#include "isoloir/tree_head.h"
#include "isoloir/urn/server_key.h"
#include "isoloir/urn/urn.h"
#include "isoloir/vote_code.h"
#include "urn_fixture.h"

namespace isoloir::urn {
namespace {

using test::at;
using test::TempDir;
using test::TestElection;
using test::TestVoter;

const TestElection& election() {
  static const TestElection* e = new TestElection();
  return *e;
}

constexpr const char* kScrutin = "csa-academique";

merkle::Hash leaf_of(const std::string& reference) {
  auto digest = base64url_decode_fixed<32>(reference, "reference");
  EXPECT_TRUE(digest.ok());
  return merkle::leaf_hash(digest.ok() ? *digest : Digest32{});
}

TEST(Urn, CastReturnsReceiptsTheCoreVerifies) {
  TempDir dir;
  const auto voters = election().voters(2);
  auto urn = election().open_with(dir.path(), voters);
  const Manifest& m = election().manifest();
  const std::string bytes = election().ballot(voters[0], kScrutin, 2);

  auto receipt = urn->cast(voters[0].identifier, bytes, Timestamp{at(60).seconds, 700'000'000});
  ASSERT_TRUE(receipt.ok()) << receipt.error().message();
  EXPECT_EQ(receipt->reference, ballot_reference(bytes));
  EXPECT_EQ(receipt->log_index, 0u);

  auto deposit = verify_deposit(receipt->deposit, m.server_key, m.hash_b64);
  ASSERT_TRUE(deposit.ok()) << deposit.error().message();
  EXPECT_EQ(deposit->reference, receipt->reference);
  EXPECT_EQ(deposit->scrutin, kScrutin);
  EXPECT_EQ(deposit->received_at, at(60));  // whole seconds, as signed documents carry them
  EXPECT_EQ(deposit->tree_head.size, 1u);
  EXPECT_EQ(deposit->tree_head.root, merkle::root(std::vector{leaf_of(receipt->reference)}));

  auto emargement = verify_emargement(receipt->emargement, m.server_key, m.hash_b64);
  ASSERT_TRUE(emargement.ok()) << emargement.error().message();
  EXPECT_EQ(emargement->voter, voters[0].pseudonym);
  EXPECT_EQ(emargement->scrutin, kScrutin);

  // The émargement can be downloaded again; the voter may vote in another scrutin.
  auto again = urn->emargement(voters[0].identifier, kScrutin);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(*again, receipt->emargement);
  EXPECT_EQ(urn->emargement(voters[0].identifier, "capn-2d").error().reason, "not_found");
  auto second =
      urn->cast(voters[0].identifier, election().ballot(voters[0], "csa-ministeriel"), at(61));
  ASSERT_TRUE(second.ok()) << second.error().message();
  EXPECT_EQ(second->log_index, 1u);

  auto board = urn->ballots(0, 10);
  ASSERT_TRUE(board.ok());
  ASSERT_EQ(board->size(), 2u);
  EXPECT_EQ((*board)[0].ballot, bytes);
  EXPECT_EQ((*board)[0].received_at, "2023-11-14T22:14:20Z");
  EXPECT_EQ((*board)[1].log_index, 1u);
  EXPECT_EQ(urn->ballots(1, 10)->size(), 1u);
  EXPECT_EQ(urn->ballots(0, 1)->size(), 1u);
}

// Each refusal gives the protocol's reason and leaves both files as they were.
TEST(Urn, EveryStateRefusalWritesNothing) {
  TempDir dir;
  auto voters = election().voters(3);
  voters[2].scrutins = {"capn-2d"};  // not on the csa-academique list
  auto urn = election().open_with(dir.path(), voters);
  ASSERT_TRUE(urn->cast(voters[1].identifier, election().ballot(voters[1], kScrutin), at(5)).ok());
  const auto before = urn->export_record();
  ASSERT_TRUE(before.ok());

  const TestVoter& v = voters[0];
  const std::string good = election().ballot(v, kScrutin);
  const std::string stranger = election().ballot(v, kScrutin, 0, generate_vote_code());
  std::string tampered = good;
  tampered[tampered.size() / 2] ^= 1;
  struct Case {
    const char* name;
    std::string voter, bytes;
    Timestamp when;
    const char* reason;
  };
  const std::vector<Case> cases = {
      {"before opening", v.identifier, good, at(-1), "window_not_open"},
      {"at closing", v.identifier, good, Timestamp::from_unix(test::kCloses), "window_closed"},
      {"unregistered code", v.identifier, stranger, at(10), "unknown_credential"},
      {"another voter's credential", voters[1].identifier, good, at(10), "unknown_credential"},
      {"second ballot", voters[1].identifier, election().ballot(voters[1], kScrutin), at(10),
       "already_voted"},
      {"not on the list", voters[2].identifier, election().ballot(voters[2], kScrutin), at(10),
       "not_eligible"},
      {"unknown voter", "nobody@example.org", good, at(10), "unknown_voter"},
      {"bad bytes", v.identifier, tampered, at(10), ""},
  };
  for (const Case& c : cases) {
    auto r = urn->cast(c.voter, c.bytes, c.when);
    ASSERT_FALSE(r.ok()) << c.name;
    if (*c.reason != '\0') {
      EXPECT_EQ(r.error().reason, c.reason) << c.name;
    }
  }
  // A credential before its issue, and after its revocation.
  const std::string new_code = generate_vote_code();
  const PublicKey fresh = credential_key(election().manifest().id, new_code)->public_key();
  ASSERT_TRUE(urn->reissue_credential(v.identifier, fresh, at(100)).ok());
  EXPECT_EQ(urn->cast(v.identifier, good, at(100)).error().reason, "revoked_credential");
  const std::string with_new = election().ballot(v, kScrutin, 0, new_code);
  EXPECT_EQ(urn->cast(v.identifier, with_new, at(99)).error().reason, "unknown_credential");

  const auto after = urn->export_record();
  ASSERT_TRUE(after.ok());
  EXPECT_EQ(after->ballots, before->ballots);
  EXPECT_EQ(after->tree_head, before->tree_head);
  EXPECT_EQ(urn->size(), 1u);
  EXPECT_EQ(urn->emargement(v.identifier, kScrutin).error().reason, "not_found");
  // And the new credential works from its issue on.
  EXPECT_TRUE(urn->cast(v.identifier, with_new, at(100)).ok());
}

TEST(Urn, NoElectionNoCast) {
  TempDir dir;
  const auto voters = election().voters(1);
  auto urn = election().open_with(dir.path(), voters, /*import=*/false);
  EXPECT_EQ(
      urn->cast(voters[0].identifier, election().ballot(voters[0], kScrutin), at(1)).error().reason,
      "no_election");
  EXPECT_EQ(urn->import_voters({voters[0].row()}, at(0)).error().reason, "no_election");
}

TEST(Urn, ConcurrentDoubleVoteExactlyOneSucceeds) {
  TempDir dir;
  const auto voters = election().voters(1);
  auto urn = election().open_with(dir.path(), voters);
  constexpr int kThreads = 8;
  std::vector<std::string> ballots;  // distinct ballots, same voter and scrutin
  for (int i = 0; i < kThreads; ++i) ballots.push_back(election().ballot(voters[0], kScrutin, i));
  std::atomic<int> ok{0};
  std::atomic<int> already{0};
  std::atomic<bool> go{false};
  std::vector<std::thread> threads;
  for (int i = 0; i < kThreads; ++i) {
    threads.emplace_back([&, i] {
      while (!go.load()) std::this_thread::yield();
      auto r = urn->cast(voters[0].identifier, ballots[i], at(30));
      if (r.ok()) ++ok;
      if (!r.ok() && r.error().reason == "already_voted") ++already;
    });
  }
  go = true;
  for (auto& t : threads) t.join();
  EXPECT_EQ(ok.load(), 1);
  EXPECT_EQ(already.load(), kThreads - 1);
  EXPECT_EQ(urn->size(), 1u);
}

TEST(Urn, ConcurrentVotersGetContiguousIndices) {
  TempDir dir;
  constexpr size_t kVoters = 16;
  const auto voters = election().voters(kVoters);
  auto urn = election().open_with(dir.path(), voters);
  std::vector<std::string> ballots;
  for (const auto& v : voters) ballots.push_back(election().ballot(v, kScrutin));
  std::vector<std::thread> threads;
  std::atomic<size_t> next{0};
  std::atomic<int> failures{0};
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (size_t i = next++; i < kVoters; i = next++) {
        if (!urn->cast(voters[i].identifier, ballots[i], at(40)).ok()) ++failures;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(failures.load(), 0);
  auto board = urn->ballots(0, 100);
  ASSERT_TRUE(board.ok());
  ASSERT_EQ(board->size(), kVoters);
  std::vector<merkle::Hash> leaves;
  for (size_t i = 0; i < kVoters; ++i) {
    EXPECT_EQ((*board)[i].log_index, i);
    leaves.push_back(leaf_of((*board)[i].reference));
  }
  EXPECT_EQ(urn->latest_tree_head()->root, merkle::root(leaves));
}

// Many casters at once, so that casts are written in groups (Urn::cast):
// good ballots, double votes and refusals mixed in the same groups. Each
// accepted ballot gets its own deposit proof whose signed tree head is the
// log just after it (PROTOCOL.md section 6); each refusal is its own and
// writes nothing; one ballot per voter and scrutin.
TEST(Urn, WriteGroupsAnswerEachCastAsIfAlone) {
  TempDir dir;
  constexpr size_t kVoters = 48;
  const Manifest& m = election().manifest();
  const auto voters = election().voters(kVoters);
  auto urn = election().open_with(dir.path(), voters);
  struct Attempt {
    std::string voter, ballot, expect;  // expect: "" accepted, "double" one of two, or a reason
  };
  std::vector<Attempt> attempts;
  for (size_t i = 0; i < kVoters; ++i) {
    const TestVoter& v = voters[i];
    if (i % 6 == 1) {
      // Two different ballots of the same voter and scrutin: exactly one wins.
      attempts.push_back({v.identifier, election().ballot(v, kScrutin, 0), "double"});
      attempts.push_back({v.identifier, election().ballot(v, kScrutin, 1), "double"});
    } else if (i % 6 == 2) {
      // Another voter's ballot (signed with someone else's credential).
      attempts.push_back({v.identifier, election().ballot(voters[(i + 1) % kVoters], "capn-2d"),
                          "unknown_credential"});
    } else if (i % 6 == 3) {
      attempts.push_back({"nobody@example.org", election().ballot(v, kScrutin), "unknown_voter"});
    } else {
      attempts.push_back({v.identifier, election().ballot(v, kScrutin, i % 3), ""});
    }
  }
  std::vector<std::optional<Result<CastReceipt>>> results(attempts.size());
  std::atomic<size_t> next{0};
  std::atomic<bool> go{false};
  std::vector<std::thread> threads;
  for (int t = 0; t < 16; ++t) {
    threads.emplace_back([&] {
      while (!go.load()) std::this_thread::yield();
      for (size_t i; (i = next++) < attempts.size();) {
        results[i] = urn->cast(attempts[i].voter, attempts[i].ballot, at(50));
      }
    });
  }
  go = true;
  for (auto& t : threads) t.join();

  auto board = urn->ballots(0, 1000);
  ASSERT_TRUE(board.ok());
  std::vector<merkle::Hash> leaves;
  for (const BoardBallot& b : *board) leaves.push_back(leaf_of(b.reference));
  std::map<std::string, int> doubles_won;
  size_t accepted = 0;
  for (size_t i = 0; i < attempts.size(); ++i) {
    const Attempt& a = attempts[i];
    const Result<CastReceipt>& r = *results[i];
    if (a.expect == "double") {
      if (r.ok()) {
        ++doubles_won[a.voter];
      } else {
        EXPECT_EQ(r.error().reason, "already_voted") << i;
        continue;
      }
    } else if (!a.expect.empty()) {
      ASSERT_FALSE(r.ok()) << i;
      EXPECT_EQ(r.error().reason, a.expect) << i;
      continue;
    }
    ASSERT_TRUE(r.ok()) << i << ": " << r.error().message();
    ++accepted;
    auto deposit = verify_deposit(r->deposit, m.server_key, m.hash_b64);
    ASSERT_TRUE(deposit.ok()) << deposit.error().message();
    ASSERT_LT(r->log_index, board->size());
    EXPECT_EQ((*board)[r->log_index].ballot, a.ballot);
    EXPECT_EQ(deposit->log_index, r->log_index);
    EXPECT_EQ(deposit->tree_head.size, r->log_index + 1);
    EXPECT_EQ(deposit->tree_head.root,
              merkle::root(std::vector<merkle::Hash>(
                  leaves.begin(), leaves.begin() + static_cast<std::ptrdiff_t>(r->log_index + 1))));
    EXPECT_TRUE(verify_emargement(r->emargement, m.server_key, m.hash_b64).ok());
  }
  for (const auto& [voter, won] : doubles_won) EXPECT_EQ(won, 1) << voter;
  EXPECT_EQ(doubles_won.size(), kVoters / 6);
  EXPECT_EQ(board->size(), accepted);
  EXPECT_EQ(urn->latest_tree_head()->size, accepted);
  EXPECT_EQ(urn->latest_tree_head()->root, merkle::root(leaves));
  // The refused casts wrote nothing: the reopened urn checks the ballots
  // against the émargements and the latest head against the log.
  urn.reset();
  auto reopened = Urn::open(dir.path(), test::server_key());
  ASSERT_TRUE(reopened.ok()) << reopened.error().message();
  EXPECT_EQ((*reopened)->size(), accepted);
}

// The board and the voters' pages are read on a connection of their own:
// while a write group waits for the database (here: another process's write
// transaction holds urn.sqlite, as a slow disk or a long commit would), they
// answer at once with what is committed.
TEST(Urn, ReadersDoNotWaitForTheWriter) {
  if (test::postgres_backend()) GTEST_SKIP() << "SQLite's file lock is what is held here";
  TempDir dir;
  const auto voters = election().voters(2);
  auto urn = election().open_with(dir.path(), voters);
  ASSERT_TRUE(urn->cast(voters[0].identifier, election().ballot(voters[0], kScrutin), at(10)).ok());
  const StoredTreeHead before = *urn->latest_tree_head();

  sqlite3* other = nullptr;
  ASSERT_EQ(sqlite3_open((dir.path() + "/urn.sqlite").c_str(), &other), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(other, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr), SQLITE_OK);
  std::atomic<bool> cast_done{false};
  std::thread writer([&] {
    // Waits in BEGIN IMMEDIATE (the urn's 5-second busy timeout) holding the
    // writer's lock, then goes in once the other transaction ends.
    auto r = urn->cast(voters[1].identifier, election().ballot(voters[1], kScrutin), at(11));
    EXPECT_TRUE(r.ok()) << r.error().message();
    cast_done = true;
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(300));  // the writer is waiting
  auto head = urn->latest_tree_head();
  auto board = urn->ballots(0, 10);
  auto info = urn->voter(voters[0].identifier);
  auto inclusion = urn->ballot(board.ok() && !board->empty() ? (*board)[0].reference : "");
  const bool answered_while_writing = !cast_done.load();
  ASSERT_EQ(sqlite3_exec(other, "ROLLBACK", nullptr, nullptr, nullptr), SQLITE_OK);
  sqlite3_close(other);
  writer.join();
  EXPECT_TRUE(answered_while_writing) << "the readers waited for the write group";
  ASSERT_TRUE(head.ok());
  EXPECT_EQ(head->document, before.document);  // the committed state only
  ASSERT_TRUE(board.ok());
  EXPECT_EQ(board->size(), 1u);
  EXPECT_EQ(urn->size(), 2u);
  ASSERT_TRUE(info.ok());
  ASSERT_TRUE(inclusion.ok()) << inclusion.error().message();
  EXPECT_EQ(inclusion->tree_head.size, 1u);
}

TEST(Urn, ReopenRebuildsTheSameLog) {
  TempDir dir;
  const auto voters = election().voters(5);
  StoredTreeHead head;
  {
    auto urn = election().open_with(dir.path(), voters);
    for (size_t i = 0; i < 4; ++i) {
      ASSERT_TRUE(urn->cast(voters[i].identifier, election().ballot(voters[i], kScrutin),
                            at(static_cast<int64_t>(i)))
                      .ok());
    }
    head = *urn->latest_tree_head();
    // One owner per directory while it is open, with SQLite; with
    // PostgreSQL, servers share the database.
    if (test::postgres_backend()) {
      EXPECT_TRUE(Urn::open(dir.path(), test::server_key()).ok());
    } else {
      EXPECT_EQ(Urn::open(dir.path(), test::server_key()).error().reason, "urn_locked");
    }
  }
  auto urn = Urn::open(dir.path(), test::server_key());
  ASSERT_TRUE(urn.ok()) << urn.error().message();
  EXPECT_EQ((*urn)->size(), 4u);
  EXPECT_EQ((*urn)->latest_tree_head()->document, head.document);
  EXPECT_EQ((*urn)->latest_tree_head()->root, head.root);
  auto r = (*urn)->cast(voters[4].identifier, election().ballot(voters[4], kScrutin), at(9));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->log_index, 4u);
  EXPECT_EQ((*urn)
                ->cast(voters[0].identifier, election().ballot(voters[0], kScrutin), at(9))
                .error()
                .reason,
            "already_voted");
  // Another key cannot open an election signed for this one.
  urn->reset();
  EXPECT_EQ(Urn::open(dir.path(), SigningKey::generate()).error().reason, "bad_server_key");
}

// The log is read back in pages of leaves_per_query references: at the
// page boundaries (a page of one, pages that end exactly at the last
// ballot, one page larger than the log) the same log, proofs and all.
TEST(Urn, ReopenReadsTheLogInPages) {
  TempDir dir;
  constexpr size_t kBallots = 6;
  const auto voters = election().voters(kBallots + 1);
  StoredTreeHead head;
  std::vector<std::string> references;
  {
    auto urn = election().open_with(dir.path(), voters);
    for (size_t i = 0; i < kBallots; ++i) {
      auto r = urn->cast(voters[i].identifier, election().ballot(voters[i], kScrutin),
                         at(static_cast<int64_t>(i)));
      ASSERT_TRUE(r.ok()) << r.error().message();
      references.push_back(r->reference);
    }
    head = *urn->latest_tree_head();
  }
  EXPECT_EQ(Urn::open(dir.path(), test::server_key(), UrnOptions{0}).error().reason, "bad_config");
  for (const uint64_t page : {1u, 2u, 3u, 5u, 6u, 7u}) {
    auto urn = Urn::open(dir.path(), test::server_key(), UrnOptions{page});
    ASSERT_TRUE(urn.ok()) << urn.error().message();
    EXPECT_EQ((*urn)->size(), kBallots) << page;
    EXPECT_EQ((*urn)->latest_tree_head()->root, head.root) << page;
    for (size_t i = 0; i < kBallots; ++i) {
      auto proof = (*urn)->ballot(references[i]);
      ASSERT_TRUE(proof.ok()) << proof.error().message();
      EXPECT_TRUE(
          merkle::verify_inclusion(leaf_of(references[i]), i, kBallots, proof->path, head.root)
              .ok())
          << page << " " << i;
    }
    // The next ballot goes after the log read back.
    if (page == 7) {
      auto r = (*urn)->cast(voters[kBallots].identifier,
                            election().ballot(voters[kBallots], kScrutin), at(10));
      ASSERT_TRUE(r.ok()) << r.error().message();
      EXPECT_EQ(r->log_index, kBallots);
    }
  }
}

TEST(Urn, ImportsAreAllOrNothing) {
  TempDir dir;
  const auto voters = election().voters(4);
  auto urn = election().open_with(dir.path(), {}, /*import=*/true);
  EXPECT_EQ(
      urn->import_election(election().manifest_text(), election().trustees_text()).error().reason,
      "already_imported");

  std::vector<VoterRow> rows;
  for (const auto& v : voters) rows.push_back(v.row());
  ASSERT_TRUE(urn->import_voters({rows[0], rows[1]}, at(-10)).ok());
  const std::string credentials = urn->export_record()->credentials;

  // The same rows again, a bad row after good ones: refused, nothing added.
  auto twice = urn->import_voters({rows[2], rows[0]}, at(-5));
  ASSERT_FALSE(twice.ok());
  EXPECT_EQ(twice.error().reason, "duplicate_voter");
  EXPECT_NE(twice.error().detail.find("row 1"), std::string::npos) << twice.error().detail;
  std::vector<VoterRow> bad = {rows[2], rows[3]};
  bad[1].credential = "not base64!";
  bad[1].line = 7;
  auto refused = urn->import_voters(bad, at(-5));
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().reason, "bad_base64");
  EXPECT_NE(refused.error().detail.find("line 7"), std::string::npos);
  EXPECT_EQ(urn->export_record()->credentials, credentials);
  EXPECT_EQ(urn->emargement(rows[2].identifier, kScrutin).error().reason, "unknown_voter");

  struct Mutation {
    const char* reason;
    void (*change)(VoterRow&);
  };
  const Mutation mutations[] = {
      {"unknown_scrutin", [](VoterRow& r) { r.scrutins.push_back("nope"); }},
      {"malformed", [](VoterRow& r) { r.name.clear(); }},
      {"malformed", [](VoterRow& r) { r.identifier = "no-at-sign"; }},
      {"malformed", [](VoterRow& r) { r.scrutins.clear(); }},
      {"bad_length", [](VoterRow& r) { r.credential = "AAAA"; }},
      {"bad_credential", [](VoterRow& r) { r.credential = std::string(43, 'A'); }},
  };
  for (size_t i = 0; i < std::size(mutations); ++i) {
    VoterRow r = rows[2];
    mutations[i].change(r);
    EXPECT_EQ(urn->import_voters({r}, at(-5)).error().reason, mutations[i].reason) << i;
  }
  VoterRow dup = rows[2];
  dup.credential = rows[0].credential;
  EXPECT_EQ(urn->import_voters({dup}, at(-5)).error().reason, "duplicate_credential");
  VoterRow same_case = rows[2];
  same_case.identifier = "V0000@EXAMPLE.ORG";  // identifiers compare without case
  EXPECT_EQ(urn->import_voters({same_case}, at(-5)).error().reason, "duplicate_voter");
  EXPECT_EQ(urn->export_record()->credentials, credentials);
}

TEST(Urn, RefusesAManifestForAnotherKey) {
  TempDir dir;
  auto urn = Urn::open(dir.path(), SigningKey::generate());
  ASSERT_TRUE(urn.ok());
  EXPECT_EQ((*urn)
                ->import_election(election().manifest_text(), election().trustees_text())
                .error()
                .reason,
            "bad_manifest");
  EXPECT_EQ((*urn)->import_election("{", election().trustees_text()).error().reason,
            "non_canonical_json");
}

// The manifest's key must be the trustees': an election whose key nobody
// holds could never be counted, and one whose key is someone else's could
// be decrypted by them.
TEST(Urn, RefusesAManifestWhoseKeyIsNotTheTrustees) {
  TempDir dir;
  auto urn = Urn::open(dir.path(), test::server_key());
  ASSERT_TRUE(urn.ok());
  Json doc = Json::parse(election().manifest_text());
  doc["public_key"] = Point::base_mul(Scalar::from_u64(7)).to_base64url();
  EXPECT_EQ((*urn)->import_election(doc.dump(), election().trustees_text()).error().reason,
            "bad_public_key");
  // Relabelled for this election, another election's transcript no longer
  // proves knowledge of its keys: the proofs bind the election id.
  Json trustees = Json::parse(election().trustees_text());
  trustees["election_id"] = "another-election";
  EXPECT_EQ(
      (*urn)->import_election(election().manifest_text(), canonical_dump(trustees)).error().reason,
      "bad_pok");
  Json tampered = Json::parse(election().trustees_text());
  tampered["trustees"][0]["verification_key"] = Point::base_mul(Scalar::from_u64(7)).to_base64url();
  EXPECT_EQ(
      (*urn)->import_election(election().manifest_text(), canonical_dump(tampered)).error().reason,
      "bad_verification_key");
  EXPECT_EQ((*urn)->manifest().error().reason, "no_election");
  EXPECT_TRUE((*urn)->import_election(election().manifest_text(), election().trustees_text()));
}

TEST(Urn, ReissueRevokesTheOldCredential) {
  TempDir dir;
  const auto voters = election().voters(2);
  auto urn = election().open_with(dir.path(), voters);
  const std::string id = election().manifest().id;
  const std::string code = generate_vote_code();
  const PublicKey fresh = credential_key(id, code)->public_key();
  EXPECT_EQ(urn->reissue_credential("nobody@example.org", fresh, at(1)).error().reason,
            "unknown_voter");
  EXPECT_EQ(
      urn->reissue_credential(voters[0].identifier, voters[1].credential, at(1)).error().reason,
      "duplicate_credential");
  EXPECT_EQ(urn->reissue_credential(voters[0].identifier, PublicKey{}, at(1)).error().reason,
            "bad_credential");
  ASSERT_TRUE(urn->reissue_credential(voters[0].identifier, fresh, at(1)).ok());
  const PublicKey third = credential_key(id, generate_vote_code())->public_key();
  EXPECT_EQ(urn->reissue_credential(voters[0].identifier, third, at(1)).error().reason, "bad_time");
  auto record = urn->export_record();
  ASSERT_TRUE(record.ok());
  EXPECT_NE(record->credentials.find("\"revoked_at\":\"2023-11-14T22:13:21Z\""), std::string::npos);
  EXPECT_TRUE(
      urn->cast(voters[0].identifier, election().ballot(voters[0], kScrutin, 0, code), at(2)).ok());
}

// Issue 5: a ballot cast with a code before its re-issue stays valid; the
// new code votes in the other scrutins; the old one no longer votes; the
// record, with both credentials' events, verifies and counts both ballots.
TEST(Urn, BallotsCastBeforeAReissueStayValid) {
  TempDir dir;
  const auto voters = election().voters(1);
  auto urn = election().open_with(dir.path(), voters);
  ASSERT_TRUE(
      urn->cast(voters[0].identifier, election().ballot(voters[0], kScrutin, 1), at(10)).ok());
  const std::string code = generate_vote_code();
  ASSERT_TRUE(urn->reissue_credential(voters[0].identifier,
                                      credential_key(election().manifest().id, code)->public_key(),
                                      at(20))
                  .ok());
  EXPECT_EQ(urn->cast(voters[0].identifier, election().ballot(voters[0], "capn-2d", 0), at(30))
                .error()
                .reason,
            "revoked_credential");
  ASSERT_TRUE(
      urn->cast(voters[0].identifier, election().ballot(voters[0], "capn-2d", 2, code), at(40))
          .ok());
  auto files = urn->export_record();
  ASSERT_TRUE(files.ok()) << files.error().message();
  election().finish_record(*files);
  auto report = verify_record(*files);
  ASSERT_TRUE(report.ok()) << report.error().message();
  EXPECT_EQ(report->ballots, 2u);
  EXPECT_EQ(urn->size(), 2u);
}

TEST(Urn, InclusionAndConsistencyProofsVerify) {
  TempDir dir;
  constexpr size_t kBallots = 7;
  const auto voters = election().voters(kBallots);
  auto urn = election().open_with(dir.path(), voters);
  EXPECT_EQ(urn->latest_tree_head().error().reason, "empty_log");
  const Manifest& m = election().manifest();
  std::vector<std::string> references;
  for (size_t i = 0; i < kBallots; ++i) {
    auto r = urn->cast(voters[i].identifier, election().ballot(voters[i], kScrutin),
                       at(static_cast<int64_t>(i)));
    ASSERT_TRUE(r.ok());
    references.push_back(r->reference);
  }
  for (size_t i = 0; i < kBallots; ++i) {
    auto proof = urn->ballot(references[i]);
    ASSERT_TRUE(proof.ok());
    auto head = verify_tree_head(proof->tree_head.document, m.server_key, m.hash_b64);
    ASSERT_TRUE(head.ok());
    EXPECT_EQ(head->size, kBallots);
    EXPECT_TRUE(merkle::verify_inclusion(leaf_of(references[i]), proof->ballot.log_index,
                                         head->size, proof->path, head->root)
                    .ok());
  }
  EXPECT_EQ(urn->ballot(std::string(43, 'A')).error().reason, "not_found");
  for (uint64_t first = 1; first <= kBallots; ++first) {
    for (uint64_t second = first; second <= kBallots; ++second) {
      auto a = verify_tree_head(urn->tree_head(first)->document, m.server_key, m.hash_b64);
      auto b = verify_tree_head(urn->tree_head(second)->document, m.server_key, m.hash_b64);
      ASSERT_TRUE(a.ok() && b.ok());
      auto proof = urn->consistency_proof(first, second);
      ASSERT_TRUE(proof.ok());
      EXPECT_TRUE(merkle::verify_consistency(first, second, a->root, b->root, *proof).ok())
          << first << " " << second;
    }
  }
  EXPECT_FALSE(urn->consistency_proof(0, 3).ok());
  EXPECT_FALSE(urn->consistency_proof(3, kBallots + 1).ok());
  EXPECT_EQ(urn->tree_head(kBallots + 1).error().reason, "not_found");
}

// Two urns on one PostgreSQL election, as two servers: ballots cast on
// either are proved by the other, whose log catches up with what the other
// appended (and each keeps its indices contiguous).
TEST(Urn, ServersOnOneDatabaseProveEachOthersBallots) {
  if (!test::postgres_backend()) GTEST_SKIP() << "with SQLite, one urn per directory";
  TempDir dir;
  constexpr size_t kBallots = 6;
  const auto voters = election().voters(kBallots);
  auto a = election().open_with(dir.path(), voters);
  // b catches up with a's appends two references a query: in pages.
  auto b = Urn::open(dir.path(), test::server_key(), UrnOptions{2});
  ASSERT_TRUE(b.ok()) << b.error().message();
  const Manifest& m = election().manifest();
  std::vector<std::string> references;
  for (size_t i = 0; i < kBallots; ++i) {
    Urn& on = i % 2 == 0 ? *a : **b;
    auto r = on.cast(voters[i].identifier, election().ballot(voters[i], kScrutin),
                     at(static_cast<int64_t>(i)));
    ASSERT_TRUE(r.ok()) << r.error().message();
    EXPECT_EQ(r->log_index, i);
    references.push_back(r->reference);
  }
  for (Urn* reader : {a.get(), b->get()}) {
    for (size_t i = 0; i < kBallots; ++i) {
      auto proof = reader->ballot(references[i]);
      ASSERT_TRUE(proof.ok()) << proof.error().message();
      auto head = verify_tree_head(proof->tree_head.document, m.server_key, m.hash_b64);
      ASSERT_TRUE(head.ok());
      EXPECT_EQ(head->size, kBallots);
      EXPECT_TRUE(merkle::verify_inclusion(leaf_of(references[i]), proof->ballot.log_index,
                                           head->size, proof->path, head->root)
                      .ok());
    }
    auto proof = reader->consistency_proof(1, kBallots);
    ASSERT_TRUE(proof.ok()) << proof.error().message();
  }
}

// The urn's state, exported, passes the core's record verifier once the
// trustee adds the tally: ballots, credential events with a re-issue, tree head.
TEST(Urn, ExportedRecordVerifies) {
  TempDir dir;
  const auto voters = election().voters(4);
  auto urn = election().open_with(dir.path(), voters);
  const std::string code = generate_vote_code();
  ASSERT_TRUE(urn->reissue_credential(voters[3].identifier,
                                      credential_key(election().manifest().id, code)->public_key(),
                                      at(3))
                  .ok());
  ASSERT_TRUE(
      urn->cast(voters[0].identifier, election().ballot(voters[0], kScrutin, 1), at(4)).ok());
  ASSERT_TRUE(
      urn->cast(voters[1].identifier, election().ballot(voters[1], kScrutin, 1), at(5)).ok());
  ASSERT_TRUE(
      urn->cast(voters[1].identifier, election().ballot(voters[1], "capn-2d", 3), at(6)).ok());
  ASSERT_TRUE(
      urn->cast(voters[3].identifier, election().ballot(voters[3], kScrutin, 0, code), at(7)).ok());
  auto files = urn->export_record();
  ASSERT_TRUE(files.ok()) << files.error().message();
  election().finish_record(*files);
  auto report = verify_record(*files);
  ASSERT_TRUE(report.ok()) << report.error().message();
  EXPECT_EQ(report->ballots, 4u);
  EXPECT_EQ(report->voters, 3u);
  for (const auto& r : report->results) {
    if (r.scrutin == kScrutin) {
      EXPECT_EQ(r.ballots, 3u);
      EXPECT_EQ(r.counts[0].count, 1u);
      EXPECT_EQ(r.counts[1].count, 2u);
    }
  }
}

TEST(UrnServerKey, CreatedOnceWithMode0600AndReloaded) {
  TempDir dir;
  const std::string path = dir.path() + "/server.key";
  auto created = load_or_create_server_key(path);
  ASSERT_TRUE(created.ok()) << created.error().message();
  struct stat st {};
  ASSERT_EQ(stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  auto loaded = load_or_create_server_key(path);
  ASSERT_TRUE(loaded.ok());
  EXPECT_EQ(loaded->public_key(), created->public_key());

  ASSERT_EQ(chmod(path.c_str(), 0644), 0);
  EXPECT_EQ(load_or_create_server_key(path).error().reason, "bad_server_key");
  ASSERT_EQ(chmod(path.c_str(), 0600), 0);
  std::ofstream(path, std::ios::app) << "x";
  EXPECT_EQ(load_or_create_server_key(path).error().reason, "bad_server_key");
}

}  // namespace
}  // namespace isoloir::urn

namespace isoloir::urn {
namespace {

TEST(UrnPortal, VoterInfoListsScrutinsInManifestOrderWithVotes) {
  TempDir dir;
  const TestElection& e = election();
  const auto voters = e.voters(1);
  auto urn = e.open_with(dir.path(), voters);
  auto before = urn->voter(voters[0].identifier);
  ASSERT_TRUE(before.ok()) << before.error().message();
  EXPECT_EQ(before->name, voters[0].row().name);
  EXPECT_EQ(before->pseudonym, voters[0].pseudonym);
  EXPECT_EQ(before->credential, base64url_encode(voters[0].credential));
  ASSERT_EQ(before->scrutins.size(), e.manifest().scrutins.size());
  for (size_t i = 0; i < before->scrutins.size(); ++i) {
    EXPECT_EQ(before->scrutins[i].scrutin, e.manifest().scrutins[i].id);
    EXPECT_FALSE(before->scrutins[i].voted_at.has_value());
  }
  ASSERT_TRUE(urn->cast(voters[0].identifier, e.ballot(voters[0], kScrutin), at(60)).ok());
  auto after = urn->voter(voters[0].identifier);
  ASSERT_TRUE(after.ok());
  for (const VoterScrutin& s : after->scrutins) {
    EXPECT_EQ(s.voted_at.has_value(), s.scrutin == kScrutin) << s.scrutin;
    EXPECT_EQ(s.voted_at.value_or(at(60).to_string()), at(60).to_string());
  }
  EXPECT_EQ(urn->voter("nobody@example.org").error().reason, "unknown_voter");
}

// Voters with chosen names, on the scrutins given.
std::vector<VoterRow> named(const std::vector<std::pair<std::string, std::string>>& people) {
  std::vector<VoterRow> rows;
  const auto base = election().voters(people.size(), 500);
  for (size_t i = 0; i < people.size(); ++i) {
    VoterRow r = base[i].row();
    r.name = people[i].first;
    r.scrutins = {people[i].second};
    rows.push_back(r);
  }
  return rows;
}

TEST(UrnPortal, ElectoralListsFindAnyWordFoldedAndSortByName) {
  TempDir dir;
  auto urn = election().open_with(dir.path(), {});
  const auto& all = election().manifest().scrutins;
  const std::string other = all[0].id == kScrutin ? all[1].id : all[0].id;
  ASSERT_TRUE(urn->import_voters(named({{"Zoé Dupont-Leroy", kScrutin},
                                        {"Jeanne DUPONT", kScrutin},
                                        {"Hervé Lefèvre", kScrutin},
                                        {"Anne Dupond", other},
                                        {"Marc d'Aubigné", kScrutin}}),
                                 at(-86'400))
                  .ok());
  auto page = urn->electors(kScrutin, "Dup", 0, 10);
  ASSERT_TRUE(page.ok()) << page.error().message();
  EXPECT_EQ(page->total, 2u);  // Anne Dupond is on the other list
  EXPECT_EQ(page->names, (std::vector<std::string>{"Jeanne DUPONT", "Zoé Dupont-Leroy"}));
  EXPECT_EQ(urn->electors(kScrutin, "leroy", 0, 10)->names,
            std::vector<std::string>{"Zoé Dupont-Leroy"});
  EXPECT_EQ(urn->electors(kScrutin, "LEFEVRE", 0, 10)->total, 1u);
  EXPECT_EQ(urn->electors(kScrutin, "aubigne", 0, 10)->total, 1u);  // after an apostrophe
  EXPECT_EQ(urn->electors(kScrutin, "ont", 0, 10)->total, 0u);      // word starts only
  EXPECT_EQ(urn->electors(kScrutin, "dupont jeanne", 0, 10)->total, 0u);
  auto second = urn->electors(kScrutin, "d", 1, 1);
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(second->total, 3u);
  EXPECT_EQ(second->names, std::vector<std::string>{"Marc d'Aubigné"});
  EXPECT_EQ(urn->electors(kScrutin, "   ", 0, 10).error().reason, "bad_query");
  EXPECT_EQ(urn->electors("nope", "d", 0, 10)->total, 0u);
}

TEST(UrnPortal, ImportRefusesANameThatIsNotText) {
  TempDir dir;
  auto urn = election().open_with(dir.path(), {});
  auto rows = named({{"Jeanne Dupont", kScrutin}, {"Bad \xff name", kScrutin}});
  const Status s = urn->import_voters(rows, at(-86'400));
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().reason, "malformed");
  EXPECT_NE(s.error().detail.find("row 1"), std::string::npos) << s.error().detail;
  EXPECT_EQ(*urn->voter_count(), 0u);
}

TEST(UrnPortal, ReclamationsAreCheckedStoredAndReadWithoutTheLock) {
  TempDir dir;
  const auto voters = election().voters(2);
  auto urn = election().open_with(dir.path(), voters);
  const std::string text = "Mon nom est mal écrit.\nMerci de corriger.";
  auto id = urn->file_reclamation(voters[1].identifier, kScrutin, text, at(30));
  ASSERT_TRUE(id.ok()) << id.error().message();
  EXPECT_EQ(urn->file_reclamation(voters[0].identifier, kScrutin, "", at(31)).error().reason,
            "malformed");
  EXPECT_EQ(urn->file_reclamation(voters[0].identifier, kScrutin, "a\x01", at(31)).error().reason,
            "malformed");
  EXPECT_EQ(urn->file_reclamation(voters[0].identifier, kScrutin, "\xc3", at(31)).error().reason,
            "malformed");
  EXPECT_EQ(urn->file_reclamation(voters[0].identifier, kScrutin,
                                  std::string(kMaxReclamationBytes + 1, 'a'), at(31))
                .error()
                .reason,
            "malformed");
  EXPECT_EQ(urn->file_reclamation(voters[0].identifier, "nope", "x", at(31)).error().reason,
            "not_eligible");
  EXPECT_EQ(urn->file_reclamation("nobody@example.org", kScrutin, "x", at(31)).error().reason,
            "unknown_voter");
  for (int64_t i = 1; i < kMaxReclamationsPerVoter; ++i) {
    ASSERT_TRUE(urn->file_reclamation(voters[1].identifier, kScrutin, "encore", at(40)).ok());
  }
  EXPECT_EQ(
      urn->file_reclamation(voters[1].identifier, kScrutin, "une de trop", at(50)).error().reason,
      "too_many_reclamations");

  // Read while the urn is open (the server running).
  auto all = read_reclamations(dir.path());
  ASSERT_TRUE(all.ok()) << all.error().message();
  ASSERT_EQ(all->size(), static_cast<size_t>(kMaxReclamationsPerVoter));
  EXPECT_EQ((*all)[0].id, *id);
  EXPECT_EQ((*all)[0].voter, voters[1].identifier);
  EXPECT_EQ((*all)[0].scrutin, kScrutin);
  EXPECT_EQ((*all)[0].text, text);
  EXPECT_EQ((*all)[0].filed_at, at(30).to_string());
  EXPECT_EQ(read_reclamations(dir.path() + "/missing").error().reason,
            "no_election");  // the directory holds no urn
}

}  // namespace
}  // namespace isoloir::urn

// Several servers on one election in PostgreSQL, as behind nginx without
// sticky sessions (issue 12): three isoloir-server processes cast under
// load; one is killed with SIGKILL and PostgreSQL is restarted mid-load.
// Afterwards every ballot whose deposit proof was sent is on the board at
// its index with its émargement, the root recomputed from the board's
// ballots is the latest signed head's, each voter has exactly one ballot,
// and the voters cut off vote on another server (201, or already_voted when
// their cut-off cast had been kept: never a second ballot).
//
// Needs the cluster of scripts/pg.sh (ISOLOIR_PG_URL, ISOLOIR_PG_DIR: it
// restarts it); skipped without, failed if ISOLOIR_REQUIRE_PG=1. Runs alone
// (RUN_SERIAL): the restart would cut off the other suites' connections.
#include <gtest/gtest.h>

#include <atomic>
#include <cstdlib>
#include <map>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "isoloir/ballot.h"
#include "isoloir/merkle.h"
#include "isoloir/receipt.h"
#include "isoloir/tree_head.h"
#include "isoloir/urn/data_dir.h"
#include "portal_harness.h"

namespace isoloir::server::test {
namespace {

constexpr size_t kVoters = 150;
constexpr size_t kServers = 3;

bool have_cluster() {
  const char* url = std::getenv("ISOLOIR_PG_URL");
  const char* dir = std::getenv("ISOLOIR_PG_DIR");
  return url != nullptr && *url != '\0' && dir != nullptr && *dir != '\0';
}

// Every ballot of the board, in log order (pages of the board's API).
std::vector<Json> whole_board(int port) {
  std::vector<Json> out;
  httplib::Client c("127.0.0.1", port);
  for (;;) {
    auto r = c.Get(("/api/v1/board/ballots?from=" + std::to_string(out.size())).c_str());
    EXPECT_TRUE(r && r->status == 200) << (r ? r->body : "no answer");
    if (!r || r->status != 200) return out;
    const Json page = body_of(r);
    for (const Json& b : page["ballots"]) out.push_back(b);
    if (page["ballots"].empty() || out.size() >= page["size"].get<size_t>()) return out;
  }
}

struct Outcome {
  int status = 0;  // 0: no answer
  std::string body;
};

Outcome cast_on(Browser& b, int port, const std::string& ballot) {
  b.set_port(port);
  auto r = b.post_raw("/api/v1/ballots", ballot, "application/json");
  if (!r) return {};
  return {r->status, r->body};
}

TEST(MultiServer, AKilledServerAndARestartedDatabaseLoseNoBallot) {
  if (!urn::test::postgres_backend() || !have_cluster()) {
    const char* required = std::getenv("ISOLOIR_REQUIRE_PG");
    if (required != nullptr && std::string(required) == "1") {
      FAIL() << "ISOLOIR_URN_BACKEND=postgres, ISOLOIR_PG_URL and ISOLOIR_PG_DIR are required";
    }
    GTEST_SKIP() << "needs eval \"$(bash scripts/pg.sh start)\" and ISOLOIR_URN_BACKEND=postgres";
  }
  Election e(staff(kVoters), -3600, 86'400);
  std::vector<std::unique_ptr<Server>> others;
  for (size_t k = 1; k < kServers; ++k) others.push_back(e.start_another());
  const std::vector<int> ports = {e.port(), others[0]->port(), others[1]->port()};
  const std::string scrutin = e.manifest().scrutins.front().id;

  // Everyone activated and logged in on the first server; ballots made.
  std::vector<Browser> browsers;
  std::vector<std::string> ballots;
  for (size_t i = 0; i < kVoters; ++i) {
    browsers.push_back(e.activated(i));
    ballots.push_back(e.ballot(i, scrutin, i % e.manifest().scrutins.front().options.size()));
  }
  ASSERT_FALSE(::testing::Test::HasFailure());

  // The load: voter i casts on server i % 3, from 6 threads. A third of the
  // way, server 1 is killed; half way, PostgreSQL restarts.
  std::vector<Outcome> first(kVoters);
  std::atomic<size_t> next{0}, done{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 6; ++t) {
    threads.emplace_back([&] {
      for (size_t i; (i = next++) < kVoters;) {
        first[i] = cast_on(browsers[i], ports[i % kServers], ballots[i]);
        ++done;
      }
    });
  }
  // The failures, from a thread of their own while the casts go on.
  auto wait_for = [&](size_t n) {
    while (done < n) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  };
  wait_for(kVoters / 3);
  others[0]->process().signal(SIGKILL);
  (void)others[0]->process().wait();
  wait_for(kVoters / 2);
  // Fast: PostgreSQL cuts every client off and stops cleanly, then starts.
  const std::string cmd = std::string("bash ") + ISOLOIR_PG_SCRIPT + " restart fast";
  EXPECT_EQ(std::system(cmd.c_str()), 0) << cmd;
  for (std::thread& t : threads) t.join();

  // Deposit proofs that reached a voter, and the voters cut off.
  std::map<size_t, std::string> deposits;  // voter -> deposit proof
  std::vector<size_t> cut_off;
  std::map<std::string, size_t> first_failures;
  for (size_t i = 0; i < kVoters; ++i) {
    if (first[i].status == 201) {
      deposits[i] = Json::parse(first[i].body)["deposit"].get<std::string>();
    } else {
      cut_off.push_back(i);
      ++first_failures[std::to_string(first[i].status)];
    }
  }
  // Those sent to the killed server after its death at least.
  EXPECT_GT(cut_off.size(), 0u);

  // The voters cut off vote again on a server that lives: their ballot goes
  // in, or is already in (a cast kept just before the cut).
  const std::vector<int> alive = {ports[0], ports[2]};
  size_t already = 0;
  for (size_t i : cut_off) {
    Outcome o;
    for (int attempt = 0; attempt < 40; ++attempt) {
      o = cast_on(browsers[i], alive[attempt % alive.size()], ballots[i]);
      if (o.status == 201 || o.status == 409) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(250));
    }
    ASSERT_TRUE(o.status == 201 || o.status == 409)
        << "voter " << i << ": " << o.status << " " << o.body;
    if (o.status == 201) {
      deposits[i] = Json::parse(o.body)["deposit"].get<std::string>();
    } else {
      EXPECT_NE(o.body.find("already_voted"), std::string::npos) << o.body;
      ++already;
    }
  }

  // The board, from a server that lived through it all.
  const std::vector<Json> board = whole_board(ports[2]);
  ASSERT_EQ(board.size(), kVoters) << "one ballot per voter";
  std::vector<merkle::Hash> leaves;
  std::set<std::string> references;
  for (size_t k = 0; k < board.size(); ++k) {
    ASSERT_EQ(board[k]["log_index"].get<size_t>(), k);
    const std::string bytes = board[k]["ballot"].get<std::string>();
    ASSERT_EQ(ballot_reference(bytes), board[k]["reference"].get<std::string>());
    references.insert(board[k]["reference"].get<std::string>());
    leaves.push_back(merkle::leaf_hash(ballot_digest(bytes)));
  }
  for (size_t i = 0; i < kVoters; ++i) {
    EXPECT_EQ(references.count(ballot_reference(ballots[i])), 1u) << "voter " << i;
  }
  httplib::Client c("127.0.0.1", ports[0]);
  auto head_text = c.Get("/api/v1/board/tree-head");
  ASSERT_TRUE(head_text && head_text->status == 200);
  auto head = verify_tree_head(head_text->body, e.server_key(), e.manifest().hash_b64);
  ASSERT_TRUE(head.ok()) << head.error().message();
  EXPECT_EQ(head->size, kVoters);
  EXPECT_EQ(head->root, merkle::root(leaves));

  // Every deposit proof sent: signed, its ballot at its index, the head
  // just after it.
  for (const auto& [i, deposit] : deposits) {
    auto d = verify_deposit(deposit, e.server_key(), e.manifest().hash_b64);
    ASSERT_TRUE(d.ok()) << d.error().message();
    ASSERT_LT(d->log_index, board.size());
    EXPECT_EQ(board[d->log_index]["reference"].get<std::string>(), d->reference);
    EXPECT_EQ(d->reference, ballot_reference(ballots[i]));
    EXPECT_EQ(d->tree_head.size, d->log_index + 1);
  }
  // Every voter's émargement, read from the shared database.
  auto urn = urn::open_data_dir(e.data());
  ASSERT_TRUE(urn.ok()) << urn.error().message();
  for (size_t i = 0; i < kVoters; ++i) {
    EXPECT_TRUE((*urn)->emargement(e.voter(i).identifier, scrutin).ok()) << "voter " << i;
  }

  std::string failures;
  for (const auto& [status, n] : first_failures) failures += " " + status + "×" + std::to_string(n);
  std::printf(
      "multi-server: %zu voters on %zu servers; cut off by the kill or the restart: %zu "
      "(first answers:%s), of which %zu had been kept (already_voted on retry)\n",
      kVoters, kServers, cut_off.size(), failures.c_str(), already);
  // A database restart is the database's fault, said as such (503, try
  // again), never an internal error.
  EXPECT_EQ(first_failures.count("500"), 0u) << e.server_log() << "\n"
                                             << others[1]->process().err();
  for (auto& s : others) {
    if (s->process().running()) {
      EXPECT_EQ(s->stop(), 0);
    }
  }
}

}  // namespace
}  // namespace isoloir::server::test

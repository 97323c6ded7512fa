// A crash never leaves a ballot without its émargement or the reverse, and
// never loses a ballot whose deposit proof left the urn. A child process
// casts ballots (from one thread, or from several so that the urn writes
// them in groups) and reports each deposit proof on a pipe once cast() has
// returned; the parent kills it with SIGKILL at a random moment, reopens the
// urn and checks the state, round after round.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <map>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "isoloir/ballot.h"
#include "isoloir/merkle.h"
#include "isoloir/receipt.h"
#include "isoloir/tree_head.h"
#include "urn_fixture.h"

namespace isoloir::urn {
namespace {

constexpr const char* kScrutin = "csa-academique";

// The child: casts the ballots of `todo` from `threads` threads, writing
// "i\tdeposit\n" after each cast that returned (one write, below PIPE_BUF:
// all or nothing, whichever thread writes it).
[[noreturn]] void run_child(const std::string& dir, const std::vector<test::TestVoter>& voters,
                            const std::vector<std::string>& ballots,
                            const std::vector<size_t>& todo, int threads, int out) {
  auto urn = Urn::open(dir, test::server_key());
  if (!urn) _exit(2);
  std::atomic<size_t> next{0};
  std::atomic<int> failure{0};
  std::vector<std::thread> workers;
  for (int t = 0; t < threads; ++t) {
    workers.emplace_back([&] {
      for (size_t k; failure == 0 && (k = next++) < todo.size();) {
        const size_t i = todo[k];
        auto r = (*urn)->cast(voters[i].identifier, ballots[i], test::at(static_cast<int64_t>(i)));
        if (!r) {
          failure = 3;
          return;
        }
        const std::string line = std::to_string(i) + "\t" + r->deposit + "\n";
        if (write(out, line.data(), line.size()) != static_cast<ssize_t>(line.size())) failure = 4;
      }
    });
  }
  for (std::thread& w : workers) w.join();
  _exit(failure.load());
}

bool has_journal(const std::string& dir) {
  for (const auto& e : std::filesystem::directory_iterator(dir)) {
    if (e.path().filename().string().find("-journal") != std::string::npos ||
        e.path().filename().string().find("-mj") != std::string::npos) {
      return true;
    }
  }
  return false;
}

// Rounds of casting killed at a random moment, each followed by the checks
// of a reopened urn; `threads` casters in the child, `ballots_total` voters
// (enough that the kills land before the last round ends).
void kill_rounds(int threads, size_t ballots_total) {
  const test::TestElection election;
  const Manifest& m = election.manifest();
  const size_t kBallots = ballots_total;
  constexpr int kRounds = 8;
  const auto voters = election.voters(kBallots);
  std::vector<std::string> ballots;
  std::map<std::string, size_t> voter_of;  // ballot bytes -> voter index
  for (size_t i = 0; i < voters.size(); ++i) {
    ballots.push_back(election.ballot(voters[i], kScrutin));
    voter_of[ballots.back()] = i;
  }
  test::TempDir dir;
  election.open_with(dir.path(), voters).reset();  // import, then close

  const unsigned seed = std::random_device{}();
  SCOPED_TRACE("seed " + std::to_string(seed) + ", " + std::to_string(threads) + " casters");
  std::mt19937 rng(seed);
  std::vector<std::pair<size_t, std::string>> reported;  // (ballot, deposit proof)
  std::vector<size_t> todo(kBallots);
  for (size_t i = 0; i < kBallots; ++i) todo[i] = i;
  uint64_t size = 0;
  int rounds_with_journal = 0;
  for (int round = 0; round < kRounds && !todo.empty(); ++round) {
    int fds[2];
    ASSERT_EQ(pipe(fds), 0);
    const pid_t pid = fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      close(fds[0]);
      run_child(dir.path(), voters, ballots, todo, threads, fds[1]);
    }
    close(fds[1]);
    std::this_thread::sleep_for(
        std::chrono::microseconds(std::uniform_int_distribution<int>(5'000, 300'000)(rng)));
    kill(pid, SIGKILL);
    std::string out;
    char buf[4096];
    for (ssize_t n; (n = read(fds[0], buf, sizeof buf)) > 0;) out.append(buf, n);
    close(fds[0]);
    int status = 0;
    ASSERT_EQ(waitpid(pid, &status, 0), pid);
    ASSERT_TRUE(WIFSIGNALED(status) || (WIFEXITED(status) && WEXITSTATUS(status) == 0))
        << "child exit " << WEXITSTATUS(status);
    for (size_t pos = 0; pos < out.size();) {
      const size_t tab = out.find('\t', pos);
      const size_t end = out.find('\n', pos);
      ASSERT_NE(end, std::string::npos);
      reported.emplace_back(std::stoul(out.substr(pos, tab - pos)),
                            out.substr(tab + 1, end - tab - 1));
      pos = end + 1;
    }
    if (has_journal(dir.path())) ++rounds_with_journal;

    // Reopening recovers (the open itself checks indices, head and counts).
    auto urn = Urn::open(dir.path(), test::server_key());
    ASSERT_TRUE(urn.ok()) << urn.error().message();
    ASSERT_GE((*urn)->size(), size);
    size = (*urn)->size();
    auto board = (*urn)->ballots(0, kBallots + 1);
    ASSERT_TRUE(board.ok());
    ASSERT_EQ(board->size(), size);
    std::vector<merkle::Hash> leaves;
    std::vector<bool> on_board(kBallots, false);
    for (uint64_t k = 0; k < size; ++k) {
      // Every entry is one of the voters' ballots, each once, with its émargement.
      ASSERT_EQ((*board)[k].log_index, k);
      const auto voter = voter_of.find((*board)[k].ballot);
      ASSERT_NE(voter, voter_of.end()) << "entry " << k << " is no ballot of the test";
      const size_t i = voter->second;
      ASSERT_FALSE(on_board[i]) << "ballot " << i << " twice on the board";
      on_board[i] = true;
      // From one thread the child casts in order: entry k is voter k's ballot.
      if (threads == 1) {
        ASSERT_EQ(i, k);
      }
      leaves.push_back(merkle::leaf_hash(ballot_digest(ballots[i])));
      auto e = (*urn)->emargement(voters[i].identifier, kScrutin);
      ASSERT_TRUE(e.ok()) << "ballot " << i << " has no émargement";
      EXPECT_TRUE(verify_emargement(*e, m.server_key, m.hash_b64).ok());
    }
    todo.clear();
    for (size_t i = 0; i < kBallots; ++i) {
      if (on_board[i]) continue;
      todo.push_back(i);
      ASSERT_EQ((*urn)->emargement(voters[i].identifier, kScrutin).error().reason, "not_found")
          << "émargement " << i << " without its ballot";
    }
    if (size > 0) {
      auto head = verify_tree_head((*urn)->latest_tree_head()->document, m.server_key, m.hash_b64);
      ASSERT_TRUE(head.ok());
      EXPECT_EQ(head->size, size);
      EXPECT_EQ(head->root, merkle::root(leaves));
    }
    for (const auto& [i, deposit] : reported) {
      auto d = verify_deposit(deposit, m.server_key, m.hash_b64);
      ASSERT_TRUE(d.ok()) << d.error().message();
      ASSERT_LT(d->log_index, size) << "a ballot whose deposit proof was sent is lost";
      EXPECT_EQ((*board)[d->log_index].reference, d->reference);
      EXPECT_EQ((*board)[d->log_index].ballot, ballots[i]);
      EXPECT_EQ(d->tree_head.size, d->log_index + 1);
    }
  }
  EXPECT_GT(reported.size(), 0u);
  std::printf(
      "crash test (%d casters): %llu ballots in the urn, %zu deposit proofs reported, %d of %d "
      "kills left a journal to recover\n",
      threads, static_cast<unsigned long long>(size), reported.size(), rounds_with_journal,
      kRounds);
}

TEST(UrnCrash, SigkillDuringCastingLosesNothingAndSplitsNothing) {
  kill_rounds(1, 150);
}

TEST(UrnCrash, SigkillDuringGroupWritesLosesNothingAndSplitsNothing) {
  kill_rounds(8, 600);
}

}  // namespace
}  // namespace isoloir::urn

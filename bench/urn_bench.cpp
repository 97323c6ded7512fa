// The urn's casting throughput on real files (synchronous=FULL, rollback
// journal over two attached files): each iteration casts a pool of valid
// ballots from distinct voters into a fresh urn with 1, 2 or 4 threads and
// reports casts per second and latency percentiles. verify_ballot runs
// outside the urn's lock, the commit inside it. Figures, not pass/fail:
// recorded in docs/urn-storage.md.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "urn_fixture.h"

namespace isoloir::urn {
namespace {

constexpr size_t kPool = 240;
constexpr const char* kScrutin = "csa-academique";  // 9 options

struct Pool {
  test::TestElection election;
  std::vector<test::TestVoter> voters;
  std::vector<std::string> ballots;
};

const Pool& pool() {
  static const Pool* p = [] {
    auto* out = new Pool();
    out->voters = out->election.voters(kPool);
    for (const auto& v : out->voters) out->ballots.push_back(out->election.ballot(v, kScrutin));
    return out;
  }();
  return *p;
}

void BM_Cast(benchmark::State& state) {
  const Pool& p = pool();
  const auto threads = static_cast<size_t>(state.range(0));
  std::vector<double> latencies;
  for (auto _ : state) {
    test::TempDir dir;
    auto urn = p.election.open_with(dir.path(), p.voters);
    std::vector<std::vector<double>> per_thread(threads);
    std::atomic<size_t> next{0};
    std::atomic<size_t> failures{0};
    const auto t0 = std::chrono::steady_clock::now();
    std::vector<std::thread> workers;
    for (size_t t = 0; t < threads; ++t) {
      workers.emplace_back([&, t] {
        for (size_t i = next++; i < kPool; i = next++) {
          const auto c0 = std::chrono::steady_clock::now();
          if (!urn->cast(p.voters[i].identifier, p.ballots[i], test::at(100)).ok()) ++failures;
          per_thread[t].push_back(
              std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - c0)
                  .count());
        }
      });
    }
    for (auto& w : workers) w.join();
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    state.SetIterationTime(seconds);
    if (failures.load() != 0) state.SkipWithError("a cast failed");
    for (const auto& v : per_thread) latencies.insert(latencies.end(), v.begin(), v.end());
  }
  std::sort(latencies.begin(), latencies.end());
  auto pct = [&](double q) {
    return latencies.empty() ? 0.0 : latencies[static_cast<size_t>(q * (latencies.size() - 1))];
  };
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * kPool));
  state.counters["casts_per_s"] = benchmark::Counter(
      static_cast<double>(state.iterations() * kPool), benchmark::Counter::kIsRate);
  state.counters["p50_ms"] = pct(0.50);
  state.counters["p99_ms"] = pct(0.99);
}
BENCHMARK(BM_Cast)->Arg(1)->Arg(2)->Arg(4)->UseManualTime()->Iterations(2)->Unit(
    benchmark::kMillisecond);

}  // namespace
}  // namespace isoloir::urn

BENCHMARK_MAIN();

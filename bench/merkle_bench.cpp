// The urn's transparency log at election scale: appends, roots and proofs
// for a MerkleLog of 1 and 8 million leaves (the ministry election casts
// about 8 million ballots). Run: build/isoloir_bench --benchmark_filter=Merkle
#include <benchmark/benchmark.h>

#include <map>
#include <vector>
#include "isoloir/hash.h"

#include "isoloir/merkle.h"

namespace isoloir {
namespace {

Digest32 digest_of(uint64_t i) {
  uint8_t buf[8];
  for (int k = 0; k < 8; ++k) buf[k] = static_cast<uint8_t>(i >> (8 * k));
  return sha256(ByteView(buf, sizeof buf));
}

// Built once per size and shared by the benchmarks that only read it.
const MerkleLog& log_of(uint64_t n) {
  static std::map<uint64_t, MerkleLog> logs;
  auto it = logs.find(n);
  if (it == logs.end()) {
    MerkleLog log;
    log.reserve(n);
    for (uint64_t i = 0; i < n; ++i) log.append(digest_of(i));
    it = logs.emplace(n, std::move(log)).first;
  }
  return it->second;
}

void BM_MerkleAppend(benchmark::State& state) {
  const auto n = static_cast<uint64_t>(state.range(0));
  std::vector<Digest32> digests;
  digests.reserve(n);
  for (uint64_t i = 0; i < n; ++i) digests.push_back(digest_of(i));
  for (auto _ : state) {
    MerkleLog log;
    log.reserve(n);
    for (const auto& d : digests) log.append(d);
    benchmark::DoNotOptimize(log.size());
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * n));
}
BENCHMARK(BM_MerkleAppend)->Arg(1 << 20)->Unit(benchmark::kMillisecond)->Iterations(1);

void BM_MerkleRoot(benchmark::State& state) {
  const MerkleLog& log = log_of(static_cast<uint64_t>(state.range(0)));
  for (auto _ : state) benchmark::DoNotOptimize(log.root());
}
BENCHMARK(BM_MerkleRoot)->Arg(1 << 20)->Arg(8'000'000)->Unit(benchmark::kMicrosecond);

void BM_MerkleInclusionProof(benchmark::State& state) {
  const MerkleLog& log = log_of(static_cast<uint64_t>(state.range(0)));
  uint64_t i = 0;
  for (auto _ : state) {
    i = (i * 2654435761u + 12345) % log.size();
    benchmark::DoNotOptimize(log.inclusion_proof(i, log.size()));
  }
}
BENCHMARK(BM_MerkleInclusionProof)->Arg(1 << 20)->Arg(8'000'000)->Unit(benchmark::kMicrosecond);

void BM_MerkleConsistencyProof(benchmark::State& state) {
  const MerkleLog& log = log_of(static_cast<uint64_t>(state.range(0)));
  uint64_t i = 0;
  for (auto _ : state) {
    i = (i * 2654435761u + 12345) % (log.size() - 1) + 1;
    benchmark::DoNotOptimize(log.consistency_proof(i, log.size()));
  }
}
BENCHMARK(BM_MerkleConsistencyProof)->Arg(1 << 20)->Arg(8'000'000)->Unit(benchmark::kMicrosecond);

}  // namespace
}  // namespace isoloir
BENCHMARK_MAIN();

// Ballot creation and verification natively, for the 15-option scrutin
// capn-2d of the vectors' manifest. Run: build/isoloir_bench
#include <benchmark/benchmark.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "isoloir/ballot.h"
#include "isoloir/credential.h"
#include "isoloir/manifest.h"
#include "isoloir/point.h"
#include "isoloir/point_table.h"
#include "isoloir/random.h"

namespace isoloir {
namespace {

const Manifest& vectors_manifest() {
  static const Manifest m = [] {
    const char* env = std::getenv("ISOLOIR_VECTORS_DIR");
    std::ifstream in(std::string(env != nullptr ? env : ISOLOIR_VECTORS_DIR) + "/manifest.json");
    std::stringstream ss;
    ss << in.rdbuf();
    auto doc = parse_json(ss.str());
    if (!doc || !doc->contains("manifest_canonical")) std::abort();
    auto parsed = parse_manifest((*doc)["manifest_canonical"].get<std::string>());
    if (!parsed) std::abort();
    return std::move(*parsed);
  }();
  return m;
}

constexpr const char* kScrutin = "capn-2d";
constexpr const char* kCode = "D7ZZV-RHNQ7-94R0R-YB8EW";

void BM_CreateBallot(benchmark::State& state) {
  const Manifest& m = vectors_manifest();
  auto key = credential_key(m.id, kCode);
  SystemScalarSource rng;
  for (auto _ : state) {
    auto b = create_ballot(m, kScrutin, {"fsu"}, *key, rng);
    benchmark::DoNotOptimize(b);
  }
  state.counters["options"] = static_cast<double>(m.find_scrutin(kScrutin)->options.size());
}
BENCHMARK(BM_CreateBallot)->Unit(benchmark::kMillisecond);

void BM_VerifyBallot(benchmark::State& state) {
  const Manifest& m = vectors_manifest();
  auto key = credential_key(m.id, kCode);
  SystemScalarSource rng;
  auto b = create_ballot(m, kScrutin, {"blank"}, *key, rng);
  for (auto _ : state) {
    auto v = verify_ballot(m, b->bytes);
    if (!v) state.SkipWithError("ballot refused");
    benchmark::DoNotOptimize(v);
  }
}
BENCHMARK(BM_VerifyBallot)->Unit(benchmark::kMillisecond);

// The unit everything is made of, for comparison with libsodium's own figures.
void BM_ScalarMult(benchmark::State& state) {
  const Point p = Point::base_mul(random_scalar());
  const Scalar s = random_scalar();
  for (auto _ : state) benchmark::DoNotOptimize(p.mul(s));
}
BENCHMARK(BM_ScalarMult)->Unit(benchmark::kMicrosecond);

void BM_ScalarMultBase(benchmark::State& state) {
  const Scalar s = random_scalar();
  for (auto _ : state) benchmark::DoNotOptimize(Point::base_mul(s));
}
BENCHMARK(BM_ScalarMultBase)->Unit(benchmark::kMicrosecond);

// The same fixed-base multiplication from a PointTable (the election key's,
// here built over g): beside BM_ScalarMultBase, libsodium's own table.
void BM_PointTableMul(benchmark::State& state) {
  static const PointTable table(Point::generator());
  const Scalar s = random_scalar();
  for (auto _ : state) benchmark::DoNotOptimize(table.mul(s));
}
BENCHMARK(BM_PointTableMul)->Unit(benchmark::kMicrosecond);

}  // namespace
}  // namespace isoloir

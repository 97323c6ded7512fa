// isoloir_record_bench: the tally and `record verify` on a large synthetic
// record. Makes a valid record with the synthetic generator (tests/synth),
// verifies it with verify_record, then times the tally's steps with the
// core's functions: the aggregates recomputed from the ballots, each
// trustee's partial decryptions, their combination and the counts by
// baby-step giant-step. Prints a table of ballots per second and what each
// step would take for 1,000,000 ballots at that rate. Figures, not
// pass/fail (docs/benchmarks.md); the exit status is 1 if the record does
// not verify or the counts are not the votes, 2 on bad arguments.
//
//   isoloir_record_bench [--ballots N] [--options K] [--scrutins S]
//     [--trustees n] [--threshold t] [--threads T] [--seed X] [--keep DIR]
//     [--prover trapdoor|reference]
//
// --ballots is the total over the scrutins (every voter votes in each, so
// there are N / S voters); --threads is the generator's and the aggregates'
// threads (0: every core), verify_record always uses every core; --keep DIR
// writes the record's seven files into DIR (new) for `isoloir record verify`.
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <charconv>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "isoloir/ballot.h"
#include "isoloir/canonical_json.h"
#include "isoloir/hash.h"
#include "isoloir/manifest.h"
#include "isoloir/random.h"
#include "isoloir/record.h"
#include "isoloir/record_writer.h"
#include "isoloir/tally.h"
#include "isoloir/trustees.h"
#include "synthetic_record.h"

namespace {

using Clock = std::chrono::steady_clock;
using isoloir::Result;

double since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

// User and system time of every thread of the process so far: on a machine
// shared with other work, what a step cost, whatever it had to wait for.
double cpu_seconds() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  auto s = [](const timeval& t) {
    return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) / 1e6;
  };
  return s(u.ru_utime) + s(u.ru_stime);
}

// A step's wall-clock and CPU time, from construction to now.
struct Timer {
  Clock::time_point wall = Clock::now();
  double cpu = cpu_seconds();
  double wall_seconds() const { return since(wall); }
  double cpu_seconds_used() const { return cpu_seconds() - cpu; }
};

std::string load_average() {
  std::ifstream f("/proc/loadavg");
  std::string one, five, fifteen;
  f >> one >> five >> fifteen;
  return one + " " + five + " " + fifteen;
}

bool parse_u64(std::string_view text, uint64_t& out) {
  const auto* end = text.data() + text.size();
  auto [p, ec] = std::from_chars(text.data(), end, out);
  return ec == std::errc() && p == end && !text.empty();
}

int usage(const std::string& why) {
  std::fprintf(stderr,
               "isoloir_record_bench: %s\nusage: isoloir_record_bench [--ballots N] [--options K] "
               "[--scrutins S] [--trustees n] [--threshold t] [--threads T] [--seed X] "
               "[--keep DIR] [--prover trapdoor|reference]\n",
               why.c_str());
  return 2;
}

// "done/total (p %), r/s, about s left" on one line of a terminal, at most
// twice a second; nothing when stderr is not a terminal.
class Progress {
 public:
  explicit Progress(const char* what) : what_(what), tty_(isatty(STDERR_FILENO) == 1) {}
  void operator()(uint64_t done, uint64_t total) {
    if (!tty_) return;
    const double t = since(start_);
    if (done < total && t - shown_ < 0.5) return;
    shown_ = t;
    const double rate = t > 0 ? static_cast<double>(done) / t : 0.0;
    const double left = rate > 0 ? static_cast<double>(total - done) / rate : 0.0;
    std::fprintf(stderr, "\r%s: %llu/%llu (%.0f %%), %.0f ballots/s, about %.0f s left   ", what_,
                 static_cast<unsigned long long>(done), static_cast<unsigned long long>(total),
                 total > 0 ? 100.0 * static_cast<double>(done) / static_cast<double>(total) : 100.0,
                 rate, left);
    if (done >= total) std::fprintf(stderr, "\n");
  }

 private:
  const char* what_;
  bool tty_;
  Clock::time_point start_ = Clock::now();
  double shown_ = -1;
};

// How a step's time grows with the number of ballots, for the projection.
enum class Scaling { linear, square_root, constant };

struct Row {
  std::string phase;
  uint64_t ballots = 0;
  double seconds = 0;  // wall clock
  double cpu = 0;      // CPU seconds, every thread
  Scaling scaling = Scaling::linear;
};

Row row(std::string phase, uint64_t ballots, const Timer& t, Scaling scaling = Scaling::linear) {
  return Row{std::move(phase), ballots, t.wall_seconds(), t.cpu_seconds_used(), scaling};
}

std::string with_commas(double v) {
  std::string digits = std::to_string(static_cast<unsigned long long>(std::llround(v)));
  for (size_t i = digits.size(); i > 3; i -= 3) digits.insert(i - 3, ",");
  return digits;
}

void print_table(const std::vector<Row>& rows) {
  constexpr double kMillion = 1'000'000;
  std::printf(
      "\n| phase | ballots | seconds | CPU seconds | ballots/s | 1,000,000 ballots (projected) "
      "|\n");
  std::printf("| --- | ---: | ---: | ---: | ---: | ---: |\n");
  for (const Row& r : rows) {
    const double n = static_cast<double>(r.ballots);
    const double rate = r.seconds > 0 ? n / r.seconds : 0.0;
    double projected = r.seconds;
    const char* how = "same";
    if (r.scaling == Scaling::linear) {
      projected = r.seconds * kMillion / n;
      how = "";
    } else if (r.scaling == Scaling::square_root) {
      projected = r.seconds * std::sqrt(kMillion / n);
      how = ", grows as sqrt(N)";
    } else {
      how = ", does not grow with N";
    }
    char projection[96];
    if (projected >= 120) {
      std::snprintf(projection, sizeof projection, "%.1f min%s", projected / 60, how);
    } else {
      std::snprintf(projection, sizeof projection, "%.3g s%s", projected, how);
    }
    std::printf("| %s | %s | %.3f | %.3f | %s | %s |\n", r.phase.c_str(), with_commas(n).c_str(),
                r.seconds, r.cpu, with_commas(rate).c_str(), projection);
  }
}

bool write_record(const std::filesystem::path& dir, const isoloir::RecordFiles& f) {
  std::error_code ec;
  if (!std::filesystem::create_directories(dir, ec) && !std::filesystem::is_empty(dir, ec)) {
    std::fprintf(stderr, "isoloir_record_bench: %s exists and is not empty\n",
                 dir.string().c_str());
    return false;
  }
  const std::pair<const char*, const std::string*> files[] = {
      {"manifest.json", &f.manifest},       {"trustees.json", &f.trustees},
      {"credentials.json", &f.credentials}, {"ballots.jsonl", &f.ballots},
      {"tree_head.json", &f.tree_head},     {"tally.json", &f.tally},
      {"results.json", &f.results}};
  for (const auto& [name, bytes] : files) {
    std::ofstream out(dir / name, std::ios::binary | std::ios::trunc);
    out.write(bytes->data(), static_cast<std::streamsize>(bytes->size()));
    out.close();
    if (!out) {
      std::fprintf(stderr, "isoloir_record_bench: cannot write %s\n", (dir / name).c_str());
      return false;
    }
  }
  return true;
}

// The close's first step: every ballot of the log decoded (form and points,
// no proofs: they were checked when the ballots were admitted, and
// verify_record checks them again) and multiplied into the aggregates, on
// `threads` threads, each with its own aggregates, merged at the end.
Result<isoloir::Aggregates> recompute_aggregates(const isoloir::Manifest& m,
                                                 std::string_view ballots, unsigned threads) {
  std::vector<std::string_view> lines;
  for (size_t pos = 0; pos < ballots.size();) {
    size_t end = ballots.find('\n', pos);
    if (end == std::string_view::npos) end = ballots.size();
    if (end > pos) lines.push_back(ballots.substr(pos, end - pos));
    pos = end + 1;
  }
  std::vector<isoloir::Aggregates> partial(threads, isoloir::Aggregates(m));
  std::vector<std::optional<isoloir::Error>> errors(threads);
  std::atomic<size_t> next{0};
  auto work = [&](unsigned t) {
    for (size_t k = next++; k < lines.size(); k = next++) {
      auto entry = isoloir::parse_canonical(lines[k]);
      if (!entry) {
        errors[t] = entry.error();
        return;
      }
      auto ballot = isoloir::decode_stored_ballot(m, isoloir::canonical_dump((*entry)["ballot"]));
      isoloir::Status added = ballot ? partial[t].add(*ballot) : isoloir::Status(ballot.error());
      if (!added) {
        errors[t] = added.error();
        return;
      }
    }
  };
  std::vector<std::thread> pool;
  for (unsigned t = 1; t < threads; ++t) pool.emplace_back(work, t);
  work(0);
  for (auto& t : pool) t.join();
  isoloir::Aggregates out(m);
  for (unsigned t = 0; t < threads; ++t) {
    if (errors[t]) return *errors[t];
    if (isoloir::Status s = out.merge(partial[t]); !s) return s.error();
  }
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  isoloir::synth::Options o;
  o.options = 15;
  o.turnout_percent = 100;
  uint64_t ballots = 10'000;
  std::string keep;
  for (int i = 1; i < argc; ++i) {
    const std::string_view flag = argv[i];
    if (i + 1 >= argc) return usage(std::string(flag) + " needs a value");
    const std::string_view value = argv[++i];
    uint64_t n = 0;
    const bool number = parse_u64(value, n) && n <= 1'000'000'000;
    if (flag == "--keep") {
      keep = value;
      continue;
    }
    if (flag == "--prover") {
      if (value == "trapdoor") {
        o.prover = isoloir::synth::Options::Prover::trapdoor;
      } else if (value == "reference") {
        o.prover = isoloir::synth::Options::Prover::reference;
      } else {
        return usage("--prover is trapdoor or reference");
      }
      continue;
    }
    if (!number) return usage(std::string(flag) + " takes a whole number");
    if (flag == "--ballots") {
      ballots = n;
    } else if (flag == "--options") {
      o.options = static_cast<uint32_t>(n);
    } else if (flag == "--scrutins") {
      o.scrutins = static_cast<uint32_t>(n);
    } else if (flag == "--trustees") {
      o.trustees = static_cast<uint32_t>(n);
    } else if (flag == "--threshold") {
      o.threshold = static_cast<uint32_t>(n);
    } else if (flag == "--threads") {
      o.threads = static_cast<unsigned>(n);
    } else if (flag == "--seed") {
      o.seed = n;
    } else {
      return usage("unknown option " + std::string(flag));
    }
  }
  if (o.scrutins == 0 || ballots < o.scrutins)
    return usage("--ballots must be at least --scrutins");
  o.voters = ballots / o.scrutins;
  const unsigned threads =
      o.threads != 0 ? o.threads : std::max(1U, std::thread::hardware_concurrency());

  std::printf(
      "isoloir_record_bench: %llu voters x %u scrutin(s) of %u options (min = max = 1), "
      "%u trustees, threshold %u, seed %llu, %s prover\n",
      static_cast<unsigned long long>(o.voters), o.scrutins, o.options, o.trustees, o.threshold,
      static_cast<unsigned long long>(o.seed),
      o.prover == isoloir::synth::Options::Prover::trapdoor ? "trapdoor" : "reference");
  std::printf(
      "cores %u, generator and aggregates on %u thread(s), verify_record on every core; "
      "load average at start %s\n",
      std::thread::hardware_concurrency(), threads, load_average().c_str());
  std::fflush(stdout);

  // 1. The record.
  Progress gen_progress("generate");
  o.progress = [&gen_progress](uint64_t done, uint64_t total) { gen_progress(done, total); };
  Timer timer;
  auto record = isoloir::synth::make_record(o);
  const Row generated = row("generate (synthetic, not part of an election)", 0, timer);
  const double gen_seconds = generated.seconds;
  if (!record) {
    std::fprintf(stderr, "isoloir_record_bench: %s\n", record.error().message().c_str());
    return 2;
  }
  const uint64_t n = record->ballots;
  const isoloir::RecordFiles& files = record->files;
  const auto digest = isoloir::sha256(isoloir::as_bytes(files.ballots));
  std::printf(
      "generated %llu ballots in %.1f s: %.0f ballots/s (ballots.jsonl %.1f MB, SHA-256 "
      "%s...)\n",
      static_cast<unsigned long long>(n), gen_seconds, static_cast<double>(n) / gen_seconds,
      static_cast<double>(files.ballots.size()) / 1e6,
      isoloir::hex_encode(isoloir::ByteView(digest).first(8)).c_str());
  std::fflush(stdout);
  if (!keep.empty()) {
    if (!write_record(keep, files)) return 2;
    std::printf("record written to %s\n", keep.c_str());
  }

  std::vector<Row> rows;
  rows.push_back(generated);
  rows.back().ballots = n;

  // 2. verify_record, everything an auditor checks.
  Progress verify_progress("verify");
  timer = Timer();
  auto report = isoloir::verify_record(
      files, [&verify_progress](uint64_t done, uint64_t total) { verify_progress(done, total); });
  const Row verified = row("verify_record (every check of the record, every core)", 0, timer);
  const double verify_seconds = verified.seconds;
  if (!report) {
    std::fprintf(stderr, "isoloir_record_bench: the record does not verify: %s\n",
                 report.error().message().c_str());
    return 1;
  }
  std::printf("verify_record: %llu ballots in %.1f s: %.0f ballots/s\n",
              static_cast<unsigned long long>(report->ballots), verify_seconds,
              static_cast<double>(report->ballots) / verify_seconds);
  std::fflush(stdout);
  rows.push_back(verified);
  rows.back().ballots = n;

  // 3. The tally, step by step, with the core's functions.
  auto manifest = isoloir::parse_manifest(files.manifest);
  auto trustees_doc = isoloir::parse_canonical(files.trustees);
  auto trustees = trustees_doc ? isoloir::load_trustees(*trustees_doc)
                               : Result<isoloir::Trustees>(trustees_doc.error());
  if (!manifest || !trustees) {
    std::fprintf(stderr, "isoloir_record_bench: cannot read back the manifest or trustees\n");
    return 1;
  }
  const isoloir::Manifest& m = *manifest;

  timer = Timer();
  auto aggregates = recompute_aggregates(m, files.ballots, threads);
  const Row agg_row = row("", n, timer);
  if (!aggregates) {
    std::fprintf(stderr, "isoloir_record_bench: aggregates: %s\n",
                 aggregates.error().message().c_str());
    return 1;
  }
  rows.push_back(agg_row);
  rows.back().phase = "tally: aggregates from the ballots (decode, multiply; " +
                      std::to_string(threads) + " threads)";

  // Each trustee decrypts every option of every scrutin (one thread: a
  // trustee's own machine), then its partials are verified as the combiner
  // and the auditors do.
  isoloir::SystemScalarSource rng;
  std::map<uint32_t, std::vector<std::vector<isoloir::PartialDecryption>>> partials;
  for (uint32_t j = 1; j <= o.trustees; ++j) {
    timer = Timer();
    for (const isoloir::Scrutin& s : m.scrutins) {
      const auto& agg = aggregates->of(s.id);
      std::vector<isoloir::PartialDecryption> mine;
      for (size_t i = 0; i < s.options.size(); ++i) {
        const isoloir::DecryptionContext ctx{m.hash, s.id, static_cast<uint32_t>(i)};
        auto d =
            isoloir::partial_decrypt(ctx, j, record->key_shares[j - 1], agg.options[i].alpha, rng);
        if (!d) {
          std::fprintf(stderr, "isoloir_record_bench: partial_decrypt: %s\n",
                       d.error().message().c_str());
          return 1;
        }
        mine.push_back(*d);
      }
      partials[j].push_back(std::move(mine));
    }
    rows.push_back(row("tally: trustee " + std::to_string(j) + "'s partial decryptions (" +
                           std::to_string(o.scrutins * o.options) + ")",
                       n, timer, Scaling::constant));
  }
  timer = Timer();
  for (uint32_t j = 1; j <= o.trustees; ++j) {
    const isoloir::TrusteeInfo* t = trustees->find(j);
    for (size_t si = 0; si < m.scrutins.size(); ++si) {
      const isoloir::Scrutin& s = m.scrutins[si];
      for (size_t i = 0; i < s.options.size(); ++i) {
        const isoloir::DecryptionContext ctx{m.hash, s.id, static_cast<uint32_t>(i)};
        if (!isoloir::verify_partial(ctx, t->verification_key,
                                     aggregates->of(s.id).options[i].alpha, partials[j][si][i])) {
          std::fprintf(stderr, "isoloir_record_bench: a partial decryption does not verify\n");
          return 1;
        }
      }
    }
  }
  rows.push_back(
      row("tally: verify every trustee's partial decryptions", n, timer, Scaling::constant));

  // The first `threshold` trustees combine; the counts by baby-step giant-step.
  std::vector<std::vector<isoloir::Point>> combined(m.scrutins.size());
  timer = Timer();
  for (size_t si = 0; si < m.scrutins.size(); ++si) {
    for (size_t i = 0; i < m.scrutins[si].options.size(); ++i) {
      std::vector<isoloir::PartialDecryption> chosen;
      for (uint32_t j = 1; j <= o.threshold; ++j) chosen.push_back(partials[j][si][i]);
      auto ax = isoloir::combine_partials(chosen, o.threshold);
      if (!ax) {
        std::fprintf(stderr, "isoloir_record_bench: combine: %s\n", ax.error().message().c_str());
        return 1;
      }
      combined[si].push_back(*ax);
    }
  }
  rows.push_back(row("tally: combine " + std::to_string(o.threshold) + " trustees' partials", n,
                     timer, Scaling::constant));
  bool counts_right = true;
  timer = Timer();
  for (size_t si = 0; si < m.scrutins.size(); ++si) {
    const auto& agg = aggregates->of(m.scrutins[si].id);
    for (size_t i = 0; i < m.scrutins[si].options.size(); ++i) {
      auto count = isoloir::decrypt_count(agg.options[i].beta, combined[si][i], agg.ballots);
      if (!count || *count != record->results[si].counts[i].count) counts_right = false;
    }
  }
  rows.push_back(row("tally: counts by baby-step giant-step (bound: the scrutin's ballots)", n,
                     timer, Scaling::square_root));
  if (!counts_right) {
    std::fprintf(stderr, "isoloir_record_bench: the decrypted counts are not the votes\n");
    return 1;
  }

  print_table(rows);
  rusage usage_now{};
  getrusage(RUSAGE_SELF, &usage_now);
  std::printf(
      "\nthe counts are the votes drawn; peak resident memory %.0f MB; load average at "
      "end %s\n",
      static_cast<double>(usage_now.ru_maxrss) / 1024.0, load_average().c_str());
  return 0;
}

// isoloir-synth-record: writes a valid synthetic election record (the seven
// files of PROTOCOL.md section 8) into a new directory, for benchmarks and
// fuzzing seeds, with the board's close.json and aggregates.json
// (docs/election-end.md section 3), so that the directory is also a board
// for `isoloir trustee decrypt` and `isoloir tally combine`. Usage:
//   isoloir-synth-record --out DIR [--voters N] [--scrutins S] [--options K]
//     [--trustees N] [--threshold T] [--decrypting 1,3] [--reissued R]
//     [--turnout P] [--seed X] [--threads N] [--share-keys PASSPHRASE]
// --share-keys also writes each trustee's key share as `isoloir trustee
// finish` and the trustee page do (share-J.key, sealed under PASSPHRASE at
// the interactive KDF cost), for tests of the decryption step.
// Exit status: 0 written, 2 bad arguments or a file that cannot be written.
#include <cerrno>
#include <charconv>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>

#include "isoloir/key_file.h"
#include "isoloir/manifest.h"
#include "isoloir/point.h"
#include "synthetic_record.h"

namespace {

bool parse_u64(std::string_view text, uint64_t& out) {
  const auto* end = text.data() + text.size();
  auto [p, ec] = std::from_chars(text.data(), end, out);
  return ec == std::errc() && p == end && !text.empty();
}

bool parse_list(std::string_view text, std::vector<uint32_t>& out) {
  while (!text.empty()) {
    const size_t comma = text.find(',');
    uint64_t v = 0;
    if (!parse_u64(text.substr(0, comma), v) || v > 0xffff) return false;
    out.push_back(static_cast<uint32_t>(v));
    text = comma == std::string_view::npos ? std::string_view() : text.substr(comma + 1);
  }
  return !out.empty();
}

int usage(const std::string& why) {
  std::fprintf(stderr,
               "isoloir-synth-record: %s\nusage: isoloir-synth-record --out DIR [--voters N] "
               "[--scrutins S] [--options K] [--trustees N] [--threshold T] [--decrypting 1,3] "
               "[--reissued R] [--turnout P] [--seed X] [--threads N] [--share-keys PASSPHRASE]\n",
               why.c_str());
  return 2;
}

bool write_file(const std::filesystem::path& path, const std::string& bytes) {
  std::ofstream f(path, std::ios::binary | std::ios::trunc);
  f.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  f.close();
  return static_cast<bool>(f);
}

}  // namespace

int main(int argc, char** argv) {
  isoloir::synth::Options o;
  std::string out;
  std::string share_passphrase;
  for (int i = 1; i < argc; ++i) {
    const std::string_view flag = argv[i];
    if (i + 1 >= argc) return usage(std::string(flag) + " needs a value");
    const std::string_view value = argv[++i];
    uint64_t n = 0;
    const bool number = parse_u64(value, n);
    const bool small = number && n <= 1'000'000'000;
    if (flag == "--out") {
      out = value;
    } else if (flag == "--share-keys") {
      if (value.empty()) return usage("--share-keys takes a passphrase");
      share_passphrase = value;
    } else if (flag == "--decrypting") {
      if (!parse_list(value, o.decrypting)) return usage("--decrypting takes indices: 1,3");
    } else if (!small) {
      return usage(std::string(flag) + " takes a whole number, not " + std::string(value));
    } else if (flag == "--voters") {
      o.voters = n;
    } else if (flag == "--scrutins") {
      o.scrutins = static_cast<uint32_t>(n);
    } else if (flag == "--options") {
      o.options = static_cast<uint32_t>(n);
    } else if (flag == "--trustees") {
      o.trustees = static_cast<uint32_t>(n);
    } else if (flag == "--threshold") {
      o.threshold = static_cast<uint32_t>(n);
    } else if (flag == "--reissued") {
      o.reissued = n;
    } else if (flag == "--turnout") {
      o.turnout_percent = static_cast<uint32_t>(n);
    } else if (flag == "--seed") {
      o.seed = n;
    } else if (flag == "--threads") {
      o.threads = static_cast<unsigned>(n);
    } else {
      return usage("unknown option " + std::string(flag));
    }
  }
  if (out.empty()) return usage("--out DIR is required");
  std::error_code ec;
  if (!std::filesystem::create_directory(out, ec)) {
    return usage("cannot create a new directory " + out +
                 (ec ? ": " + ec.message() : std::string(": it exists")));
  }
  const auto start = std::chrono::steady_clock::now();
  auto record = isoloir::synth::make_record(o);
  if (!record) return usage(record.error().message());
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  const std::filesystem::path dir(out);
  const auto& f = record->files;
  const std::pair<const char*, const std::string*> files[] = {
      {"manifest.json", &f.manifest},
      {"trustees.json", &f.trustees},
      {"credentials.json", &f.credentials},
      {"ballots.jsonl", &f.ballots},
      {"tree_head.json", &f.tree_head},
      {"tally.json", &f.tally},
      {"results.json", &f.results},
      {"close.json", &record->close},
      {"aggregates.json", &record->aggregates}};
  for (const auto& [name, bytes] : files) {
    if (!write_file(dir / name, *bytes)) {
      std::fprintf(stderr, "isoloir-synth-record: cannot write %s: %s\n", name,
                   std::strerror(errno));
      return 2;
    }
  }
  if (!share_passphrase.empty()) {
    auto manifest = isoloir::parse_manifest(f.manifest);
    auto limits = isoloir::kdf_limits("interactive");
    if (!manifest || !limits) return usage("cannot read back the manifest");
    for (size_t j = 0; j < record->key_shares.size(); ++j) {
      const isoloir::ShareKey key{manifest->id, static_cast<uint32_t>(j + 1), record->key_shares[j],
                                  isoloir::Point::base_mul(record->key_shares[j])};
      auto sealed = isoloir::seal_share_key_file(key, share_passphrase, *limits);
      const std::string name = "share-" + std::to_string(j + 1) + ".key";
      if (!sealed || !write_file(dir / name, *sealed)) {
        std::fprintf(stderr, "isoloir-synth-record: cannot write %s\n", name.c_str());
        return 2;
      }
    }
  }
  std::printf("%llu ballots in %.1f s (%.0f ballots/s) written to %s\n",
              static_cast<unsigned long long>(record->ballots), seconds,
              seconds > 0 ? static_cast<double>(record->ballots) / seconds : 0.0, out.c_str());
  return 0;
}

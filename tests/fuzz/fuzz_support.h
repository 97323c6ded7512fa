// What every fuzz target shares: the vectors it is set up from, and a check
// that stops the run with a message when a property of a parser fails (a
// crash is what libFuzzer records and minimises).
#ifndef ISOLOIR_TESTS_FUZZ_FUZZ_SUPPORT_H_
#define ISOLOIR_TESTS_FUZZ_FUZZ_SUPPORT_H_

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

namespace isoloir::fuzz {

// The input as text (the parsers take string_view; no copy).
inline std::string_view as_text(const uint8_t* data, size_t size) {
  return {reinterpret_cast<const char*>(data), size};
}

// Splits the input on a separator byte sequence into at most `parts` pieces
// (the last one keeps the rest), so one input can feed a parser several
// fields. Missing pieces are empty.
inline std::vector<std::string_view> split(std::string_view text, std::string_view sep,
                                           size_t parts) {
  std::vector<std::string_view> out;
  while (out.size() + 1 < parts) {
    const size_t at = text.find(sep);
    if (at == std::string_view::npos) break;
    out.push_back(text.substr(0, at));
    text.remove_prefix(at + sep.size());
  }
  out.push_back(text);
  out.resize(parts);
  return out;
}

[[noreturn]] inline void property_failed(const char* what, const char* file, int line) {
  std::fprintf(stderr, "%s:%d: property failed: %s\n", file, line, what);
  std::abort();
}

}  // namespace isoloir::fuzz

#define FUZZ_CHECK(cond) \
  ((cond) ? static_cast<void>(0) : ::isoloir::fuzz::property_failed(#cond, __FILE__, __LINE__))

#endif  // ISOLOIR_TESTS_FUZZ_FUZZ_SUPPORT_H_

// The voter file (docs/voter-file.md), as `isoloir-admin voters import` and
// `isoloir codes issue` read it: the urn's CSV parser and the tools' split
// of the postal address columns. Never a crash; when both accept a file,
// they agree on how many voters it holds.
#include "fuzz_support.h"
#include "isoloir/urn/voter_file.h"
#include "postal.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text = isoloir::fuzz::as_text(data, size);
  auto rows = isoloir::urn::parse_voter_csv(text);
  auto parts = isoloir::cli::split_address_columns(text);
  if (!parts) return 0;
  auto stripped = isoloir::urn::parse_voter_csv(parts->urn_text);
  if (stripped) FUZZ_CHECK(stripped->size() == parts->addresses.size());
  for (const auto& lines : parts->addresses) {
    for (const std::string& line : lines) FUZZ_CHECK(line.find('\n') == std::string::npos);
  }
  (void)rows;
  return 0;
}

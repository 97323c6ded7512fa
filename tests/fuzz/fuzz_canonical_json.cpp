// Canonical JSON (PROTOCOL.md section 2): the lenient parser and the strict
// one must refuse or accept without crashing, whatever the depth or bytes;
// what the strict one accepts is its own canonical form, and what the lenient
// one accepts canonicalises to bytes the strict one accepts back unchanged.
#include "fuzz_support.h"
#include "isoloir/canonical_json.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text = isoloir::fuzz::as_text(data, size);
  if (auto strict = isoloir::parse_canonical(text)) {
    FUZZ_CHECK(isoloir::canonical_dump(*strict) == text);
  }
  if (auto lenient = isoloir::parse_json(text)) {
    const std::string canonical = isoloir::canonical_dump(*lenient);
    auto again = isoloir::parse_canonical(canonical);
    FUZZ_CHECK(again.ok());
    FUZZ_CHECK(*again == *lenient);
  }
  return 0;
}

// trustees.json (PROTOCOL.md section 7), as the record verifier and
// `isoloir-admin election import` read it: any JSON, any structure, never a
// crash; a transcript accepted by load_trustees writes back to a document
// that loads again to the same key.
#include "fuzz_support.h"
#include "isoloir/canonical_json.h"
#include "isoloir/trustees.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto doc = isoloir::parse_json(isoloir::fuzz::as_text(data, size));
  if (!doc) return 0;
  auto parsed = isoloir::parse_trustees(*doc);
  if (!parsed) return 0;
  auto trustees = isoloir::load_trustees(*doc);
  if (!trustees) return 0;
  auto again = isoloir::load_trustees(isoloir::trustees_to_json(*trustees));
  FUZZ_CHECK(again.ok());
  FUZZ_CHECK(isoloir::canonical_dump(isoloir::trustees_to_json(*again)) ==
             isoloir::canonical_dump(isoloir::trustees_to_json(*trustees)));
  return 0;
}

// The election manifest (PROTOCOL.md section 3), as `isoloir-admin election
// import`, the CLI and the booth read it: never a crash; what is accepted
// has canonical bytes that parse again to the same election.
#include "fuzz_support.h"
#include "isoloir/manifest.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto manifest = isoloir::parse_manifest(isoloir::fuzz::as_text(data, size));
  if (!manifest) return 0;
  auto again = isoloir::parse_manifest(manifest->canonical);
  FUZZ_CHECK(again.ok());
  FUZZ_CHECK(again->canonical == manifest->canonical);
  FUZZ_CHECK(again->hash_b64 == manifest->hash_b64);
  FUZZ_CHECK(again->scrutins.size() == manifest->scrutins.size());
  return 0;
}

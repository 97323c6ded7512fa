// Ballot verification (PROTOCOL.md section 4) against the vectors' election,
// the check the urn runs on every cast: never a crash, and an accepted
// ballot is canonical, names a scrutin of the election and answers each of
// its options.
#include <memory>

#include "fuzz_support.h"
#include "isoloir/ballot.h"
#include "isoloir/canonical_json.h"
#include "isoloir/manifest.h"
#include "vectors.h"

namespace {

const isoloir::Manifest& election() {
  static const std::unique_ptr<isoloir::Manifest> m = [] {
    auto parsed = isoloir::parse_manifest(
        isoloir::test::load_vector("manifest.json")["manifest_canonical"].get<std::string>());
    FUZZ_CHECK(parsed.ok());
    return std::make_unique<isoloir::Manifest>(*std::move(parsed));
  }();
  return *m;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view bytes = isoloir::fuzz::as_text(data, size);
  auto ballot = isoloir::verify_ballot(election(), bytes);
  if (!ballot) return 0;
  FUZZ_CHECK(isoloir::parse_canonical(bytes).ok());
  FUZZ_CHECK(ballot->reference == isoloir::ballot_reference(bytes));
  const isoloir::Scrutin* scrutin = nullptr;
  for (const isoloir::Scrutin& s : election().scrutins) {
    if (s.id == ballot->scrutin) scrutin = &s;
  }
  FUZZ_CHECK(scrutin != nullptr);
  FUZZ_CHECK(ballot->answers.size() == scrutin->options.size());
  return 0;
}

// The election's end (docs/election-end.md) as a trustee's `isoloir trustee
// decrypt`, `tally combine` and the trustees' rounds read it, from files
// that crossed machines: close.json, aggregates.json, a partials file and
// the ceremony's three round documents. Never a crash; a round document
// accepted writes back to the same bytes. The first input byte picks the
// reader; the rest is the document. The context is the vectors' record.
#include <memory>

#include "fuzz_support.h"
#include "isoloir/canonical_json.h"
#include "isoloir/ceremony.h"
#include "isoloir/closing.h"
#include "isoloir/manifest.h"
#include "vectors.h"

namespace {

struct Context {
  std::unique_ptr<isoloir::Board> board;
  std::string tree_head;
};

const Context& context() {
  static const Context c = [] {
    using isoloir::test::read_file;
    using isoloir::test::vector_path;
    Context out;
    static const std::string manifest = read_file(vector_path("record/manifest.json"));
    static const std::string trustees = read_file(vector_path("record/trustees.json"));
    static const std::string credentials = read_file(vector_path("record/credentials.json"));
    static const std::string ballots = read_file(vector_path("record/ballots.jsonl"));
    out.tree_head = read_file(vector_path("record/tree_head.json"));
    auto board = isoloir::verify_board(
        isoloir::BoardFiles{manifest, trustees, credentials, ballots, out.tree_head});
    FUZZ_CHECK(board.ok());
    out.board = std::make_unique<isoloir::Board>(*std::move(board));
    return out;
  }();
  return c;
}

// A round document accepted once is accepted again from its own writing,
// to the same bytes: one spelling per document.
template <typename Parse, typename Write>
void round_trip(std::string_view text, Parse parse, Write write) {
  auto doc = isoloir::parse_json(text);
  if (!doc) return;
  auto parsed = parse(*doc);
  if (!parsed) return;
  const std::string bytes = isoloir::canonical_dump(write(*parsed));
  auto again = isoloir::parse_canonical(bytes);
  FUZZ_CHECK(again.ok());
  auto reparsed = parse(*again);
  FUZZ_CHECK(reparsed.ok());
  FUZZ_CHECK(isoloir::canonical_dump(write(*reparsed)) == bytes);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const Context& c = context();
  const isoloir::Manifest& m = c.board->manifest;
  const std::string_view doc = isoloir::fuzz::as_text(data + 1, size - 1);
  switch (data[0] % 6) {
    case 0:
      if (auto close = isoloir::verify_close(doc, m)) {
        FUZZ_CHECK(close->closed_at >= m.opens_at && close->closed_at <= m.closes_at);
      }
      break;
    case 1:
      if (auto agg = isoloir::parse_aggregates(doc, m)) {
        FUZZ_CHECK(agg->scrutins.size() == m.scrutins.size());
        (void)isoloir::compare_aggregates(*agg, m, c.board->aggregates, c.tree_head);
      }
      break;
    case 2:
      if (auto p = isoloir::parse_partials(doc, m, c.board->aggregates)) {
        (void)isoloir::verify_partials(*p, m, c.board->trustees, c.board->aggregates);
      }
      break;
    case 3:
      round_trip(doc, isoloir::parse_commitment, isoloir::commitment_to_json);
      break;
    case 4:
      round_trip(doc, isoloir::parse_shares, isoloir::shares_to_json);
      break;
    default:
      round_trip(doc, isoloir::parse_verification_key, isoloir::verification_key_to_json);
      break;
  }
  return 0;
}

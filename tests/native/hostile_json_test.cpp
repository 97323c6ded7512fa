// Outside JSON that costs more than it says (issue 9): nesting that would
// overflow the stack of anything walking the tree, a NUL byte after which
// nlohmann's lexer stopped reading, and the size bound. Each is refused by
// parse_json itself, before any caller recurses.
#include <gtest/gtest.h>

#include <string>

#include "isoloir/ballot.h"
#include "isoloir/canonical_json.h"
#include "isoloir/manifest.h"
#include "vectors.h"

namespace isoloir {
namespace {

std::string nested_arrays(size_t depth) {
  return std::string(depth, '[') + std::string(depth, ']');
}

TEST(HostileJson, NestingIsBoundedBeforeAnythingRecurses) {
  EXPECT_TRUE(parse_json(nested_arrays(kMaxJsonDepth)).ok());
  for (size_t depth : {kMaxJsonDepth + 1, size_t{26'000}, size_t{1'000'000}}) {
    Result<Json> r = parse_json(nested_arrays(depth));
    ASSERT_FALSE(r.ok()) << depth;
    EXPECT_EQ(r.error().reason, "non_canonical_json");
    EXPECT_EQ(r.error().detail, "nested deeper than 64 levels");
  }
  std::string objects;
  for (int i = 0; i < 100'000; ++i) objects += "{\"a\":";
  objects += "1" + std::string(100'000, '}');
  EXPECT_FALSE(parse_json(objects).ok());
  EXPECT_FALSE(parse_canonical(objects).ok());
}

TEST(HostileJson, ANulByteIsRefusedWhereverItIs) {
  const std::string doc = "{\"a\":1}";
  EXPECT_TRUE(parse_json(doc).ok());
  for (const std::string& bad : {doc + std::string(1, '\0') + "{{{", std::string(1, '\0') + doc,
                                 std::string("{\"a\":\"x") + '\0' + "y\"}"}) {
    Result<Json> r = parse_json(bad);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().reason, "non_canonical_json");
  }
  // Escaped, a NUL is an ordinary character of a string.
  Result<Json> escaped = parse_json("{\"a\":\"x\\u0000y\"}");
  ASSERT_TRUE(escaped.ok());
  EXPECT_EQ((*escaped)["a"].get<std::string>(), std::string("x\0y", 3));
}

TEST(HostileJson, DocumentsOverTheSizeBoundAreRefusedUnread) {
  const std::string big(kMaxJsonBytes + 1, ' ');
  Result<Json> r = parse_json(big);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().detail, "larger than 256 MiB");
}

TEST(HostileJson, ADeeplyNestedBallotIsRefusedByTheVerifier) {
  Result<Manifest> m =
      parse_manifest(canonical_dump(test::load_vector("manifest.json")["manifest"]));
  ASSERT_TRUE(m.ok());
  Result<VerifiedBallot> v = verify_ballot(*m, nested_arrays(26'000));
  ASSERT_FALSE(v.ok());
  EXPECT_EQ(v.error().reason, "non_canonical_json");
  // Nested inside a ballot's own fields, too.
  Json ballot =
      parse_json(test::load_vector("ballots_valid.json")["ballots"][0]["ballot"].get<std::string>())
          .value();
  std::string text = canonical_dump(ballot);
  text.insert(text.size() - 1, ",\"x\":" + nested_arrays(100'000));
  EXPECT_FALSE(verify_ballot(*m, text).ok());
}

}  // namespace
}  // namespace isoloir

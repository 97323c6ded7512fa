// PROTOCOL.md section 1: base64url, hashing and challenges, points and scalars.
#include <gtest/gtest.h>

#include "isoloir/bytes.h"
#include "isoloir/hash.h"
#include "isoloir/point.h"
#include "isoloir/scalar.h"
#include "vectors.h"

namespace isoloir {
namespace {

using test::load_vector;
using test::unhex;

// Decimal text to 32 little-endian bytes (test data only).
std::array<uint8_t, 32> decimal_le(const std::string& dec) {
  std::array<uint8_t, 32> out{};
  for (char ch : dec) {
    unsigned carry = static_cast<unsigned>(ch - '0');
    for (auto& byte : out) {
      unsigned v = byte * 10u + carry;
      byte = static_cast<uint8_t>(v & 0xff);
      carry = v >> 8;
    }
  }
  return out;
}

TEST(Base64url, VectorsRoundTrip) {
  auto v = load_vector("base64url.json");
  ASSERT_FALSE(v["valid"].empty());
  for (const auto& c : v["valid"]) {
    Bytes bytes = unhex(c["bytes_hex"]);
    EXPECT_EQ(base64url_encode(bytes), c["b64url"].get<std::string>());
    auto back = base64url_decode(c["b64url"].get<std::string>());
    ASSERT_TRUE(back.ok()) << c["b64url"];
    EXPECT_EQ(*back, bytes);
  }
}

TEST(Base64url, VectorsRefused) {
  auto v = load_vector("base64url.json");
  ASSERT_FALSE(v["invalid"].empty());
  for (const auto& c : v["invalid"]) {
    auto r = base64url_decode(c["b64url"].get<std::string>());
    ASSERT_FALSE(r.ok()) << "accepted " << c.dump();
    EXPECT_EQ(r.error().reason, c["expected_reason"].get<std::string>());
  }
}

TEST(Hash, TranscriptAndChallengeVectors) {
  auto v = load_vector("hash.json");
  ASSERT_FALSE(v["cases"].empty());
  for (const auto& c : v["cases"]) {
    Transcript t(c["tag"].get<std::string>());
    for (const auto& item : c["items"]) {
      if (item.contains("str")) {
        t.add(item["str"].get<std::string>());
      } else if (item.contains("int")) {
        t.add_index(item["int"].get<uint64_t>());
      } else {
        t.add(ByteView(test::unb64(item["bytes"].get<std::string>())));
      }
    }
    auto h = t.digest();
    EXPECT_EQ(hex_encode(h), c["H_hex"].get<std::string>()) << c["tag"];
    EXPECT_EQ(Scalar::reduce(h).to_base64url(), c["challenge"].get<std::string>());
  }
}

TEST(Points, ValidPointsAreMultiplesOfG) {
  auto v = load_vector("points_scalars.json");
  ASSERT_FALSE(v["valid_points"].empty());
  for (const auto& c : v["valid_points"]) {
    auto s = Scalar::from_base64url(c["scalar"].get<std::string>(), "scalar");
    ASSERT_TRUE(s.ok());
    auto p = Point::from_base64url(c["point"].get<std::string>(), "point");
    ASSERT_TRUE(p.ok()) << c["name"];
    EXPECT_EQ(Point::base_mul(*s), *p) << c["name"];
  }
}

TEST(Points, InvalidPointsRefusedForTheirReason) {
  auto v = load_vector("points_scalars.json");
  ASSERT_FALSE(v["invalid_points"].empty());
  for (const auto& c : v["invalid_points"]) {
    auto p = Point::from_base64url(c["b64url"].get<std::string>(), "point");
    ASSERT_FALSE(p.ok()) << c["why"];
    EXPECT_EQ(p.error().reason, c["expected_reason"].get<std::string>()) << c["why"];
  }
}

TEST(Scalars, CanonicalAcceptedNonCanonicalRefused) {
  auto v = load_vector("points_scalars.json");
  ASSERT_FALSE(v["valid_scalars"].empty());
  for (const auto& c : v["valid_scalars"]) {
    auto s = Scalar::from_base64url(c["b64url"].get<std::string>(), "s");
    ASSERT_TRUE(s.ok()) << c.dump();
    EXPECT_EQ(s->bytes(), decimal_le(c["value"].get<std::string>()));
  }
  ASSERT_FALSE(v["invalid_scalars"].empty());
  for (const auto& c : v["invalid_scalars"]) {
    auto s = Scalar::from_base64url(c["b64url"].get<std::string>(), "s");
    ASSERT_FALSE(s.ok()) << c.dump();
    EXPECT_EQ(s.error().reason, "non_canonical_scalar");
  }
}

TEST(Points, IdentityArithmetic) {
  // g^0 and g^l are the identity; adding the identity changes nothing.
  Point g = Point::generator();
  EXPECT_TRUE(Point::base_mul(Scalar()).is_identity());
  EXPECT_EQ(g + Point::identity(), g);
  EXPECT_EQ(Point::identity() + g, g);
  EXPECT_TRUE((g - g).is_identity());
  EXPECT_EQ(Point::identity() - g, g.mul(-Scalar::from_u64(1)));
  EXPECT_EQ(g.mul(Scalar::from_u64(2)), g + g);
  EXPECT_TRUE(Point::identity().mul(Scalar::from_u64(5)).is_identity());
}

TEST(Scalars, SelectIsExact) {
  Scalar a = Scalar::from_u64(7), b = Scalar::from_u64(9);
  EXPECT_EQ(Scalar::select(0, a, b), a);
  EXPECT_EQ(Scalar::select(1, a, b), b);
}

}  // namespace
}  // namespace isoloir

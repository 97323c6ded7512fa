// Point and scalar arithmetic that the vectors do not reach: the identity in
// sums and products, constant-time selection, h's table and the verifier's
// variable-time double multiplication against plain multiplication, our
// Ed25519 signing against libsodium's. The section 1 vectors
// themselves run in tests/conformance/core_checks.cpp.
#include <gtest/gtest.h>
#include <sodium.h>

#include <array>
#include <set>
#include <string>
#include <vector>

#include "isoloir/point.h"
#include "isoloir/point_table.h"
#include "isoloir/random.h"
#include "isoloir/scalar.h"
#include "isoloir/signature.h"
#include "isoloir/vartime.h"

namespace isoloir {
namespace {

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

// Scalars whose radix-16 digits reach the table's edges: 0, 1, 8 and 15 in
// every nibble (carries through every position), l - 1, and random ones.
std::vector<Scalar> awkward_scalars() {
  std::vector<Scalar> out = {Scalar(),
                             Scalar::from_u64(1),
                             Scalar::from_u64(8),
                             Scalar::from_u64(0x88888888),
                             -Scalar::from_u64(1),
                             -Scalar::from_u64(8),
                             -Scalar::from_u64(0x0f0f0f0f)};
  for (const uint8_t fill : {0x88, 0xff, 0x77, 0x0f}) {
    std::array<uint8_t, 64> wide{};
    wide.fill(fill);
    out.push_back(Scalar::reduce(wide));
  }
  // Whole words of zeros and runs of ones to a word's edge, where a
  // recoding's carry crosses into the next word: ones at bits 60-63 only,
  // bits 0-63 all set, bit 128 alone.
  out.push_back(Scalar::from_u64(0xf000000000000000));
  out.push_back(Scalar::from_u64(UINT64_MAX));
  std::array<uint8_t, 64> bit128{};
  bit128[16] = 1;
  out.push_back(Scalar::reduce(bit128));
  SystemScalarSource rng;
  for (int i = 0; i < 20; ++i) out.push_back(rng.next());
  return out;
}

TEST(Points, TheTableMultipliesAsMulDoes) {
  SystemScalarSource rng;
  const Point h = Point::base_mul(rng.next());
  const PointTable table(h);
  EXPECT_EQ(table.base(), h);
  for (const Scalar& s : awkward_scalars()) {
    EXPECT_EQ(table.mul(s), h.mul(s)) << s.to_base64url();
  }
  // The generator's table (Point::base_mul's) agrees with libsodium's own
  // table for g and with its variable-base multiplication.
  const PointTable g(Point::generator());
  for (const Scalar& s : awkward_scalars()) {
    EXPECT_EQ(g.mul(s), Point::base_mul(s));
    EXPECT_EQ(Point::base_mul(s), Point::generator().mul(s));
    std::array<uint8_t, 32> libsodium{};
    std::array<uint8_t, 32> bytes = s.bytes();
    bytes[31] &= 127;  // as Point's multiplications read it
    if (crypto_scalarmult_ristretto255_base(libsodium.data(), bytes.data()) == 0) {
      EXPECT_EQ(Point::base_mul(s).encode(), libsodium) << s.to_base64url();
    } else {
      EXPECT_TRUE(Point::base_mul(s).is_identity()) << s.to_base64url();
    }
  }
  // The identity's table gives the identity.
  EXPECT_TRUE(PointTable(Point::identity()).mul(rng.next()).is_identity());
}

// A scalar's width-w NAF digits: odd, below 2^(w-1) in absolute value, at
// least w - 1 zeros after each, and summing to the scalar.
TEST(Points, VartimeDigitsAreAWidthWNaf) {
  std::vector<Scalar> scalars = awkward_scalars();
  for (const unsigned width : {VartimeMultiples::kNarrow, VartimeMultiples::kWide}) {
    for (const Scalar& s : scalars) {
      const auto naf = vartime_naf(s, width);
      Scalar total;
      Scalar power = Scalar::from_u64(1);
      size_t last = 0;
      bool seen = false;
      for (size_t i = 0; i < naf.size(); ++i) {
        const int d = naf[i];
        if (d != 0) {
          EXPECT_NE(d % 2, 0) << i;
          EXPECT_LT(d < 0 ? -d : d, 1 << (width - 1)) << i;
          if (seen) {
            EXPECT_GE(i - last, width) << i;
          }
          last = i;
          seen = true;
          const Scalar m = Scalar::from_u64(static_cast<uint64_t>(d < 0 ? -d : d)) * power;
          total = d < 0 ? total - m : total + m;
        }
        power = power + power;
      }
      EXPECT_EQ(total, s) << s.to_base64url() << " width " << width;
    }
  }
}

// The verifier's sums (src/vartime.cpp) against the constant-time products
// summed: every scalar of awkward_scalars() in every position (0, 1, l - 1,
// windows across the quarters' edges), one to five terms (past four, split),
// both widths, the identity as a point.
TEST(Points, VartimeSumsAreTheProductsSummed) {
  SystemScalarSource rng;
  const Point p = Point::base_mul(rng.next());
  const Point q = Point::base_mul(rng.next());
  const VartimeMultiples& gm = Point::generator_table().vartime();
  const VartimeMultiples pm(p);
  const VartimeMultiples qm(q, VartimeMultiples::kWide);
  const PointTable qt(q);
  std::vector<Scalar> scalars = awkward_scalars();
  // Runs of ones across each quarter's edge (bits 56 to 71, 120 to 135, 184
  // to 199): a window there takes bits from two quarters.
  std::array<uint8_t, 64> edges{};
  for (const size_t byte : {7, 8, 15, 16, 23, 24}) edges[byte] = 0xff;
  scalars.push_back(Scalar::reduce(edges));
  for (const Scalar& a : scalars) {
    const Scalar b = rng.next();
    // Digits made once and read by several sums, as the verifier does; a's
    // narrow digits given to a wide base are made again in its width.
    const VartimeMultiples::Digits an = pm.digits(a);
    const VartimeMultiples::Digits aw = qm.digits(a);
    const VartimeMultiples::Digits bn = pm.digits(b);
    const VartimeMultiples::Digits bw = gm.digits(b);
    EXPECT_EQ(VartimeMultiples::sum({{pm, an}}), p.mul(a)) << a.to_base64url();
    EXPECT_EQ(VartimeMultiples::sum({{qm, aw}}), q.mul(a)) << a.to_base64url();
    EXPECT_EQ(VartimeMultiples::sum({{qm, an}}), q.mul(a)) << a.to_base64url();
    EXPECT_EQ(VartimeMultiples::sum({{pm, aw}}), p.mul(a)) << a.to_base64url();
    EXPECT_EQ(VartimeMultiples::sum({{gm, bw}, {pm, an}}), Point::base_mul(b) + p.mul(a));
    EXPECT_EQ(VartimeMultiples::sum({{pm, bn}, {qm, aw}, {gm, aw}}),
              p.mul(b) + q.mul(a) + Point::base_mul(a))
        << a.to_base64url();
    EXPECT_EQ(VartimeMultiples::sum({{pm, an}, {qm, bw}, {gm, aw}, {pm, bn}, {qt.vartime(), aw}}),
              p.mul(a) + q.mul(b) + Point::base_mul(a) + p.mul(b) + q.mul(a))
        << a.to_base64url();
  }
  const VartimeMultiples::Digits zero = pm.digits(Scalar());
  EXPECT_TRUE(VartimeMultiples::sum({{pm, zero}, {gm, zero}}).is_identity());
  EXPECT_TRUE(VartimeMultiples::sum({}).is_identity());
  const VartimeMultiples identity(Point::identity());
  const Scalar one = Scalar::from_u64(1);
  EXPECT_EQ(VartimeMultiples::sum({{identity, identity.digits(rng.next())}, {gm, gm.digits(one)}}),
            Point::generator());
}

// The sum proof's multiples, made from the options' by additions only,
// multiply as the sum's own do: one to fifteen parts, the identity among
// them, every awkward scalar, both widths; no part gives the identity.
TEST(Points, MultiplesOfASumAreMadeFromTheParts) {
  SystemScalarSource rng;
  std::vector<VartimeMultiples> parts;
  Point total;
  for (size_t n = 1; n <= 15; ++n) {
    const Point p = n == 3 ? Point::identity() : Point::base_mul(rng.next());
    parts.emplace_back(p, n % 2 == 0 ? VartimeMultiples::kWide : VartimeMultiples::kNarrow);
    total += p;
    if (n != 1 && n != 2 && n != 15) continue;
    for (const unsigned width : {VartimeMultiples::kNarrow, VartimeMultiples::kWide}) {
      const VartimeMultiples sum = VartimeMultiples::of_sum(parts, width);
      for (const Scalar& a : awkward_scalars()) {
        EXPECT_EQ(VartimeMultiples::sum({{sum, sum.digits(a)}}), total.mul(a))
            << n << " parts, " << a.to_base64url();
      }
    }
  }
  const VartimeMultiples none = VartimeMultiples::of_sum({});
  EXPECT_TRUE(VartimeMultiples::sum({{none, none.digits(rng.next())}}).is_identity());
}

// src/ed25519.cpp signs with Point::base_mul's table instead of libsodium's:
// its keys and signatures must be libsodium's, byte for byte.
TEST(Signatures, KeysAndSignaturesAreLibsodiumsByteForByte) {
  for (int i = 0; i < 40; ++i) {
    std::array<uint8_t, SigningKey::kSeedBytes> seed{};
    randombytes_buf(seed.data(), seed.size());
    if (i == 0) seed.fill(0);
    if (i == 1) seed.fill(0xff);
    std::array<uint8_t, crypto_sign_PUBLICKEYBYTES> pk{};
    std::array<uint8_t, crypto_sign_SECRETKEYBYTES> sk{};
    crypto_sign_seed_keypair(pk.data(), sk.data(), seed.data());
    const SigningKey key = SigningKey::from_seed(seed);
    ASSERT_EQ(key.public_key(), pk);
    ASSERT_EQ(key.secret_bytes(), sk);
    for (size_t n : {size_t{0}, size_t{1}, size_t{63}, size_t{64}, size_t{65}, size_t{1000}}) {
      Bytes message(n);
      if (n > 0) randombytes_buf(message.data(), message.size());  // data() may be null at 0
      const SignatureBytes ours = key.sign("isoloir/1/test", message);
      const Bytes signed_message = signed_bytes("isoloir/1/test", message);
      SignatureBytes theirs{};
      crypto_sign_detached(theirs.data(), nullptr, signed_message.data(), signed_message.size(),
                           sk.data());
      EXPECT_EQ(ours, theirs) << "seed " << i << ", " << n << " bytes";
      EXPECT_TRUE(verify_signature("isoloir/1/test", message, ours, pk));
    }
  }
}

// SystemScalarSource hands out 32 scalars per pool: draws across several
// refills are all different and never zero.
TEST(Random, PooledDrawsAreDistinctAcrossRefills) {
  SystemScalarSource rng;
  std::set<std::string> seen;
  for (int i = 0; i < 100; ++i) {
    const Scalar s = rng.next();
    EXPECT_FALSE(s.is_zero());
    EXPECT_TRUE(seen.insert(s.to_base64url()).second) << "draw " << i << " repeats";
  }
}

TEST(Scalars, SelectIsExact) {
  Scalar a = Scalar::from_u64(7), b = Scalar::from_u64(9);
  EXPECT_EQ(Scalar::select(0, a, b), a);
  EXPECT_EQ(Scalar::select(1, a, b), b);
}

}  // namespace
}  // namespace isoloir

// Point and scalar arithmetic that the vectors do not reach: the identity in
// sums and products, constant-time selection. The section 1 vectors
// themselves run in tests/conformance/core_checks.cpp.
#include <gtest/gtest.h>

#include "isoloir/point.h"
#include "isoloir/scalar.h"

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

TEST(Scalars, SelectIsExact) {
  Scalar a = Scalar::from_u64(7), b = Scalar::from_u64(9);
  EXPECT_EQ(Scalar::select(0, a, b), a);
  EXPECT_EQ(Scalar::select(1, a, b), b);
}

}  // namespace
}  // namespace isoloir

// Comparisons without a data-dependent branch, for the prover (tests/ct
// checks that no branch depends on the vote). Private to src/.
#ifndef ISOLOIR_SRC_CT_H_
#define ISOLOIR_SRC_CT_H_

#include <cstdint>

namespace isoloir::internal {

// 1 if a == b, else 0.
inline uint8_t ct_eq(uint64_t a, uint64_t b) {
  const uint64_t x = a ^ b;
  return static_cast<uint8_t>(((x | (0 - x)) >> 63) ^ 1);
}

// 1 if a > b (both < 2^63), else 0.
inline uint8_t ct_gt(uint64_t a, uint64_t b) {
  return static_cast<uint8_t>((b - a) >> 63);
}

}  // namespace isoloir::internal

#endif  // ISOLOIR_SRC_CT_H_

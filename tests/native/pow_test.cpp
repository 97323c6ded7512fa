// The proof of work's arithmetic: a found nonce meets its difficulty and no
// smaller one was skipped; the work grows with the difficulty; a solution
// is bound to its challenge.
#include "isoloir/pow.h"

#include <gtest/gtest.h>
#include <sodium.h>

#include <array>
#include <string>

namespace isoloir {
namespace {

// The definition, written out independently of pow.cpp's incremental state.
int zero_bits(const std::string& challenge, uint64_t nonce) {
  std::string msg = "isoloir/1/pow";
  msg.push_back('\0');
  msg += challenge;
  for (int i = 0; i < 8; ++i) msg.push_back(static_cast<char>(nonce >> (56 - 8 * i)));
  std::array<uint8_t, 32> h{};
  crypto_hash_sha256(h.data(), reinterpret_cast<const uint8_t*>(msg.data()), msg.size());
  int bits = 0;
  for (uint8_t b : h) {
    if (b == 0) {
      bits += 8;
      continue;
    }
    for (int k = 7; k >= 0 && ((b >> k) & 1) == 0; --k) ++bits;
    break;
  }
  return bits;
}

TEST(Pow, TheFirstSolutionIsFoundAndMeetsTheDefinition) {
  for (int difficulty : {0, 1, 4, 8, 12}) {
    const std::string challenge = "challenge-" + std::to_string(difficulty);
    auto nonce = pow_search(challenge, difficulty, 0, uint64_t{1} << 24);
    ASSERT_TRUE(nonce.has_value()) << difficulty;
    EXPECT_GE(zero_bits(challenge, *nonce), difficulty);
    EXPECT_TRUE(pow_meets(challenge, *nonce, difficulty));
    for (uint64_t n = 0; n < *nonce; ++n) {
      ASSERT_LT(zero_bits(challenge, n), difficulty) << "skipped nonce " << n;
      ASSERT_FALSE(pow_meets(challenge, n, difficulty));
    }
  }
}

TEST(Pow, ASolutionIsBoundToItsChallenge) {
  auto nonce = pow_search("abc", 10, 0, uint64_t{1} << 24);
  ASSERT_TRUE(nonce.has_value());
  int others_meeting = 0;
  for (const char* other : {"abd", "ab", "abc ", "ABC", ""}) {
    others_meeting += pow_meets(other, *nonce, 10) ? 1 : 0;
  }
  EXPECT_LE(others_meeting, 1);  // chance 2^-10 each: one would already be odd
  EXPECT_EQ(zero_bits("abc", *nonce) >= 10, pow_meets("abc", *nonce, 10));
}

TEST(Pow, SlicesResumeWhereTheyStopped) {
  const std::string challenge = "slices";
  auto whole = pow_search(challenge, 11, 0, uint64_t{1} << 24);
  ASSERT_TRUE(whole.has_value());
  std::optional<uint64_t> sliced;
  uint64_t start = 0;
  constexpr uint64_t kSlice = 97;
  while (!sliced) {
    sliced = pow_search(challenge, 11, start, kSlice);
    start += kSlice;
  }
  EXPECT_EQ(*sliced, *whole);
  EXPECT_FALSE(pow_search(challenge, 11, 0, *whole).has_value());  // stops before it
}

TEST(Pow, OutOfRangeInputsNeverSolve) {
  EXPECT_FALSE(pow_meets("x", 0, -1));
  EXPECT_FALSE(pow_meets("x", 0, kMaxPowDifficulty + 1));
  EXPECT_FALSE(pow_meets("x", kMaxPowNonce + 1, 0));
  EXPECT_TRUE(pow_meets("x", kMaxPowNonce, 0));
  EXPECT_FALSE(pow_search("x", kMaxPowDifficulty + 1, 0, 10).has_value());
  EXPECT_FALSE(pow_search("x", 30, kMaxPowNonce, 10).has_value() &&
               zero_bits("x", kMaxPowNonce) < 30);
}

}  // namespace
}  // namespace isoloir

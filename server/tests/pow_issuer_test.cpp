// The server's challenges: solvable, for one purpose, until they expire,
// once; forged or altered ones refused.
#include "isoloir/portal/pow_issuer.h"

#include <gtest/gtest.h>

#include <string>

#include "isoloir/bytes.h"
#include "isoloir/pow.h"

namespace isoloir::portal {
namespace {

constexpr int64_t kNow = 1'800'000'000;

uint64_t solve(const std::string& challenge, int difficulty) {
  auto n = pow_search(challenge, difficulty, 0, uint64_t{1} << 26);
  EXPECT_TRUE(n.has_value());
  return n.value_or(0);
}

PowPolicy policy(int difficulty, size_t remembered = 1000) {
  PowPolicy p;
  p.difficulty = difficulty;
  p.lifetime_seconds = 60;
  p.max_remembered = remembered;
  return p;
}

TEST(PowIssuer, ASolvedChallengeIsAcceptedOnceForItsPurpose) {
  PowIssuer issuer(policy(10));
  const std::string c = issuer.issue(PowPurpose::kLogin, kNow);
  EXPECT_EQ(c.size(), 76u);
  const uint64_t nonce = solve(c, 10);
  EXPECT_EQ(issuer.redeem(c, nonce, PowPurpose::kReissue, kNow).error().reason, "bad_pow");
  EXPECT_TRUE(issuer.redeem(c, nonce, PowPurpose::kLogin, kNow + 59).ok());
  EXPECT_EQ(issuer.redeem(c, nonce, PowPurpose::kLogin, kNow + 59).error().reason, "pow_replayed");
  EXPECT_NE(issuer.issue(PowPurpose::kLogin, kNow), issuer.issue(PowPurpose::kLogin, kNow));
}

// Issue 9, finding 7: an address over its failure threshold is served
// harder challenges; the difficulty travels under the MAC.
TEST(PowIssuer, AHarderChallengeNeedsAHarderSolutionAndCannotBeEased) {
  PowIssuer issuer(policy(4));
  const std::string hard = issuer.issue(PowPurpose::kLogin, kNow, 14);
  EXPECT_EQ(hard.size(), 76u);
  // A nonce that meets 4 bits but not 14 (the first such one).
  uint64_t easy = 0;
  while (!pow_meets(hard, easy, 4) || pow_meets(hard, easy, 14)) ++easy;
  EXPECT_EQ(issuer.redeem(hard, easy, PowPurpose::kLogin, kNow).error().reason, "bad_pow");
  EXPECT_TRUE(issuer.redeem(hard, solve(hard, 14), PowPurpose::kLogin, kNow).ok());
  // Lowering the difficulty bits breaks the MAC.
  auto raw = base64url_decode_fixed<57>(issuer.issue(PowPurpose::kLogin, kNow, 14), "c");
  ASSERT_TRUE(raw.ok());
  (*raw)[0] = static_cast<uint8_t>(static_cast<unsigned>(PowPurpose::kLogin) | (4U << 2));
  const std::string eased = base64url_encode(*raw);
  EXPECT_EQ(issuer.redeem(eased, solve(eased, 4), PowPurpose::kLogin, kNow).error().reason,
            "bad_pow");
  // Never below the policy's difficulty.
  const std::string low = issuer.issue(PowPurpose::kLink, kNow, 0);
  uint64_t below = 0;
  while (pow_meets(low, below, 4)) ++below;
  EXPECT_EQ(issuer.redeem(low, below, PowPurpose::kLink, kNow).error().reason, "bad_pow");
}

TEST(PowIssuer, WrongNoncesExpiredForgedAndAlteredChallengesAreRefused) {
  PowIssuer issuer(policy(12));
  const std::string c = issuer.issue(PowPurpose::kLogin, kNow);
  const uint64_t nonce = solve(c, 12);
  uint64_t wrong = 0;
  while (pow_meets(c, wrong, 12)) ++wrong;
  EXPECT_EQ(issuer.redeem(c, wrong, PowPurpose::kLogin, kNow).error().reason, "bad_pow");
  EXPECT_EQ(issuer.redeem(c, nonce, PowPurpose::kLogin, kNow + 60).error().reason, "pow_expired");
  EXPECT_EQ(issuer.redeem("", 0, PowPurpose::kLogin, kNow).error().reason, "pow_required");
  EXPECT_EQ(issuer.redeem("not base64!", 0, PowPurpose::kLogin, kNow).error().reason, "bad_pow");

  // Another server's challenge (another key), solved: refused.
  PowIssuer other(policy(12));
  const std::string foreign = other.issue(PowPurpose::kLogin, kNow);
  EXPECT_EQ(issuer.redeem(foreign, solve(foreign, 12), PowPurpose::kLogin, kNow).error().reason,
            "bad_pow");
  // One character changed (a later expiry, say), solved again: the MAC fails.
  std::string altered = c;
  altered[10] = altered[10] == 'A' ? 'B' : 'A';
  EXPECT_EQ(issuer.redeem(altered, solve(altered, 12), PowPurpose::kLogin, kNow).error().reason,
            "bad_pow");
  // The genuine one still works.
  EXPECT_TRUE(issuer.redeem(c, nonce, PowPurpose::kLogin, kNow).ok());
}

TEST(PowIssuer, AFullMemoryRefusesRatherThanForgets) {
  PowIssuer issuer(policy(1, 2));
  auto spend = [&](int64_t at) {
    const std::string c = issuer.issue(PowPurpose::kLink, at);
    return issuer.redeem(c, solve(c, 1), PowPurpose::kLink, at);
  };
  EXPECT_TRUE(spend(kNow).ok());
  EXPECT_TRUE(spend(kNow).ok());
  EXPECT_EQ(spend(kNow).error().reason, "pow_busy");
  EXPECT_TRUE(spend(kNow + 61).ok());  // the first two have expired: room again
}

TEST(PowIssuer, DifficultyZeroTurnsItOff) {
  PowIssuer issuer(policy(0));
  EXPECT_TRUE(issuer.redeem("", 0, PowPurpose::kLogin, kNow).ok());
}

}  // namespace
}  // namespace isoloir::portal

// The re-issued code's display window, by the clock the caller reads.
#include "isoloir/code_vault.h"

#include <gtest/gtest.h>

#include <string>

#include "isoloir/booth.h"
#include "isoloir/vote_code.h"

namespace isoloir {
namespace {

TEST(CodeVault, ShowsTheCodeFor120SecondsThenNeverAgain) {
  CodeVault vault;
  EXPECT_EQ(vault.reveal(0).error().reason, "no_code");
  const std::string credential = vault.regenerate("men-2022", 1000.0);
  auto shown = vault.reveal(1000.0);
  ASSERT_TRUE(shown.ok());
  const std::string code = *shown;
  vault.forget_display();
  EXPECT_EQ(code.size(), CodeVault::kDisplayChars);
  ASSERT_TRUE(normalize_vote_code(code).ok()) << code;  // a valid code, check symbol included
  EXPECT_EQ(*booth::credential("men-2022", code), credential);
  EXPECT_DOUBLE_EQ(vault.remaining(1030.0), 90.0);
  EXPECT_EQ(std::string(*vault.reveal(1119.9)), code);
  EXPECT_EQ(vault.reveal(1120.0).error().reason, "code_expired");
  EXPECT_EQ(vault.reveal(1000.0).error().reason, "code_expired");  // gone, even if asked "earlier"
  EXPECT_EQ(vault.remaining(1000.0), 0.0);
}

TEST(CodeVault, AClockGoingBackwardsWipesTheCode) {
  CodeVault vault;
  (void)vault.regenerate("men-2022", 500.0);
  EXPECT_EQ(vault.reveal(499.0).error().reason, "code_expired");
  EXPECT_EQ(vault.reveal(501.0).error().reason, "code_expired");
}

TEST(CodeVault, EachRegenerationIsANewCodeAndForgetsTheOld) {
  CodeVault vault;
  const std::string c1 = vault.regenerate("men-2022", 0);
  const std::string code1 = *vault.reveal(1);
  const std::string c2 = vault.regenerate("men-2022", 2);
  const std::string code2 = *vault.reveal(3);
  EXPECT_NE(c1, c2);
  EXPECT_NE(code1, code2);
  EXPECT_EQ(*booth::credential("men-2022", code2), c2);
  EXPECT_NE(*booth::credential("men-2022", code2), *booth::credential("other", code2));
  vault.wipe();
  EXPECT_EQ(vault.reveal(3).error().reason, "no_code");
}

}  // namespace
}  // namespace isoloir

// The portal's password rule, Argon2id hashing, and the challenge answer's
// normalisation.
#include "isoloir/portal/password.h"

#include <gtest/gtest.h>
#include <sodium.h>

#include <string>
#include <utility>

namespace isoloir::portal {
namespace {

constexpr const char* kAllMissing =
    "needs at least 12 characters; needs an upper-case letter; needs a lower-case letter; "
    "needs a digit; needs a special character";

std::string detail_of(std::string_view password) {
  const Status s = check_password(password);
  if (s.ok()) return "ok";
  EXPECT_EQ(s.error().reason, "weak_password");
  return s.error().detail;
}

bool same(const PasswordCheck& a, const PasswordCheck& b) {
  return a.length_ok == b.length_ok && a.upper == b.upper && a.lower == b.lower &&
         a.digit == b.digit && a.special == b.special;
}

// --- the rule ----------------------------------------------------------------

TEST(PasswordRule, AcceptsAPasswordWithEveryClass) {
  EXPECT_EQ(detail_of("Correct-Horse9"), "ok");
  EXPECT_TRUE(same(classify_password("Correct-Horse9"), {true, true, true, true, true}));
}

TEST(PasswordRule, NamesEachMissingRequirementAlone) {
  struct Case {
    const char* password;
    const char* detail;
    PasswordCheck classes;
  };
  const Case cases[] = {
      {"Co-9rrect", "needs at least 12 characters", {false, true, true, true, true}},
      {"correct-horse9", "needs an upper-case letter", {true, false, true, true, true}},
      {"CORRECT-HORSE9", "needs a lower-case letter", {true, true, false, true, true}},
      {"Correct-Horse!", "needs a digit", {true, true, true, false, true}},
      {"CorrectHorse9", "needs a special character", {true, true, true, true, false}},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(detail_of(c.password), c.detail) << c.password;
    EXPECT_TRUE(same(classify_password(c.password), c.classes)) << c.password;
  }
}

TEST(PasswordRule, ListsEverythingMissing) {
  EXPECT_EQ(detail_of(""), kAllMissing);
  EXPECT_TRUE(same(classify_password(""), {false, false, false, false, false}));
  EXPECT_EQ(detail_of("abc"),
            "needs at least 12 characters; needs an upper-case letter; needs a digit; "
            "needs a special character");
}

TEST(PasswordRule, CountsCodePointsNotBytes) {
  // 11 code points in 14 bytes: too short although longer than 12 bytes.
  const std::string eleven = "Éléphant-é9";
  ASSERT_EQ(eleven.size(), 14u);
  EXPECT_EQ(detail_of(eleven), "needs at least 12 characters");
  EXPECT_FALSE(classify_password(eleven).length_ok);
  EXPECT_EQ(detail_of("Éléphant-éé9"), "ok");
  EXPECT_TRUE(classify_password("Éléphant-éé9").length_ok);
  // A combining mark is a code point, but adds no class.
  const std::string decomposed = "Abcdefghij1\u0301";
  EXPECT_TRUE(same(classify_password(decomposed), {true, true, true, true, false}));
}

TEST(PasswordRule, AccentedLettersHaveACase) {
  // Each of these is the only letter of its case in the password.
  EXPECT_EQ(detail_of("ÉLÉPHANT-12!é"), "ok");
  EXPECT_EQ(detail_of("éléphant-12!É"), "ok");
  struct Case {
    const char* text;
    bool upper, lower, special;
  };
  const Case cases[] = {
      {"É", true, false, false}, {"é", false, true, false}, {"Ç", true, false, false},
      {"ß", false, true, false}, {"œ", false, true, false}, {"Œ", true, false, false},
      {"Ÿ", true, false, false}, {"ÿ", false, true, false}, {"Ł", true, false, false},
      {"ł", false, true, false}, {"ĸ", false, true, false}, {"Ĺ", true, false, false},
      {"ĺ", false, true, false}, {"Ź", true, false, false}, {"ž", false, true, false},
      {"×", false, false, true}, {"÷", false, false, true}, {"²", false, false, true},
      {"Ω", false, false, true}, {" ", false, false, true}, {"\u00a0", false, false, true},
      {"€", false, false, true}, {"'", false, false, true},
  };
  for (const Case& c : cases) {
    const PasswordCheck k = classify_password(c.text);
    EXPECT_EQ(k.upper, c.upper) << c.text;
    EXPECT_EQ(k.lower, c.lower) << c.text;
    EXPECT_EQ(k.special, c.special) << c.text;
    EXPECT_FALSE(k.digit) << c.text;
  }
}

TEST(PasswordRule, AtMost128Bytes) {
  const std::string max = "Aa1!" + std::string(124, 'x');
  EXPECT_EQ(detail_of(max), "ok");
  EXPECT_EQ(detail_of(max + "x"), "is longer than 128 bytes");
  EXPECT_FALSE(classify_password(max + "x").length_ok);
  // 65 two-byte letters: 65 code points, 130 bytes.
  std::string accented = "A1!";
  for (int i = 0; i < 65; ++i) accented += "é";
  EXPECT_EQ(detail_of(accented), "is longer than 128 bytes");
}

TEST(PasswordRule, RefusesControlCharacters) {
  const std::string strong = "Correct-Horse9";
  const std::string controls[] = {"\t",     "\n",    std::string(1, '\0'), "\x1f", "\x7f",
                                  "\u0085", "\u009f"};
  for (const std::string& c : controls) {
    EXPECT_EQ(detail_of(strong + c), "contains a control character") << int(c[0]);
    EXPECT_EQ(detail_of(c + strong), "contains a control character") << int(c[0]);
  }
}

TEST(PasswordRule, RefusesInvalidUtf8) {
  const std::string strong = "Correct-Horse9";
  const std::string invalid[] = {
      "\xc3\x28",          // lead byte without its continuation
      "\x80",              // lone continuation
      "\xc0\xaf",          // overlong '/'
      "\xe0\x80\xaf",      // overlong '/' in three bytes
      "\xed\xa0\x80",      // a surrogate
      "\xf4\x90\x80\x80",  // above U+10FFFF
      "\xe2\x82",          // truncated at the end
      "\xff",
  };
  for (const std::string& bad : invalid) {
    EXPECT_EQ(detail_of(strong + bad), "is not valid UTF-8") << bad.size();
  }
  EXPECT_EQ(detail_of("\xff"), std::string("is not valid UTF-8; ") + kAllMissing);
}

// --- Argon2id ----------------------------------------------------------------

TEST(PasswordHash, RoundTrip) {
  auto hash = hash_secret("Correct-Horse9", cost_minimum());
  ASSERT_TRUE(hash.ok()) << hash.error().message();
  EXPECT_EQ(hash->rfind("$argon2id$v=19$m=8,t=1,p=1$", 0), 0u) << *hash;
  EXPECT_TRUE(verify_secret(*hash, "Correct-Horse9"));
  EXPECT_FALSE(verify_secret(*hash, "Correct-Horse8"));
  EXPECT_FALSE(verify_secret(*hash, "correct-Horse9"));
  EXPECT_FALSE(verify_secret(*hash, ""));
  EXPECT_FALSE(verify_secret(*hash, std::string("Correct-Horse9\0", 15)));
  // A fresh salt each time.
  auto again = hash_secret("Correct-Horse9", cost_minimum());
  ASSERT_TRUE(again.ok());
  EXPECT_NE(*hash, *again);
  EXPECT_TRUE(verify_secret(*again, "Correct-Horse9"));
}

TEST(PasswordHash, SecretMayHoldAnyBytes) {
  const std::string secret("a\0b\xff", 4);
  auto hash = hash_secret(secret, cost_minimum());
  ASSERT_TRUE(hash.ok());
  EXPECT_TRUE(verify_secret(*hash, secret));
  EXPECT_FALSE(verify_secret(*hash, "a"));
}

TEST(PasswordHash, MalformedStoredStringIsFalse) {
  auto hash = hash_secret("Correct-Horse9", cost_minimum());
  ASSERT_TRUE(hash.ok());
  const std::string& h = *hash;
  std::string flipped = h;
  flipped[flipped.size() - 3] = flipped[flipped.size() - 3] == 'A' ? 'B' : 'A';
  const std::string malformed[] = {
      "",
      "garbage",
      h.substr(0, h.size() - 1),
      h.substr(0, 20),
      h + std::string(1, '\0') + "junk",  // libsodium alone would read the prefix and accept
      h + std::string(200, 'A'),
      "$argon2i$" + h.substr(10),
      flipped,
  };
  for (const std::string& stored : malformed) {
    EXPECT_FALSE(verify_secret(stored, "Correct-Horse9")) << stored;
  }
}

TEST(PasswordHash, RefusesArgon2i) {
  ASSERT_GE(sodium_init(), 0);
  char str[crypto_pwhash_argon2i_STRBYTES];
  ASSERT_EQ(crypto_pwhash_argon2i_str(str, "pw", 2, crypto_pwhash_argon2i_OPSLIMIT_MIN,
                                      crypto_pwhash_argon2i_MEMLIMIT_MIN),
            0);
  EXPECT_TRUE(crypto_pwhash_argon2i_str_verify(str, "pw", 2) == 0);  // a good argon2i string
  EXPECT_FALSE(verify_secret(str, "pw"));
  EXPECT_TRUE(needs_rehash(str, cost_minimum()));
}

TEST(PasswordHash, NeedsRehashWhenTheCostChanges) {
  auto hash = hash_secret("Correct-Horse9", cost_minimum());
  ASSERT_TRUE(hash.ok());
  EXPECT_FALSE(needs_rehash(*hash, cost_minimum()));
  EXPECT_TRUE(needs_rehash(*hash, cost_interactive()));
  EXPECT_TRUE(needs_rehash(*hash, {cost_minimum().opslimit + 1, cost_minimum().memlimit}));
  EXPECT_TRUE(needs_rehash(*hash, {cost_minimum().opslimit, cost_minimum().memlimit * 2}));
  EXPECT_TRUE(needs_rehash("garbage", cost_minimum()));
  EXPECT_TRUE(needs_rehash("", cost_minimum()));
}

TEST(PasswordHash, FailureIsAValue) {
  auto hash = hash_secret("Correct-Horse9", {0, cost_minimum().memlimit});
  ASSERT_FALSE(hash.ok());
  EXPECT_EQ(hash.error().reason, "hash_failed");
}

TEST(PasswordHash, ParsesCostNames) {
  const std::pair<const char*, HashCost> named[] = {
      {"interactive", cost_interactive()},
      {"moderate", cost_moderate()},
      {"sensitive", cost_sensitive()},
      {"minimum", cost_minimum()},
  };
  for (const auto& [name, cost] : named) {
    auto parsed = parse_cost(name);
    ASSERT_TRUE(parsed.ok()) << name;
    EXPECT_EQ(parsed->opslimit, cost.opslimit) << name;
    EXPECT_EQ(parsed->memlimit, cost.memlimit) << name;
  }
  EXPECT_EQ(cost_interactive().opslimit, crypto_pwhash_OPSLIMIT_INTERACTIVE);
  EXPECT_EQ(cost_interactive().memlimit, crypto_pwhash_MEMLIMIT_INTERACTIVE);
  EXPECT_EQ(cost_minimum().opslimit, crypto_pwhash_OPSLIMIT_MIN);
  EXPECT_EQ(cost_minimum().memlimit, crypto_pwhash_MEMLIMIT_MIN);
  EXPECT_LT(cost_interactive().memlimit, cost_moderate().memlimit);
  EXPECT_LT(cost_moderate().memlimit, cost_sensitive().memlimit);
  for (const char* bad : {"", "Interactive", "high", "interactive ", "min"}) {
    auto parsed = parse_cost(bad);
    ASSERT_FALSE(parsed.ok()) << bad;
    EXPECT_EQ(parsed.error().reason, "bad_config");
  }
}

// --- the challenge answer ----------------------------------------------------

TEST(AnswerNormalise, Table) {
  struct Case {
    std::string in, out;
  };
  const Case cases[] = {
      {"Étoile  du BERGER ", "etoile du berger"},
      {"etoile du berger", "etoile du berger"},
      {"E\u0301toile", "etoile"},    // combining acute
      {"e\u0301\u0300\u0327", "e"},  // several combining marks
      {"\u0301Abc", "abc"},          // a mark with no letter before it
      {"Œuvre", "oeuvre"},
      {"cœur", "coeur"},
      {"Straße", "strasse"},
      {"Ægir", "aegir"},
      {"Þór", "thor"},
      {"Ĳssel", "ijssel"},
      {"Łódź", "lodz"},
      {"ÇA ÑÅÏ", "ca nai"},
      {"Ÿves ÿ", "yves y"},
      {"l’école", "l'ecole"},
      {"l‘ecole", "l'ecole"},
      {"lʼecole", "l'ecole"},
      {"Jean–Pierre", "jean-pierre"},
      {"Jean—Pierre", "jean-pierre"},
      {"Jean\u2011Pierre", "jean-pierre"},
      {"a\u00a0b", "a b"},
      {"a\u202fb", "a b"},
      {"\t a \r\n\u2003 b  ", "a b"},
      {"\u00a0x\u00a0", "x"},
      {"123 Rue de l'Église", "123 rue de l'eglise"},
      {"Ωmega ×2", "Ωmega ×2"},  // other scripts and symbols as typed
      {"ſ", "s"},
  };
  for (const Case& c : cases) {
    auto got = normalize_answer(c.in);
    ASSERT_TRUE(got.ok()) << c.in << ": " << got.error().message();
    EXPECT_EQ(*got, c.out) << c.in;
    EXPECT_LE(got->size(), c.in.size()) << c.in;
  }
}

TEST(AnswerNormalise, SpellingsOfOneAnswerAgree) {
  const std::string spellings[] = {"Étoile  du BERGER ", "etoile du berger",
                                   "E\u0301TOILE\u00a0DU BERGER", "étoile\tdu\u202fbergér"};
  for (const std::string& s : spellings) {
    auto got = normalize_answer(s);
    ASSERT_TRUE(got.ok()) << s;
    EXPECT_EQ(*got, "etoile du berger") << s;
  }
}

TEST(AnswerNormalise, Refusals) {
  const std::string refused[] = {
      "",         "   ",     "\u00a0\u202f",        "\u0301",
      "\xc3\x28", "caf\xc3", "\xed\xa0\x80",        std::string("a\0b", 3),
      "a\001b",   "a\x7f",   std::string(201, 'a'),
  };
  for (const std::string& s : refused) {
    auto got = normalize_answer(s);
    ASSERT_FALSE(got.ok()) << s;
    EXPECT_EQ(got.error().reason, "bad_answer") << s;
  }
  EXPECT_TRUE(normalize_answer(std::string(200, 'a')).ok());
}

TEST(AnswerHash, DifferentlyTypedAnswersVerify) {
  auto hash = hash_answer("Étoile du Berger", cost_minimum());
  ASSERT_TRUE(hash.ok()) << hash.error().message();
  // What is hashed is the normalised form.
  EXPECT_TRUE(verify_secret(*hash, "etoile du berger"));
  EXPECT_FALSE(verify_secret(*hash, "Étoile du Berger"));
  for (const char* typed : {"etoile  du berger", "ÉTOILE DU BERGER", "E\u0301toile du\u00a0berger ",
                            " étoile du bergèr"}) {
    EXPECT_TRUE(verify_answer(*hash, typed)) << typed;
  }
  for (const char* wrong : {"etoile du bergere", "etoile", "", "  ", "\xff", "etoile-du-berger"}) {
    EXPECT_FALSE(verify_answer(*hash, wrong)) << wrong;
  }
  EXPECT_FALSE(verify_answer("garbage", "etoile du berger"));
}

TEST(AnswerHash, RefusesWhatNormalisationRefuses) {
  for (const char* bad : {"", " \t ", "\xc3\x28"}) {
    auto hash = hash_answer(bad, cost_minimum());
    ASSERT_FALSE(hash.ok());
    EXPECT_EQ(hash.error().reason, "bad_answer");
  }
}

}  // namespace
}  // namespace isoloir::portal

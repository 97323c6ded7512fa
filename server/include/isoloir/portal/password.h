// The voter portal's secrets: the password rule, Argon2id hashing of
// passwords and challenge answers (libsodium), and the normalisation that
// lets "Étoile  du BERGER" match "etoile du berger". Pure functions, no
// state; safe from any thread.
//
// Letters, for both the rule and the normalisation, are the Latin ones a
// French keyboard types: ASCII, Latin-1 Supplement (U+00C0–U+00FF except
// × and ÷) and Latin Extended-A (U+0100–U+017F). Other scripts' letters
// (Greek, Cyrillic, ...) count as special characters and keep their case:
// the rule is the ministry's, stated for Latin letters.
#ifndef ISOLOIR_PORTAL_PASSWORD_H_
#define ISOLOIR_PORTAL_PASSWORD_H_

#include <cstddef>
#include <string>
#include <string_view>

#include "isoloir/result.h"

namespace isoloir::portal {

// --- the password rule (2022 ministry election) ------------------------------

inline constexpr size_t kPasswordMinCodePoints = 12;
inline constexpr size_t kPasswordMaxBytes = 128;

// Which requirements `password` meets, for live feedback as the voter types.
//  - length_ok: at least 12 code points (not bytes: "é" is one) and at most
//    128 bytes.
//  - upper / lower: a Latin letter of that case, accented or not ('É' is
//    upper, 'é', 'ß', 'œ' are lower).
//  - digit: ASCII 0–9 ('²' and other digits are special characters).
//  - special: anything else that is not a control character, spaces (also
//    U+00A0) included.
// A combining mark (U+0300–U+036F) adds to the length but to no class: it
// belongs to the letter before it. Control characters (U+0000–U+001F,
// U+007F–U+009F) and bytes that are not UTF-8 belong to no class and, for
// the length, are not counted; check_password refuses them.
struct PasswordCheck {
  bool length_ok, upper, lower, digit, special;
};
PasswordCheck classify_password(std::string_view password);

// Ok, or "weak_password" whose detail lists everything wrong, "; "-separated,
// in this order: "is not valid UTF-8", "contains a control character",
// "is longer than 128 bytes", "needs at least 12 characters",
// "needs an upper-case letter", "needs a lower-case letter", "needs a digit",
// "needs a special character". The detail never quotes the password.
Status check_password(std::string_view password);

// --- Argon2id ---------------------------------------------------------------

// Argon2id cost: libsodium's named levels (crypto_pwhash_argon2id_*).
struct HashCost {
  unsigned long long opslimit;
  size_t memlimit;
};
HashCost cost_interactive();  // OPSLIMIT/MEMLIMIT_INTERACTIVE: 2 passes, 64 MiB
HashCost cost_moderate();     // 3 passes, 256 MiB
HashCost cost_sensitive();    // 4 passes, 1 GiB
HashCost cost_minimum();      // OPSLIMIT/MEMLIMIT_MIN: 1 pass, 8 KiB; tests only
// "interactive" | "moderate" | "sensitive" | "minimum" (exactly, lower case);
// "bad_config" otherwise.
Result<HashCost> parse_cost(std::string_view name);

// crypto_pwhash_argon2id_str: a "$argon2id$v=19$m=...,t=...,p=1$salt$hash"
// string with a fresh random salt. libsodium reads the secret where it is and
// wipes its own working memory, so no copy of the secret is made here.
// "hash_failed" if libsodium fails (out of memory, or a cost out of its range).
Result<std::string> hash_secret(std::string_view secret, const HashCost& cost);

// crypto_pwhash_argon2id_str_verify, in constant time for a given stored
// string. False on mismatch, and on a stored string that is not an Argon2id
// string (argon2i, truncated, garbage). `stored` comes from our own database:
// its cost parameters are trusted, an absurd one would make the call slow.
bool verify_secret(std::string_view stored, std::string_view secret);

// True when `stored` was not made with `cost` (or is not an Argon2id
// string): the caller, holding the password that just verified, hashes it
// again so a cost raised in the configuration applies from the next login.
bool needs_rehash(std::string_view stored, const HashCost& cost);

// --- the challenge answer ----------------------------------------------------

inline constexpr size_t kAnswerMaxBytes = 200;

// The answer as compared, so that a voter need not remember how they typed
// it:
//  - Latin letters (see above) are folded to lower-case ASCII without
//    accents: é É è ê ë → e, ç Ç → c, ÿ Ÿ → y, ø → o, đ ð → d, ł → l,
//    ı İ → i, ſ → s; ligatures and the like are spelled out: œ Œ → oe,
//    æ Æ → ae, ß → ss, ĳ Ĳ → ij, þ Þ → th, ŉ → 'n. The same letter typed as
//    a base letter and combining marks (U+0300–U+036F, all dropped) folds
//    the same. Letters of other scripts are kept as typed.
//  - apostrophes ’ ‘ ʼ → ' ; dashes and hyphens ‐ ‑ ‒ – — and − → - .
//  - every run of white space (ASCII space, tab, line breaks, U+0085,
//    U+00A0, U+1680, U+2000–U+200A, U+2028, U+2029, U+202F, U+205F, U+3000)
//    becomes one space; leading and trailing space is trimmed.
// Refused with "bad_answer": more than 200 bytes in, not valid UTF-8, a
// control character other than white space, nothing left once normalised.
// The output is never longer than the input.
//
// The result is a secret: the caller wipes it with
// sodium_memzero(s.data(), s.size()) once done. Its buffer is always on the
// heap, so moving the string (as returning it does) leaves no copy behind.
// hash_answer and verify_answer below do all of this themselves.
Result<std::string> normalize_answer(std::string_view answer);

// Zeroes a string that held a secret (a password, an answer, a link's
// token, a text carrying one) and empties it: the one wipe of the portal and
// its HTTP routes.
void wipe_secret(std::string& s);

// hash_secret of the normalised answer, which is wiped before returning.
// "bad_answer" (normalize_answer's refusals) or "hash_failed".
Result<std::string> hash_answer(std::string_view answer, const HashCost& cost);

// verify_secret of the normalised answer, wiped before returning; false for
// an answer normalize_answer refuses.
bool verify_answer(std::string_view stored, std::string_view answer);

}  // namespace isoloir::portal

#endif  // ISOLOIR_PORTAL_PASSWORD_H_

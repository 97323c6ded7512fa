// Vote codes (PROTOCOL.md section 3): 19 random Crockford base32 symbols and
// a check symbol, shown as four groups of five. Normalisation forgives what
// people mistype on a postal notice (case, O for 0, I and L for 1, spaces and
// dashes); the check symbol catches the rest before anything leaves the browser.
#ifndef ISOLOIR_VOTE_CODE_H_
#define ISOLOIR_VOTE_CODE_H_

#include <string>
#include <string_view>

#include "isoloir/result.h"

namespace isoloir {

inline constexpr std::string_view kCodeAlphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
inline constexpr size_t kCodeSymbols = 20;

// A fresh normalised code (20 symbols) from the CSPRNG.
std::string generate_vote_code();
// The check symbol of 19 normalised symbols.
char vote_code_check_symbol(std::string_view first19);
// The normalised 20-symbol code, or "bad_vote_code" with a detail a voter can
// act on (wrong length, a character that is not in the code, a typo).
Result<std::string> normalize_vote_code(std::string_view input);
// "ABCDE-FGHJK-MNPQR-STVWX" from a normalised code.
std::string display_vote_code(std::string_view normalised);

}  // namespace isoloir

#endif  // ISOLOIR_VOTE_CODE_H_

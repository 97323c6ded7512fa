// Small text checks the server's files share (private to server/src):
// identifiers compared without case, strict UTF-8.
#ifndef ISOLOIR_SERVER_TEXT_H_
#define ISOLOIR_SERVER_TEXT_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "isoloir/result.h"

namespace isoloir::text {

// --- code points (text_fold.cpp) -------------------------------------------

// Decodes the code point at s[i] and moves i past it. On a byte that does not
// start a valid sequence (overlong, surrogate, above U+10FFFF, truncated),
// returns false and moves i past that one byte, so a lenient caller can go on.
bool next_code_point(std::string_view s, size_t& i, uint32_t& cp);
// Appends the UTF-8 encoding of a code point the decoder accepted.
void append_utf8(std::string& out, uint32_t cp);
// Character classes of the code points a person types (Latin script).
bool is_control(uint32_t cp);
bool is_combining_mark(uint32_t cp);
bool is_space(uint32_t cp);
bool is_latin_letter(uint32_t cp);
bool is_upper(uint32_t cp);
bool is_lower(uint32_t cp);
bool is_digit(uint32_t cp);

// The longest text fold accepts.
inline constexpr size_t kFoldMaxBytes = 200;

// The comparison form of a short text a person typed: a challenge answer
// (portal/password.h's normalize_answer, which says the rules in full) or a
// name in the electoral lists. Letters lower-cased and stripped of accents
// (Latin-1 and Latin Extended-A), combining marks dropped, apostrophes and
// dashes to ASCII, runs of white space to one space, trimmed. "bad_answer"
// for more than kFoldMaxBytes, invalid UTF-8, a control character, or
// nothing left. The result may be a secret: the caller wipes it.
Result<std::string> fold(std::string_view text);

// ASCII letters lower-cased, every other byte kept: identifiers are e-mail
// addresses, compared without case.
std::string lower_ascii(std::string_view s);

// Strict UTF-8: no overlong forms, no surrogates, nothing above U+10FFFF,
// no truncated sequence.
bool valid_utf8(std::string_view s);

// A NUMEN's form: 13 digits or upper-case letters.
bool valid_numen(std::string_view s);

// The first 10 characters of a French social-security number (NIR): digits,
// except the department (characters 6 and 7) which is "2A" or "2B" for
// Corsica.
bool valid_nir10(std::string_view s);

// What is wrong with an e-mail address the server would send to, or an empty
// string when nothing is: at most 254 bytes, one '@'; a local part of 1 to 64
// characters of RFC 5322's dot-atom (letters, digits and !#$%&'*+-/=?^_`{|}~,
// dots between them), so no quoted or commented form, no space, no control
// and nothing outside ASCII; a domain of at least two labels of letters,
// digits and inner hyphens. Stricter than the mailer's own check
// (mail_message.cpp's valid_address), so an address it accepts is never one
// the mailer then refuses.
std::string_view email_problem(std::string_view address);

// Code points with no place in text that a person types and another reads
// on a screen or a terminal: C0 controls (but tab and line feed when
// `breaks` is true), DEL, C1 controls (U+0080 to U+009F: U+009B is a
// terminal's CSI), and the format characters that change how the text
// around them shows or hide text: bidirectional marks, embeddings,
// overrides and isolates (U+061C, U+200E, U+200F, U+202A to U+202E, U+2066
// to U+2069), zero-width space and invisible operators (U+200B, U+2060 to
// U+2064), deprecated format controls (U+206A to U+206F), line and
// paragraph separators (U+2028, U+2029), the byte-order mark (U+FEFF),
// interlinear annotations (U+FFF9 to U+FFFB), Mongolian vowel separator
// (U+180E) and the language tag (U+E0001). Joiners (U+200C, U+200D: emoji
// and some scripts) and the soft hyphen are kept.
bool unprintable(uint32_t code_point, bool breaks);

// Where the first unprintable code point of `s` starts (bytes), or npos; a
// byte that starts no valid UTF-8 sequence counts as unprintable.
size_t first_unprintable(std::string_view s, bool breaks);

// `s` with every unprintable code point (breaks included) written as a
// JSON escape \uXXXX (a surrogate pair above U+FFFF), and any byte that is
// not valid UTF-8 as \ufffd: for JSON text a terminal prints, whose string
// values then read the same to a JSON parser, and show as escapes.
std::string escape_unprintable(std::string_view s);
inline bool plain_email(std::string_view address) {
  return email_problem(address).empty();
}

// The number in the form gateways take: "+" and 8 to 15 digits; a French
// national number (10 digits starting with 0) becomes +33...; spaces, dots
// and dashes are dropped. "bad_sms" otherwise.
Result<std::string> normalize_phone(std::string_view phone);

}  // namespace isoloir::text

#endif  // ISOLOIR_SERVER_TEXT_H_

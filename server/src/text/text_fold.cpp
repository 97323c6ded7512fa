// Text as a person types it, read code point by code point, and folded for
// comparison (challenge answers, names in the electoral lists): text.h.
#include <sodium.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <string>
#include <utility>

#include "text/text.h"

namespace isoloir::text {

// --- UTF-8 -------------------------------------------------------------------

// Decodes the code point at s[i] and moves i past it. On a byte that does not
// start a valid sequence (overlong, surrogate, above U+10FFFF, truncated),
// returns false and moves i past that one byte, so a lenient caller can go on.
bool next_code_point(std::string_view s, size_t& i, uint32_t& cp) {
  const auto lead = static_cast<unsigned char>(s[i]);
  size_t n = 0;
  uint32_t min = 0;
  if (lead < 0x80) {
    cp = lead;
    ++i;
    return true;
  }
  if ((lead & 0xe0) == 0xc0) {
    n = 1, min = 0x80, cp = lead & 0x1fu;
  } else if ((lead & 0xf0) == 0xe0) {
    n = 2, min = 0x800, cp = lead & 0x0fu;
  } else if ((lead & 0xf8) == 0xf0) {
    n = 3, min = 0x10000, cp = lead & 0x07u;
  } else {
    ++i;
    return false;
  }
  if (s.size() - i <= n) {
    ++i;
    return false;
  }
  for (size_t k = 1; k <= n; ++k) {
    const auto next = static_cast<unsigned char>(s[i + k]);
    if ((next & 0xc0) != 0x80) {
      ++i;
      return false;
    }
    cp = (cp << 6) | (next & 0x3fu);
  }
  if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) {
    ++i;
    return false;
  }
  i += n + 1;
  return true;
}

// Appends the UTF-8 encoding of a code point the decoder accepted.
void append_utf8(std::string& out, uint32_t cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xc0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3f));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xe0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3f));
    out += static_cast<char>(0x80 | (cp & 0x3f));
  } else {
    out += static_cast<char>(0xf0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3f));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3f));
    out += static_cast<char>(0x80 | (cp & 0x3f));
  }
}

// --- character classes -------------------------------------------------------

bool is_control(uint32_t cp) {
  return cp < 0x20 || (cp >= 0x7f && cp <= 0x9f);
}

bool is_combining_mark(uint32_t cp) {
  return cp >= 0x300 && cp <= 0x36f;
}

bool is_space(uint32_t cp) {
  switch (cp) {
    case ' ':
    case '\t':
    case '\n':
    case '\v':
    case '\f':
    case '\r':
    case 0x85:
    case 0xa0:
    case 0x1680:
    case 0x2028:
    case 0x2029:
    case 0x202f:
    case 0x205f:
    case 0x3000:
      return true;
    default:
      return cp >= 0x2000 && cp <= 0x200a;
  }
}

// Latin Extended-A alternates upper/lower in pairs, but the pairs change
// parity twice (after ĸ U+0138 and after ŉ U+0149), and ĸ, ŉ, Ÿ, ſ are loners.
bool is_upper_extended_a(uint32_t cp) {
  if (cp <= 0x137) return cp % 2 == 0;
  if (cp >= 0x139 && cp <= 0x148) return cp % 2 == 1;
  if (cp >= 0x14a && cp <= 0x177) return cp % 2 == 0;
  if (cp == 0x178) return true;
  if (cp >= 0x179 && cp <= 0x17e) return cp % 2 == 1;
  return false;  // ĸ, ŉ, ſ
}

bool is_latin_letter(uint32_t cp) {
  return (cp >= 'A' && cp <= 'Z') || (cp >= 'a' && cp <= 'z') ||
         (cp >= 0xc0 && cp <= 0x17f && cp != 0xd7 && cp != 0xf7);
}

bool is_upper(uint32_t cp) {
  if (!is_latin_letter(cp)) return false;
  if (cp < 0x80) return cp <= 'Z';
  if (cp < 0x100) return cp <= 0xde;  // À–Þ; ß starts the lower half
  return is_upper_extended_a(cp);
}

bool is_lower(uint32_t cp) {
  return is_latin_letter(cp) && !is_upper(cp);
}

bool is_digit(uint32_t cp) {
  return cp >= '0' && cp <= '9';
}

namespace {

// --- folding ----------------------------------------------------

// How the Latin-1 Supplement letters U+00C0–U+00FF fold; null for × and ÷.
constexpr std::array<const char*, 64> kLatin1Fold = {
    "a", "a", "a", "a", "a", "a", "ae", "c",     "e", "e", "e", "e", "i", "i", "i",  "i",   // C0
    "d", "n", "o", "o", "o", "o", "o",  nullptr, "o", "u", "u", "u", "u", "y", "th", "ss",  // D0
    "a", "a", "a", "a", "a", "a", "ae", "c",     "e", "e", "e", "e", "i", "i", "i",  "i",   // E0
    "d", "n", "o", "o", "o", "o", "o",  nullptr, "o", "u", "u", "u", "u", "y", "th", "y",   // F0
};

// How Latin Extended-A U+0100–U+017F folds: every letter to its base letter
// ("ĳ" and "œ" spelled out, "ŉ" to the apostrophe and n it stands for).
constexpr std::array<const char*, 128> kExtendedAFold = {
    "a", "a", "a",  "a",  "a", "a", "c", "c", "c", "c",  "c", "c", "c", "c", "d", "d",  // 100
    "d", "d", "e",  "e",  "e", "e", "e", "e", "e", "e",  "e", "e", "g", "g", "g", "g",  // 110
    "g", "g", "g",  "g",  "h", "h", "h", "h", "i", "i",  "i", "i", "i", "i", "i", "i",  // 120
    "i", "i", "ij", "ij", "j", "j", "k", "k", "k", "l",  "l", "l", "l", "l", "l", "l",  // 130
    "l", "l", "l",  "n",  "n", "n", "n", "n", "n", "'n", "n", "n", "o", "o", "o", "o",  // 140
    "o", "o", "oe", "oe", "r", "r", "r", "r", "r", "r",  "s", "s", "s", "s", "s", "s",  // 150
    "s", "s", "t",  "t",  "t", "t", "t", "t", "u", "u",  "u", "u", "u", "u", "u", "u",  // 160
    "u", "u", "u",  "u",  "w", "w", "y", "y", "y", "z",  "z", "z", "z", "z", "z", "s",  // 170
};

// The folded spelling of a Latin letter, or null when `cp` is not one.
const char* fold_letter(uint32_t cp) {
  if (cp >= 0xc0 && cp < 0x100) return kLatin1Fold[cp - 0xc0];
  if (cp >= 0x100 && cp < 0x180) return kExtendedAFold[cp - 0x100];
  return nullptr;
}

// Apostrophes and dashes to their ASCII form; other code points unchanged.
uint32_t fold_punctuation(uint32_t cp) {
  switch (cp) {
    case 0x2018:  // ‘
    case 0x2019:  // ’
    case 0x02bc:  // ʼ
      return '\'';
    case 0x2010:  // hyphen
    case 0x2011:  // non-breaking hyphen
    case 0x2012:  // figure dash
    case 0x2013:  // –
    case 0x2014:  // —
    case 0x2212:  // minus sign
      return '-';
    default:
      return cp;
  }
}

// Appends the folded form of one non-space code point.
void append_folded(std::string& out, uint32_t cp) {
  if (cp >= 'A' && cp <= 'Z') {
    out += static_cast<char>(cp - 'A' + 'a');
  } else if (const char* folded = fold_letter(cp)) {
    out += folded;
  } else {
    append_utf8(out, fold_punctuation(cp));
  }
}

Error bad_answer(const char* why) {
  return fail("bad_answer", why);
}

// Normalises into `out`, which the caller has reserved on the heap with room
// for the whole input: the output never outgrows the input (every folding
// is at most as long as what it replaces), so `out` never reallocates and no
// stale copy of the answer is left in freed memory. On failure `out` may hold
// a partial answer: the caller wipes it either way.
// Folds into `out`, reserved on the heap with room for the whole input (the
// folded form never outgrows it, so `out` never reallocates and leaves no
// stale copy of a secret behind); on failure `out` may hold a partial
// result, which fold wipes.
Status fold_into(std::string_view answer, std::string& out) {
  if (answer.size() > kFoldMaxBytes) return bad_answer("is longer than 200 bytes");
  bool pending_space = false;
  for (size_t i = 0; i < answer.size();) {
    uint32_t cp = 0;
    if (!next_code_point(answer, i, cp)) return bad_answer("is not valid UTF-8");
    if (is_space(cp)) {
      pending_space = true;
      continue;
    }
    if (is_control(cp)) return bad_answer("contains a control character");
    if (is_combining_mark(cp)) continue;
    if (pending_space && !out.empty()) out += ' ';
    pending_space = false;
    append_folded(out, cp);
  }
  if (out.empty()) return bad_answer("is empty");
  return Status::Ok();
}

}  // namespace

Result<std::string> fold(std::string_view text) {
  // On the heap and large enough: the folded form never outgrows the input,
  // so no reallocation leaves a stale copy of a secret answer behind.
  std::string out;
  out.reserve(std::max<size_t>(text.size(), 2 * sizeof(std::string)));
  const Status status = fold_into(text, out);
  if (!status) {
    sodium_memzero(out.data(), out.size());
    return status.error();
  }
  Result<std::string> result(std::move(out));
  return result;
}

}  // namespace isoloir::text

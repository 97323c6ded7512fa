#include "text/text.h"

#include <algorithm>
#include <array>
#include <cstdint>
#include <utility>

namespace isoloir::text {

std::string lower_ascii(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

bool valid_utf8(std::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    const auto c = static_cast<unsigned char>(s[i]);
    size_t n = 0;
    uint32_t cp = 0;
    if (c < 0x80) {
      ++i;
      continue;
    }
    if ((c & 0xe0) == 0xc0) {
      n = 1;
      cp = c & 0x1f;
    } else if ((c & 0xf0) == 0xe0) {
      n = 2;
      cp = c & 0x0f;
    } else if ((c & 0xf8) == 0xf0) {
      n = 3;
      cp = c & 0x07;
    } else {
      return false;
    }
    if (i + n >= s.size()) return false;  // truncated sequence
    for (size_t k = 1; k <= n; ++k) {
      const auto d = static_cast<unsigned char>(s[i + k]);
      if ((d & 0xc0) != 0x80) return false;
      cp = (cp << 6) | (d & 0x3f);
    }
    static constexpr std::array<uint32_t, 4> kMin = {0, 0x80, 0x800, 0x10000};
    if (cp < kMin[n] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return false;
    i += n + 1;
  }
  return true;
}

bool valid_numen(std::string_view s) {
  if (s.size() != 13) return false;
  for (char c : s) {
    if (!((c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z'))) return false;
  }
  return true;
}

bool valid_nir10(std::string_view s) {
  if (s.size() != 10) return false;
  const bool corsica = s.substr(5, 2) == "2A" || s.substr(5, 2) == "2B";
  for (size_t i = 0; i < s.size(); ++i) {
    if (corsica && (i == 5 || i == 6)) continue;
    if (s[i] < '0' || s[i] > '9') return false;
  }
  return true;
}

namespace {

constexpr size_t kMaxEmailBytes = 254;  // RFC 5321 section 4.5.3.1.3, via its errata
constexpr size_t kMaxLocalBytes = 64;   // RFC 5321 section 4.5.3.1.1
constexpr size_t kMaxLabelBytes = 63;   // RFC 1035 section 2.3.4

bool alnum_ascii(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

// RFC 5322 section 3.2.3's atext.
bool atext(char c) {
  static constexpr std::string_view kSymbols = "!#$%&'*+-/=?^_`{|}~";
  return alnum_ascii(c) || kSymbols.find(c) != std::string_view::npos;
}

std::string_view local_problem(std::string_view local) {
  if (local.empty()) return "nothing before the @";
  if (local.size() > kMaxLocalBytes) return "more than 64 characters before the @";
  if (local.front() == '.' || local.back() == '.' || local.find("..") != std::string_view::npos) {
    return "a dot at the start or end of the name, or two in a row";
  }
  for (const char c : local) {
    if (c != '.' && !atext(c)) {
      return "a character other than letters, digits, dots and !#$%&'*+-/=?^_`{|}~ before the @";
    }
  }
  return {};
}

std::string_view domain_problem(std::string_view domain) {
  if (domain.find('.') == std::string_view::npos) return "the domain has no dot";
  size_t start = 0;
  while (start <= domain.size()) {
    const size_t end = std::min(domain.find('.', start), domain.size());
    const std::string_view label = domain.substr(start, end - start);
    if (label.empty() || label.size() > kMaxLabelBytes) return "an empty or too long domain part";
    if (label.front() == '-' || label.back() == '-') return "a domain part starts or ends with -";
    for (const char c : label) {
      if (c != '-' && !alnum_ascii(c)) return "the domain has a character other than a-z, 0-9, -";
    }
    start = end + 1;
  }
  return {};
}

// The code point at s[i] and its length in bytes; {U+FFFD, 1} for a byte
// that starts no valid sequence (valid_utf8's rule, one sequence).
std::pair<uint32_t, size_t> decode_at(std::string_view s, size_t i) {
  const auto c = static_cast<unsigned char>(s[i]);
  if (c < 0x80) return {c, 1};
  size_t n = 0;
  if ((c & 0xe0) == 0xc0) {
    n = 2;
  } else if ((c & 0xf0) == 0xe0) {
    n = 3;
  } else if ((c & 0xf8) == 0xf0) {
    n = 4;
  } else {
    return {0xfffd, 0};
  }
  if (i + n > s.size() || !valid_utf8(s.substr(i, n))) return {0xfffd, 0};
  uint32_t cp = c & (0x7f >> n);
  for (size_t k = 1; k < n; ++k) cp = (cp << 6) | (static_cast<unsigned char>(s[i + k]) & 0x3f);
  return {cp, n};
}

void append_escape(std::string& out, uint32_t unit) {
  static constexpr std::string_view kHex = "0123456789abcdef";
  out += "\\u";
  for (int shift = 12; shift >= 0; shift -= 4) out += kHex[(unit >> shift) & 0xf];
}

}  // namespace

bool unprintable(uint32_t cp, bool breaks) {
  if (cp < 0x20) return !(breaks && (cp == '\n' || cp == '\t'));
  if (cp >= 0x7f && cp <= 0x9f) return true;
  if (cp == 0x061c || cp == 0x180e || cp == 0x200b || cp == 0x200e || cp == 0x200f) return true;
  if (cp >= 0x2028 && cp <= 0x202e) return true;
  if (cp >= 0x2060 && cp <= 0x2064) return true;
  if (cp >= 0x2066 && cp <= 0x206f) return true;
  if (cp == 0xfeff || (cp >= 0xfff9 && cp <= 0xfffb)) return true;
  return cp == 0xe0001;
}

size_t first_unprintable(std::string_view s, bool breaks) {
  for (size_t i = 0; i < s.size();) {
    const auto [cp, n] = decode_at(s, i);
    if (n == 0 || unprintable(cp, breaks)) return i;
    i += n;
  }
  return std::string_view::npos;
}

std::string escape_unprintable(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size();) {
    const auto [cp, n] = decode_at(s, i);
    if (n == 0) {
      append_escape(out, 0xfffd);
      ++i;
      continue;
    }
    if (!unprintable(cp, false)) {
      out.append(s.substr(i, n));
    } else if (cp > 0xffff) {
      append_escape(out, 0xd800 + ((cp - 0x10000) >> 10));
      append_escape(out, 0xdc00 + ((cp - 0x10000) & 0x3ff));
    } else {
      append_escape(out, cp);
    }
    i += n;
  }
  return out;
}

std::string_view email_problem(std::string_view address) {
  if (address.size() > kMaxEmailBytes) return "longer than 254 bytes";
  const size_t at = address.find('@');
  if (at == std::string_view::npos) return "no @";
  if (address.find('@', at + 1) != std::string_view::npos) return "more than one @";
  if (std::string_view p = local_problem(address.substr(0, at)); !p.empty()) return p;
  return domain_problem(address.substr(at + 1));
}

Result<std::string> normalize_phone(std::string_view phone) {
  std::string digits;
  bool plus = false;
  for (size_t i = 0; i < phone.size(); ++i) {
    const char c = phone[i];
    if (c == '+' && digits.empty() && !plus) {
      plus = true;
    } else if (c >= '0' && c <= '9') {
      digits.push_back(c);
    } else if (c != ' ' && c != '.' && c != '-') {
      return fail("bad_sms", "not a phone number");
    }
  }
  if (!plus && digits.size() == 10 && digits[0] == '0') {
    digits = "33" + digits.substr(1);  // a French national number
    plus = true;
  }
  if (!plus || digits.size() < 8 || digits.size() > 15) {
    return fail("bad_sms", "not a phone number in international form");
  }
  return "+" + digits;
}

}  // namespace isoloir::text

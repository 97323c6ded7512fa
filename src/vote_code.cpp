#include "isoloir/vote_code.h"

#include <sodium.h>

#include <array>

#include "isoloir/hash.h"
#include "isoloir/random.h"

namespace isoloir {

char vote_code_check_symbol(std::string_view first19) {
  const Digest32 d = sha256(as_bytes(first19));
  return kCodeAlphabet[d[0] & 31];
}

std::string generate_vote_code() {
  // 19 symbols of 5 bits each: 95 uniform bits from 12 random bytes.
  std::array<uint8_t, 12> raw{};
  random_bytes(raw);
  std::string code;
  code.reserve(kCodeSymbols);
  for (size_t i = 0; i < kCodeSymbols - 1; ++i) {
    const size_t bit = i * 5;
    const unsigned two = static_cast<unsigned>(raw[bit / 8]) << 8 |
                         (bit / 8 + 1 < raw.size() ? raw[bit / 8 + 1] : 0u);
    code.push_back(kCodeAlphabet[(two >> (11 - bit % 8)) & 31]);
  }
  sodium_memzero(raw.data(), raw.size());
  code.push_back(vote_code_check_symbol(code));
  return code;
}

Result<std::string> normalize_vote_code(std::string_view input) {
  std::string code;
  code.reserve(kCodeSymbols);
  for (char raw : input) {
    const auto c = static_cast<unsigned char>(raw);
    if (c >= 0x80) return fail("bad_vote_code", "only the characters printed on the notice");
    if (c == ' ' || c == '-') continue;
    char u = static_cast<char>(c >= 'a' && c <= 'z' ? c - 'a' + 'A' : c);
    if (u == 'O') u = '0';
    if (u == 'I' || u == 'L') u = '1';
    if (kCodeAlphabet.find(u) == std::string_view::npos) {
      return fail("bad_vote_code",
                  std::string("the character '") + static_cast<char>(c) + "' is not in vote codes");
    }
    code.push_back(u);
  }
  if (code.size() != kCodeSymbols) {
    return fail("bad_vote_code",
                "a vote code has 20 characters, this one has " + std::to_string(code.size()));
  }
  if (vote_code_check_symbol(std::string_view(code).substr(0, kCodeSymbols - 1)) != code.back()) {
    return fail("bad_vote_code", "a character is mistyped: check the code on your notice");
  }
  return code;
}

std::string display_vote_code(std::string_view normalised) {
  std::string out;
  for (size_t i = 0; i < normalised.size(); ++i) {
    if (i > 0 && i % 5 == 0) out.push_back('-');
    out.push_back(normalised[i]);
  }
  return out;
}

}  // namespace isoloir

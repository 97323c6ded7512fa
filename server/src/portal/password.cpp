#include "isoloir/portal/password.h"

#include <sodium.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <utility>

#include "isoloir/random.h"
#include "text/text.h"

namespace isoloir::portal {
namespace {

using text::is_combining_mark;
using text::is_control;
using text::is_digit;
using text::is_latin_letter;
using text::is_lower;
using text::is_upper;
using text::next_code_point;

// --- the password rule -------------------------------------------------------

struct PasswordScan {
  PasswordCheck classes{};
  size_t code_points = 0;
  bool valid_utf8 = true;
  bool has_control = false;
};

PasswordScan scan_password(std::string_view password) {
  PasswordScan scan;
  PasswordCheck& c = scan.classes;
  for (size_t i = 0; i < password.size();) {
    uint32_t cp = 0;
    if (!next_code_point(password, i, cp)) {
      scan.valid_utf8 = false;
      continue;
    }
    if (is_control(cp)) {
      scan.has_control = true;
      continue;
    }
    ++scan.code_points;
    if (is_combining_mark(cp)) continue;
    c.upper |= is_upper(cp);
    c.lower |= is_lower(cp);
    c.digit |= is_digit(cp);
    c.special |= !is_latin_letter(cp) && !is_digit(cp);
  }
  c.length_ok = scan.code_points >= kPasswordMinCodePoints && password.size() <= kPasswordMaxBytes;
  return scan;
}

void add_problem(std::string& detail, bool wrong, const char* problem) {
  if (!wrong) return;
  if (!detail.empty()) detail += "; ";
  detail += problem;
}

// A stored hash string as libsodium reads it: NUL-terminated, at most
// STRBYTES - 1 characters. False when `stored` cannot be one (too long, or a
// NUL inside that would make libsodium read a prefix of it).
using HashString = std::array<char, crypto_pwhash_argon2id_STRBYTES>;
bool as_hash_string(std::string_view stored, HashString& out) {
  if (stored.size() >= out.size() || stored.find('\0') != std::string_view::npos) return false;
  std::copy(stored.begin(), stored.end(), out.begin());
  out[stored.size()] = '\0';
  return true;
}

}  // namespace

PasswordCheck classify_password(std::string_view password) {
  return scan_password(password).classes;
}

Status check_password(std::string_view password) {
  const PasswordScan scan = scan_password(password);
  const PasswordCheck& c = scan.classes;
  std::string detail;
  add_problem(detail, !scan.valid_utf8, "is not valid UTF-8");
  add_problem(detail, scan.has_control, "contains a control character");
  add_problem(detail, password.size() > kPasswordMaxBytes, "is longer than 128 bytes");
  add_problem(detail, scan.code_points < kPasswordMinCodePoints, "needs at least 12 characters");
  add_problem(detail, !c.upper, "needs an upper-case letter");
  add_problem(detail, !c.lower, "needs a lower-case letter");
  add_problem(detail, !c.digit, "needs a digit");
  add_problem(detail, !c.special, "needs a special character");
  if (!detail.empty()) return fail("weak_password", detail);
  return Status::Ok();
}

HashCost cost_interactive() {
  return {crypto_pwhash_argon2id_OPSLIMIT_INTERACTIVE, crypto_pwhash_argon2id_MEMLIMIT_INTERACTIVE};
}

HashCost cost_moderate() {
  return {crypto_pwhash_argon2id_OPSLIMIT_MODERATE, crypto_pwhash_argon2id_MEMLIMIT_MODERATE};
}

HashCost cost_sensitive() {
  return {crypto_pwhash_argon2id_OPSLIMIT_SENSITIVE, crypto_pwhash_argon2id_MEMLIMIT_SENSITIVE};
}

HashCost cost_minimum() {
  return {crypto_pwhash_argon2id_OPSLIMIT_MIN, crypto_pwhash_argon2id_MEMLIMIT_MIN};
}

Result<HashCost> parse_cost(std::string_view name) {
  if (name == "interactive") return cost_interactive();
  if (name == "moderate") return cost_moderate();
  if (name == "sensitive") return cost_sensitive();
  if (name == "minimum") return cost_minimum();
  return fail("bad_config",
              "password hash cost: expected interactive, moderate, sensitive or minimum");
}

Result<std::string> hash_secret(std::string_view secret, const HashCost& cost) {
  ensure_sodium();
  std::array<char, crypto_pwhash_argon2id_STRBYTES> out{};
  if (crypto_pwhash_argon2id_str(out.data(), secret.data(), secret.size(), cost.opslimit,
                                 cost.memlimit) != 0) {
    return fail("hash_failed", "Argon2id failed: out of memory, or a cost out of range");
  }
  return std::string(out.data());
}

bool verify_secret(std::string_view stored, std::string_view secret) {
  ensure_sodium();
  HashString str{};
  return as_hash_string(stored, str) &&
         crypto_pwhash_argon2id_str_verify(str.data(), secret.data(), secret.size()) == 0;
}

bool needs_rehash(std::string_view stored, const HashCost& cost) {
  ensure_sodium();
  HashString str{};
  return !as_hash_string(stored, str) ||
         crypto_pwhash_argon2id_str_needs_rehash(str.data(), cost.opslimit, cost.memlimit) != 0;
}

Result<std::string> normalize_answer(std::string_view answer) {
  static_assert(kAnswerMaxBytes == text::kFoldMaxBytes);
  return text::fold(answer);
}

Result<std::string> hash_answer(std::string_view answer, const HashCost& cost) {
  auto normal = text::fold(answer);
  if (!normal) return normal.error();
  Result<std::string> hash = hash_secret(*normal, cost);
  wipe_secret(*normal);
  return hash;
}

bool verify_answer(std::string_view stored, std::string_view answer) {
  auto normal = text::fold(answer);
  if (!normal) return false;
  const bool ok = verify_secret(stored, *normal);
  wipe_secret(*normal);
  return ok;
}

void wipe_secret(std::string& s) {
  if (!s.empty()) sodium_memzero(s.data(), s.size());
  s.clear();
}

}  // namespace isoloir::portal

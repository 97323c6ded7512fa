#include "isoloir/code_vault.h"

#include <sodium.h>

#include "isoloir/bytes.h"
#include "isoloir/credential.h"
#include "isoloir/random.h"
#include "isoloir/signature.h"

namespace isoloir {

std::string CodeVault::regenerate(std::string_view election_id, double now) {
  wipe();
  // 19 symbols of 5 bits from 12 random bytes, then the check symbol: the
  // same code as generate_vote_code, written into code_ in place.
  std::array<uint8_t, 12> raw{};
  random_bytes(raw);
  for (size_t i = 0; i + 1 < kCodeSymbols; ++i) {
    const size_t bit = i * 5;
    const unsigned two = static_cast<unsigned>(raw[bit / 8]) << 8 |
                         (bit / 8 + 1 < raw.size() ? raw[bit / 8 + 1] : 0u);
    code_[i] = kCodeAlphabet[(two >> (11 - bit % 8)) & 31];
  }
  sodium_memzero(raw.data(), raw.size());
  const std::string_view body(code_.data(), kCodeSymbols - 1);
  code_[kCodeSymbols - 1] = vote_code_check_symbol(body);
  made_at_ = now;
  held_ = true;

  std::array<uint8_t, 32> seed =
      credential_seed(election_id, std::string_view(code_.data(), code_.size()));
  const SigningKey key = SigningKey::from_seed(seed);
  sodium_memzero(seed.data(), seed.size());
  return base64url_encode(key.public_key());
}

Result<const char*> CodeVault::reveal(double now) {
  if (held_ && !(now >= made_at_ && now - made_at_ < kDisplaySeconds)) {
    wipe();
    expired_ = true;
  }
  if (expired_) return fail("code_expired", "the code was shown for its 120 seconds and is gone");
  if (!held_) return fail("no_code", "no code has been made");
  size_t out = 0;
  for (size_t i = 0; i < kCodeSymbols; ++i) {
    if (i > 0 && i % 5 == 0) display_[out++] = '-';
    display_[out++] = code_[i];
  }
  display_[out] = '\0';
  return static_cast<const char*>(display_.data());
}

void CodeVault::forget_display() {
  sodium_memzero(display_.data(), display_.size());
}

double CodeVault::remaining(double now) const {
  if (!held_ || now < made_at_) return 0;
  const double left = kDisplaySeconds - (now - made_at_);
  return left > 0 ? left : 0;
}

void CodeVault::wipe() {
  sodium_memzero(code_.data(), code_.size());
  sodium_memzero(display_.data(), display_.size());
  made_at_ = 0;
  held_ = false;
  expired_ = false;
}

}  // namespace isoloir

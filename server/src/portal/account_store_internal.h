// What the two AccountStore backends share (account_store.cpp: SQLite,
// account_store_pg.cpp: PostgreSQL): how secrets are made and kept, the
// purposes' codes on disk, and the refusals, word for word.
#ifndef ISOLOIR_PORTAL_ACCOUNT_STORE_INTERNAL_H_
#define ISOLOIR_PORTAL_ACCOUNT_STORE_INTERNAL_H_

#include <sodium.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "isoloir/bytes.h"
#include "isoloir/hash.h"
#include "isoloir/portal/account_store.h"
#include "isoloir/random.h"
#include "isoloir/result.h"

namespace isoloir::portal::detail {

// A session's idle expiry is written back at most this often: a page view
// is then a read, not a write.
inline constexpr int64_t kTouchEverySeconds = 30;

inline constexpr size_t kTokenBytes = 32;

inline std::string new_secret() {
  std::array<uint8_t, kTokenBytes> raw{};
  random_bytes(raw);
  std::string out = base64url_encode(raw);
  sodium_memzero(raw.data(), raw.size());
  return out;
}

// What the store keeps of a token or session id. A well-formed value is
// 43 base64url characters; anything else hashes to a row that does not exist.
inline Digest32 digest_of(std::string_view secret) {
  return sha256(as_bytes(secret));
}

// The purpose's code in the tokens table (both backends).
inline int purpose_code(TokenPurpose p) {
  switch (p) {
    case TokenPurpose::kActivation:
      return 1;
    case TokenPurpose::kPasswordReset:
      return 2;
    case TokenPurpose::kCodeReissue:
      return 3;
  }
  return 0;
}

// One answer for unknown, another purpose's and superseded tokens: the
// voter can do nothing about the difference but ask for a new link.
inline Error bad_token() {
  return fail("bad_token", "this link is not valid; ask for a new one");
}
inline Error token_used() {
  return fail("token_used", "this link has been used already");
}
inline Error token_expired() {
  return fail("token_expired", "this link has expired");
}
inline Error already_active() {
  return fail("already_active", "this account is active already; log in");
}
inline Error inactive_account() {
  return fail("bad_token", "this link's account is not active");
}
inline Error no_session() {
  return fail("no_session", "not logged in");
}
inline Error expired_session() {
  return fail("no_session", "the session has expired; log in again");
}

// A token row's verdict: whose it is, or why it may not be used now.
inline Result<std::string> token_verdict(int64_t purpose, bool superseded, bool used,
                                         int64_t expires_at, std::string identifier, int want,
                                         int64_t now) {
  if (purpose != want || superseded) return bad_token();
  if (used) return token_used();
  if (now >= expires_at) return token_expired();
  return identifier;
}

}  // namespace isoloir::portal::detail

#endif  // ISOLOIR_PORTAL_ACCOUNT_STORE_INTERNAL_H_

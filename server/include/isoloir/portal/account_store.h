// The voter portal's accounts, single-use links and sessions (docs/urn-storage.md).
// Two backends behind one interface, with the same behaviour:
// - SQLite (open): a third file of the data directory, portal.sqlite, apart
//   from the urn's two files on purpose: a login or a page view must never
//   wait behind a cast's commit. One connection (WAL), one mutex.
// - PostgreSQL (open_postgres): tables of their own (portal_accounts,
//   portal_tokens, portal_sessions, made if missing) in the database
//   several isoloir-server processes share, so that any of them serves any
//   voter: a link used up on one server is used up on all, and a session
//   opened on one is known to all. What must be atomic is the database's
//   doing, not a mutex's.
// Nothing here is part of the election record.
//
// Secrets are never stored in clear: passwords and challenge answers arrive
// already hashed (Argon2id, password.h); link tokens and session ids are
// 32 random bytes given to the voter once and kept as their SHA-256, so a
// copy of the store opens no account. Methods may be called from any
// thread. Times are unix seconds, passed in.
#ifndef ISOLOIR_PORTAL_ACCOUNT_STORE_H_
#define ISOLOIR_PORTAL_ACCOUNT_STORE_H_

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "isoloir/result.h"

namespace isoloir::portal {

// What a single-use link is for; a token of one purpose is refused for another.
enum class TokenPurpose { kActivation, kPasswordReset, kCodeReissue };

struct Account {
  std::string identifier;
  std::string password_hash;  // "$argon2id$..."
  std::string question;       // the challenge question, as the voter chose it
  std::string answer_hash;    // Argon2id of the normalised answer
  int64_t activated_at = 0;
};

// A fresh session as given to the browser once: the id goes in the cookie,
// the CSRF token in every state-changing request's header.
struct NewSession {
  std::string id;
  std::string csrf;
  int64_t expires_at = 0;  // absolute expiry
};

struct Session {
  std::string identifier;
  std::string csrf;
  int64_t expires_at = 0;  // the earlier of idle and absolute expiry
};

struct SessionPolicy {
  int64_t idle_seconds = int64_t{20} * 60;  // no request for this long: logged out
  int64_t max_seconds = int64_t{8} * 3600;  // logged out this long after login, whatever happens
};

class AccountStore {
 public:
  // SQLite: opens or creates the file `path` ("storage_error").
  static Result<std::unique_ptr<AccountStore>> open(const std::string& path,
                                                    SessionPolicy policy = {});
  // PostgreSQL: connects to `conninfo` (a libpq connection string or
  // postgresql:// URI; "bad_conninfo", "storage_unavailable") with up to
  // `connections` connections, and makes the tables if they are missing.
  static Result<std::unique_ptr<AccountStore>> open_postgres(const std::string& conninfo,
                                                             SessionPolicy policy = {},
                                                             size_t connections = 4);
  AccountStore(const AccountStore&) = delete;
  AccountStore& operator=(const AccountStore&) = delete;
  virtual ~AccountStore() = default;

  // --- single-use links ----------------------------------------------------

  // A new token for `identifier` (lower-cased) valid `ttl_seconds` from
  // `now`; earlier unused tokens of the same purpose for the same voter stop
  // working, so only the latest link opens anything.
  virtual Result<std::string> issue_token(std::string_view identifier, TokenPurpose purpose,
                                          int64_t now, int64_t ttl_seconds) = 0;

  // Whose token this is, if it is usable now; does not use it up.
  // "bad_token" (unknown, another purpose, superseded), "token_used",
  // "token_expired".
  virtual Result<std::string> check_token(std::string_view token, TokenPurpose purpose,
                                          int64_t now) = 0;

  // Uses a token up (one transaction, so two concurrent uses cannot both
  // succeed, even from two servers) and returns whose it was; check_token's
  // refusals.
  virtual Result<std::string> consume_token(std::string_view token, TokenPurpose purpose,
                                            int64_t now) = 0;

  // Uses a token up and runs `then` with whose it was, inside the same
  // transaction: when `then` fails, the token is left as it was (still
  // usable) and `then`'s refusal is returned. For a link whose use is
  // stored elsewhere (the re-issue's credential, in the urn): a refused
  // use does not spend the link. `then` must not call back into this store.
  virtual Result<std::string> consume_token_then(
      std::string_view token, TokenPurpose purpose, int64_t now,
      const std::function<Status(const std::string&)>& then) = 0;

  // --- accounts ------------------------------------------------------------

  // Uses an activation token up and creates its voter's account, in one
  // transaction. check_token's refusals, "already_active".
  virtual Result<std::string> activate(std::string_view token, const Account& account,
                                       int64_t now) = 0;

  // Uses a reset token up, sets the new password hash and ends all the
  // voter's sessions, in one transaction; returns the identifier.
  virtual Result<std::string> reset_password(std::string_view token, std::string_view password_hash,
                                             int64_t now) = 0;

  // "not_found" when the voter has not activated an account.
  virtual Result<Account> account(std::string_view identifier) = 0;

  // Replaces a password hash made with an older cost (at login).
  virtual Status rehash_password(std::string_view identifier, std::string_view password_hash) = 0;

  // --- sessions --------------------------------------------------------------

  virtual Result<NewSession> open_session(std::string_view identifier, int64_t now) = 0;
  // The session of cookie value `id`, if it is alive now; extends its idle
  // expiry. "no_session" otherwise (unknown, expired or logged out).
  virtual Result<Session> session(std::string_view id, int64_t now) = 0;
  virtual Status close_session(std::string_view id) = 0;
  // Forgets expired sessions and tokens (called now and then).
  virtual Status purge(int64_t now) = 0;

 protected:
  AccountStore() = default;
};

}  // namespace isoloir::portal

#endif  // ISOLOIR_PORTAL_ACCOUNT_STORE_H_

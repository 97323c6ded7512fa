// The SQLite backend of the portal's store: portal.sqlite in the data
// directory, one connection (WAL), one mutex.
#include <sqlite3.h>

#include <algorithm>
#include <memory>
#include <mutex>
#include <utility>

#include "db/sqlite.h"
#include "isoloir/portal/account_store.h"
#include "portal/account_store_internal.h"
#include "text/text.h"

namespace isoloir::portal {
namespace {

using detail::digest_of;
using detail::kTouchEverySeconds;
using detail::new_secret;
using detail::purpose_code;
using urn::Database;
using urn::Statement;
using urn::StatementScope;

// WAL: readers (every request's session lookup) never wait for a writer.
// NORMAL is durable enough here: a power cut may forget the last logins,
// never corrupt the file, and nothing of the election lives in it.
constexpr std::string_view kSchema = R"sql(
PRAGMA journal_mode = WAL;
PRAGMA synchronous = NORMAL;
CREATE TABLE IF NOT EXISTS accounts (
  identifier TEXT PRIMARY KEY,
  password_hash TEXT NOT NULL,
  question TEXT NOT NULL,
  answer_hash TEXT NOT NULL,
  activated_at INTEGER NOT NULL
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS tokens (
  hash BLOB PRIMARY KEY CHECK (length(hash) = 32),
  identifier TEXT NOT NULL,
  purpose INTEGER NOT NULL,
  expires_at INTEGER NOT NULL,
  used_at INTEGER,
  superseded INTEGER NOT NULL DEFAULT 0
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS tokens_by_voter ON tokens(identifier, purpose);
CREATE TABLE IF NOT EXISTS sessions (
  hash BLOB PRIMARY KEY CHECK (length(hash) = 32),
  identifier TEXT NOT NULL,
  csrf TEXT NOT NULL,
  last_seen INTEGER NOT NULL,
  expires_at INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS sessions_by_voter ON sessions(identifier);
)sql";

class SqliteAccountStore final : public AccountStore {
 public:
  struct State;
  explicit SqliteAccountStore(std::unique_ptr<State> state);
  ~SqliteAccountStore() override;

  Result<std::string> issue_token(std::string_view identifier, TokenPurpose purpose, int64_t now,
                                  int64_t ttl_seconds) override;
  Result<std::string> check_token(std::string_view token, TokenPurpose purpose,
                                  int64_t now) override;
  Result<std::string> consume_token(std::string_view token, TokenPurpose purpose,
                                    int64_t now) override;
  Result<std::string> consume_token_then(
      std::string_view token, TokenPurpose purpose, int64_t now,
      const std::function<Status(const std::string&)>& then) override;
  Result<std::string> activate(std::string_view token, const Account& account,
                               int64_t now) override;
  Result<std::string> reset_password(std::string_view token, std::string_view password_hash,
                                     int64_t now) override;
  Result<Account> account(std::string_view identifier) override;
  Status rehash_password(std::string_view identifier, std::string_view password_hash) override;
  Result<NewSession> open_session(std::string_view identifier, int64_t now) override;
  Result<Session> session(std::string_view id, int64_t now) override;
  Status close_session(std::string_view id) override;
  Status purge(int64_t now) override;

 private:
  std::unique_ptr<State> s_;
};

}  // namespace

struct SqliteAccountStore::State {
  SessionPolicy policy;
  std::mutex mu;
  Database db;
  struct Statements {
    Statement begin, commit, rollback;
    Statement supersede_tokens, insert_token, token_by_hash, use_token;
    Statement insert_account, account_by_identifier, set_password;
    Statement insert_session, session_by_hash, touch_session, delete_session, delete_sessions_of;
    Statement purge_sessions, purge_tokens;
  } q;

  Status prepare();
  void rollback() {
    if (!db.autocommit()) (void)q.rollback.run();
  }
  // The identifier behind a usable token, inside a transaction or not.
  Result<std::string> find_token(const Digest32& hash, int purpose, int64_t now);
  Status use_token(const Digest32& hash, int64_t now);
  // Runs `body` in a write transaction: committed if it succeeds, rolled
  // back otherwise.
  template <class T, class F>
  Result<T> in_transaction(F body);
};

Status SqliteAccountStore::State::prepare() {
  return prepare_all(
      db,
      {
          {&q.begin, "BEGIN IMMEDIATE"},
          {&q.commit, "COMMIT"},
          {&q.rollback, "ROLLBACK"},
          {&q.supersede_tokens,
           "UPDATE tokens SET superseded = 1 WHERE identifier = ? AND purpose = ? AND used_at IS "
           "NULL"},
          {&q.insert_token,
           "INSERT INTO tokens(hash, identifier, purpose, expires_at) VALUES(?, ?, ?, ?)"},
          {&q.token_by_hash,
           "SELECT identifier, purpose, expires_at, used_at, superseded FROM tokens WHERE hash = "
           "?"},
          {&q.use_token, "UPDATE tokens SET used_at = ? WHERE hash = ? AND used_at IS NULL"},
          {&q.insert_account,
           "INSERT INTO accounts(identifier, password_hash, question, answer_hash, activated_at) "
           "VALUES(?, ?, ?, ?, ?)"},
          {&q.account_by_identifier,
           "SELECT password_hash, question, answer_hash, activated_at FROM accounts "
           "WHERE identifier = ?"},
          {&q.set_password, "UPDATE accounts SET password_hash = ? WHERE identifier = ?"},
          {&q.insert_session,
           "INSERT INTO sessions(hash, identifier, csrf, last_seen, expires_at) VALUES(?, ?, ?, ?, "
           "?)"},
          {&q.session_by_hash,
           "SELECT identifier, csrf, last_seen, expires_at FROM sessions WHERE hash = ?"},
          {&q.touch_session, "UPDATE sessions SET last_seen = ? WHERE hash = ?"},
          {&q.delete_session, "DELETE FROM sessions WHERE hash = ?"},
          {&q.delete_sessions_of, "DELETE FROM sessions WHERE identifier = ?"},
          {&q.purge_sessions, "DELETE FROM sessions WHERE expires_at <= ? OR last_seen + ? <= ?"},
          {&q.purge_tokens, "DELETE FROM tokens WHERE expires_at <= ?"},
      });
}

template <class T, class F>
Result<T> SqliteAccountStore::State::in_transaction(F body) {
  if (Status st = q.begin.run(); !st) return st.error();
  Result<T> out = body();
  if (!out) {
    rollback();
    return out;
  }
  if (Status st = q.commit.run(); !st) {
    rollback();
    return st.error();
  }
  return out;
}

Result<std::string> SqliteAccountStore::State::find_token(const Digest32& hash, int purpose,
                                                          int64_t now) {
  StatementScope st(q.token_by_hash);
  st->bind_blob(1, hash);
  auto row = st->step();
  if (!row) return row.error();
  if (!*row) return detail::bad_token();
  return detail::token_verdict(st->column_int(1), st->column_int(4) != 0, !st->column_is_null(3),
                               st->column_int(2), st->column_text(0), purpose, now);
}

Status SqliteAccountStore::State::use_token(const Digest32& hash, int64_t now) {
  StatementScope st(q.use_token);
  st->bind(1, now);
  st->bind_blob(2, hash);
  if (Status s = st->run(); !s) return s;
  if (sqlite3_changes(db.handle()) != 1) return detail::token_used();
  return Status::Ok();
}

SqliteAccountStore::SqliteAccountStore(std::unique_ptr<State> state) : s_(std::move(state)) {}
SqliteAccountStore::~SqliteAccountStore() {
  if (s_) s_->q = State::Statements{};
}

Result<std::unique_ptr<AccountStore>> AccountStore::open(const std::string& path,
                                                         SessionPolicy policy) {
  ensure_sodium();
  auto state = std::make_unique<SqliteAccountStore::State>();
  state->policy = policy;
  auto db = Database::open(path);
  if (!db) return db.error();
  state->db = std::move(*db);
  sqlite3_busy_timeout(state->db.handle(), 5000);
  if (Status st = state->db.exec(std::string(kSchema)); !st) return st.error();
  if (Status st = state->prepare(); !st) return st.error();
  return std::unique_ptr<AccountStore>(new SqliteAccountStore(std::move(state)));
}

Result<std::string> SqliteAccountStore::issue_token(std::string_view identifier,
                                                    TokenPurpose purpose, int64_t now,
                                                    int64_t ttl_seconds) {
  const std::string who = text::lower_ascii(identifier);
  const int code = purpose_code(purpose);
  std::string token = new_secret();
  std::lock_guard lock(s_->mu);
  State& s = *s_;
  return s.in_transaction<std::string>([&]() -> Result<std::string> {
    {
      StatementScope st(s.q.supersede_tokens);
      st->bind(1, who);
      st->bind(2, int64_t{code});
      if (Status r = st->run(); !r) return r.error();
    }
    StatementScope st(s.q.insert_token);
    st->bind_blob(1, digest_of(token));
    st->bind(2, who);
    st->bind(3, int64_t{code});
    st->bind(4, now + ttl_seconds);
    if (Status r = st->run(); !r) return r.error();
    return token;
  });
}

Result<std::string> SqliteAccountStore::check_token(std::string_view token, TokenPurpose purpose,
                                                    int64_t now) {
  std::lock_guard lock(s_->mu);
  return s_->find_token(digest_of(token), purpose_code(purpose), now);
}

Result<std::string> SqliteAccountStore::consume_token(std::string_view token, TokenPurpose purpose,
                                                      int64_t now) {
  const Digest32 hash = digest_of(token);
  std::lock_guard lock(s_->mu);
  State& s = *s_;
  return s.in_transaction<std::string>([&]() -> Result<std::string> {
    auto who = s.find_token(hash, purpose_code(purpose), now);
    if (!who) return who;
    if (Status r = s.use_token(hash, now); !r) return r.error();
    return *who;
  });
}

Result<std::string> SqliteAccountStore::consume_token_then(
    std::string_view token, TokenPurpose purpose, int64_t now,
    const std::function<Status(const std::string&)>& then) {
  const Digest32 hash = digest_of(token);
  std::lock_guard lock(s_->mu);
  State& s = *s_;
  return s.in_transaction<std::string>([&]() -> Result<std::string> {
    auto who = s.find_token(hash, purpose_code(purpose), now);
    if (!who) return who;
    if (Status r = s.use_token(hash, now); !r) return r.error();
    if (Status r = then(*who); !r) return r.error();  // rolled back: the token stays usable
    return *who;
  });
}

Result<std::string> SqliteAccountStore::activate(std::string_view token, const Account& account,
                                                 int64_t now) {
  const Digest32 hash = digest_of(token);
  std::lock_guard lock(s_->mu);
  State& s = *s_;
  return s.in_transaction<std::string>([&]() -> Result<std::string> {
    auto who = s.find_token(hash, purpose_code(TokenPurpose::kActivation), now);
    if (!who) return who;
    {
      StatementScope st(s.q.account_by_identifier);
      st->bind(1, *who);
      auto row = st->step();
      if (!row) return row.error();
      if (*row) return detail::already_active();
    }
    if (Status r = s.use_token(hash, now); !r) return r.error();
    StatementScope st(s.q.insert_account);
    st->bind(1, *who);
    st->bind(2, account.password_hash);
    st->bind(3, account.question);
    st->bind(4, account.answer_hash);
    st->bind(5, now);
    if (Status r = st->run(); !r) return r.error();
    return *who;
  });
}

Result<std::string> SqliteAccountStore::reset_password(std::string_view token,
                                                       std::string_view password_hash,
                                                       int64_t now) {
  const Digest32 hash = digest_of(token);
  std::lock_guard lock(s_->mu);
  State& s = *s_;
  return s.in_transaction<std::string>([&]() -> Result<std::string> {
    auto who = s.find_token(hash, purpose_code(TokenPurpose::kPasswordReset), now);
    if (!who) return who;
    if (Status r = s.use_token(hash, now); !r) return r.error();
    {
      StatementScope st(s.q.set_password);
      st->bind(1, password_hash);
      st->bind(2, *who);
      if (Status r = st->run(); !r) return r.error();
      if (sqlite3_changes(s.db.handle()) != 1) {
        return detail::inactive_account();
      }
    }
    // Whoever knew the old password is logged out everywhere.
    StatementScope st(s.q.delete_sessions_of);
    st->bind(1, *who);
    if (Status r = st->run(); !r) return r.error();
    return *who;
  });
}

Result<Account> SqliteAccountStore::account(std::string_view identifier) {
  const std::string who = text::lower_ascii(identifier);
  std::lock_guard lock(s_->mu);
  StatementScope st(s_->q.account_by_identifier);
  st->bind(1, who);
  auto row = st->step();
  if (!row) return row.error();
  if (!*row) return fail("not_found", "no active account");
  return Account{who, st->column_text(0), st->column_text(1), st->column_text(2),
                 st->column_int(3)};
}

Status SqliteAccountStore::rehash_password(std::string_view identifier,
                                           std::string_view password_hash) {
  std::lock_guard lock(s_->mu);
  StatementScope st(s_->q.set_password);
  st->bind(1, password_hash);
  st->bind(2, text::lower_ascii(identifier));
  return st->run();
}

Result<NewSession> SqliteAccountStore::open_session(std::string_view identifier, int64_t now) {
  NewSession out{new_secret(), new_secret(), now + s_->policy.max_seconds};
  std::lock_guard lock(s_->mu);
  StatementScope st(s_->q.insert_session);
  st->bind_blob(1, digest_of(out.id));
  st->bind(2, text::lower_ascii(identifier));
  st->bind(3, out.csrf);
  st->bind(4, now);
  st->bind(5, out.expires_at);
  if (Status r = st->run(); !r) return r.error();
  return out;
}

Result<Session> SqliteAccountStore::session(std::string_view id, int64_t now) {
  const Digest32 hash = digest_of(id);
  std::lock_guard lock(s_->mu);
  State& s = *s_;
  Session out;
  int64_t last_seen = 0;
  {
    StatementScope st(s.q.session_by_hash);
    st->bind_blob(1, hash);
    auto row = st->step();
    if (!row) return row.error();
    if (!*row) return detail::no_session();
    out.identifier = st->column_text(0);
    out.csrf = st->column_text(1);
    last_seen = st->column_int(2);
    out.expires_at = st->column_int(3);
  }
  if (now >= out.expires_at || now >= last_seen + s.policy.idle_seconds) {
    StatementScope st(s.q.delete_session);
    st->bind_blob(1, hash);
    (void)st->run();
    return detail::expired_session();
  }
  if (now - last_seen >= kTouchEverySeconds) {
    StatementScope st(s.q.touch_session);
    st->bind(1, now);
    st->bind_blob(2, hash);
    if (Status r = st->run(); !r) return r.error();
    last_seen = now;
  }
  out.expires_at = std::min(out.expires_at, last_seen + s.policy.idle_seconds);
  return out;
}

Status SqliteAccountStore::close_session(std::string_view id) {
  std::lock_guard lock(s_->mu);
  StatementScope st(s_->q.delete_session);
  st->bind_blob(1, digest_of(id));
  return st->run();
}

Status SqliteAccountStore::purge(int64_t now) {
  std::lock_guard lock(s_->mu);
  {
    StatementScope st(s_->q.purge_sessions);
    st->bind(1, now);
    st->bind(2, s_->policy.idle_seconds);
    st->bind(3, now);
    if (Status r = st->run(); !r) return r;
  }
  StatementScope st(s_->q.purge_tokens);
  st->bind(1, now);
  return st->run();
}

}  // namespace isoloir::portal

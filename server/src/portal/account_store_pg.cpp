// The PostgreSQL backend of the portal's store, for several isoloir-server
// processes on one database (account_store.h). The same rows as
// portal.sqlite, in tables of their own; what the SQLite store gets from its
// one mutex, this one gets from the database, because the other writer may
// be another server:
// - a link is used up by one UPDATE ... WHERE used_at IS NULL ... RETURNING:
//   of two servers using it at once, the second waits for the first's row
//   lock, then finds it used, and uses nothing;
// - issuing a link takes an advisory lock on (voter, purpose) for its
//   transaction, so that of two links issued at once the later one
//   supersedes the earlier, as with one writer;
// - an account is created by INSERT ... ON CONFLICT DO NOTHING: one
//   activation wins, the other is already_active and rolls back.
// READ COMMITTED everywhere: nothing here reads a row and writes another
// on the strength of it without such a lock.
#include <algorithm>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "db/pg.h"
#include "isoloir/portal/account_store.h"
#include "portal/account_store_internal.h"
#include "text/text.h"

namespace isoloir::portal {
namespace {

using detail::digest_of;
using detail::kTouchEverySeconds;
using detail::new_secret;
using detail::purpose_code;

// Unqualified names: the connection's search_path says in which schema
// (public by default; each test has its own).
constexpr const char* kSchema = R"sql(
CREATE TABLE IF NOT EXISTS portal_accounts (
  identifier TEXT PRIMARY KEY,
  password_hash TEXT NOT NULL,
  question TEXT NOT NULL,
  answer_hash TEXT NOT NULL,
  activated_at BIGINT NOT NULL
);
CREATE TABLE IF NOT EXISTS portal_tokens (
  hash BYTEA PRIMARY KEY CHECK (length(hash) = 32),
  identifier TEXT NOT NULL,
  purpose SMALLINT NOT NULL,
  expires_at BIGINT NOT NULL,
  used_at BIGINT,
  superseded BOOLEAN NOT NULL DEFAULT false
);
CREATE INDEX IF NOT EXISTS portal_tokens_by_voter ON portal_tokens(identifier, purpose);
CREATE INDEX IF NOT EXISTS portal_tokens_by_expiry ON portal_tokens(expires_at);
CREATE TABLE IF NOT EXISTS portal_sessions (
  hash BYTEA PRIMARY KEY CHECK (length(hash) = 32),
  identifier TEXT NOT NULL,
  csrf TEXT NOT NULL,
  last_seen BIGINT NOT NULL,
  expires_at BIGINT NOT NULL
);
CREATE INDEX IF NOT EXISTS portal_sessions_by_voter ON portal_sessions(identifier);
)sql";

// Named portal_*: the urn's stores may prepare theirs on the same server.
std::vector<std::pair<std::string, std::string>> statements() {
  return {
      {"portal_lock_voter", "SELECT pg_advisory_xact_lock(hashtextextended($1, 0))"},
      {"portal_supersede",
       "UPDATE portal_tokens SET superseded = true "
       "WHERE identifier = $1 AND purpose = $2 AND used_at IS NULL AND NOT superseded"},
      {"portal_insert_token",
       "INSERT INTO portal_tokens(hash, identifier, purpose, expires_at) VALUES ($1, $2, $3, $4)"},
      {"portal_token",
       "SELECT identifier, purpose, expires_at, (used_at IS NOT NULL)::int, superseded::int "
       "FROM portal_tokens WHERE hash = $1"},
      {"portal_use_token",
       "UPDATE portal_tokens SET used_at = $2 WHERE hash = $1 AND purpose = $3 "
       "AND NOT superseded AND used_at IS NULL AND $2 < expires_at RETURNING identifier"},
      {"portal_account",
       "SELECT password_hash, question, answer_hash, activated_at FROM portal_accounts "
       "WHERE identifier = $1"},
      {"portal_insert_account",
       "INSERT INTO portal_accounts(identifier, password_hash, question, answer_hash, "
       "activated_at) VALUES ($1, $2, $3, $4, $5) ON CONFLICT (identifier) DO NOTHING"},
      {"portal_set_password",
       "UPDATE portal_accounts SET password_hash = $2 WHERE identifier = $1"},
      {"portal_insert_session",
       "INSERT INTO portal_sessions(hash, identifier, csrf, last_seen, expires_at) "
       "VALUES ($1, $2, $3, $4, $5)"},
      {"portal_session",
       "SELECT identifier, csrf, last_seen, expires_at FROM portal_sessions WHERE hash = $1"},
      // GREATEST: two servers touching one session never move it back.
      {"portal_touch_session",
       "UPDATE portal_sessions SET last_seen = GREATEST(last_seen, $2) WHERE hash = $1"},
      {"portal_delete_session", "DELETE FROM portal_sessions WHERE hash = $1"},
      {"portal_delete_sessions_of", "DELETE FROM portal_sessions WHERE identifier = $1"},
      {"portal_purge_sessions",
       "DELETE FROM portal_sessions WHERE expires_at <= $1 OR last_seen + $2 <= $1"},
      {"portal_purge_tokens", "DELETE FROM portal_tokens WHERE expires_at <= $1"},
  };
}

pqxx::binarystring bin(const Digest32& d) {
  return pqxx::binarystring(d.data(), d.size());
}

// Whose token `hash` is, if it is usable now, read in `tx`.
Result<std::string> find_token(pqxx::transaction_base& tx, const Digest32& hash, int purpose,
                               int64_t now) {
  const pqxx::result r = tx.exec_prepared("portal_token", bin(hash));
  if (r.empty()) return detail::bad_token();
  const pqxx::row row = r[0];
  return detail::token_verdict(pg::as_int(row[1]), pg::as_int(row[4]) != 0, pg::as_int(row[3]) != 0,
                               pg::as_int(row[2]), pg::as_text(row[0]), purpose, now);
}

// Uses the token up in `tx` and returns whose it was, or why not. The row
// stays locked until `tx` ends: a concurrent use waits, then finds it used.
Result<std::string> use_token(pqxx::work& tx, const Digest32& hash, int purpose, int64_t now) {
  const pqxx::result r = tx.exec_prepared("portal_use_token", bin(hash), now, purpose);
  if (!r.empty()) return pg::as_text(r[0][0]);
  Result<std::string> why = find_token(tx, hash, purpose, now);
  // Usable now but not a moment ago: another server used it meanwhile.
  if (why.ok()) return detail::token_used();
  return why;
}

class PostgresAccountStore final : public AccountStore {
 public:
  PostgresAccountStore(std::unique_ptr<pg::Pool> pool, SessionPolicy policy)
      : pool_(std::move(pool)), policy_(policy) {}

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
  std::unique_ptr<pg::Pool> pool_;
  SessionPolicy policy_;
};

Result<std::string> PostgresAccountStore::issue_token(std::string_view identifier,
                                                      TokenPurpose purpose, int64_t now,
                                                      int64_t ttl_seconds) {
  const std::string who = text::lower_ascii(identifier);
  const int code = purpose_code(purpose);
  std::string token = new_secret();
  return pool_->transact([&](pqxx::work& tx) -> Result<std::string> {
    tx.exec_prepared("portal_lock_voter",
                     "isoloir.portal.token:" + std::to_string(code) + ":" + who);
    tx.exec_prepared("portal_supersede", who, code);
    tx.exec_prepared("portal_insert_token", bin(digest_of(token)), who, code, now + ttl_seconds);
    return token;
  });
}

Result<std::string> PostgresAccountStore::check_token(std::string_view token, TokenPurpose purpose,
                                                      int64_t now) {
  const Digest32 hash = digest_of(token);
  return pool_->autocommit(
      [&](pqxx::nontransaction& tx) { return find_token(tx, hash, purpose_code(purpose), now); });
}

Result<std::string> PostgresAccountStore::consume_token(std::string_view token,
                                                        TokenPurpose purpose, int64_t now) {
  const Digest32 hash = digest_of(token);
  return pool_->transact(
      [&](pqxx::work& tx) { return use_token(tx, hash, purpose_code(purpose), now); });
}

Result<std::string> PostgresAccountStore::consume_token_then(
    std::string_view token, TokenPurpose purpose, int64_t now,
    const std::function<Status(const std::string&)>& then) {
  const Digest32 hash = digest_of(token);
  return pool_->transact([&](pqxx::work& tx) -> Result<std::string> {
    auto who = use_token(tx, hash, purpose_code(purpose), now);
    if (!who) return who;
    if (Status r = then(*who); !r) return r.error();  // rolled back: the token stays usable
    return who;
  });
}

Result<std::string> PostgresAccountStore::activate(std::string_view token, const Account& account,
                                                   int64_t now) {
  const Digest32 hash = digest_of(token);
  return pool_->transact([&](pqxx::work& tx) -> Result<std::string> {
    auto who = use_token(tx, hash, purpose_code(TokenPurpose::kActivation), now);
    if (!who) return who;
    const pqxx::result r = tx.exec_prepared("portal_insert_account", *who, account.password_hash,
                                            account.question, account.answer_hash, now);
    // Rolled back: the link stays usable, as the SQLite store leaves it.
    if (r.affected_rows() != 1) return detail::already_active();
    return who;
  });
}

Result<std::string> PostgresAccountStore::reset_password(std::string_view token,
                                                         std::string_view password_hash,
                                                         int64_t now) {
  const Digest32 hash = digest_of(token);
  const std::string new_hash(password_hash);
  return pool_->transact([&](pqxx::work& tx) -> Result<std::string> {
    auto who = use_token(tx, hash, purpose_code(TokenPurpose::kPasswordReset), now);
    if (!who) return who;
    if (tx.exec_prepared("portal_set_password", *who, new_hash).affected_rows() != 1) {
      return detail::inactive_account();
    }
    // Whoever knew the old password is logged out everywhere.
    tx.exec_prepared("portal_delete_sessions_of", *who);
    return who;
  });
}

Result<Account> PostgresAccountStore::account(std::string_view identifier) {
  const std::string who = text::lower_ascii(identifier);
  return pool_->autocommit([&](pqxx::nontransaction& tx) -> Result<Account> {
    const pqxx::result r = tx.exec_prepared("portal_account", who);
    if (r.empty()) return fail("not_found", "no active account");
    return Account{who, pg::as_text(r[0][0]), pg::as_text(r[0][1]), pg::as_text(r[0][2]),
                   pg::as_int(r[0][3])};
  });
}

Status PostgresAccountStore::rehash_password(std::string_view identifier,
                                             std::string_view password_hash) {
  const std::string who = text::lower_ascii(identifier);
  const std::string new_hash(password_hash);
  return pool_->autocommit([&](pqxx::nontransaction& tx) -> Status {
    tx.exec_prepared("portal_set_password", who, new_hash);
    return Status::Ok();
  });
}

Result<NewSession> PostgresAccountStore::open_session(std::string_view identifier, int64_t now) {
  NewSession out{new_secret(), new_secret(), now + policy_.max_seconds};
  const std::string who = text::lower_ascii(identifier);
  return pool_->autocommit([&](pqxx::nontransaction& tx) -> Result<NewSession> {
    tx.exec_prepared("portal_insert_session", bin(digest_of(out.id)), who, out.csrf, now,
                     out.expires_at);
    return out;
  });
}

Result<Session> PostgresAccountStore::session(std::string_view id, int64_t now) {
  const Digest32 hash = digest_of(id);
  // Autocommit: a page view is one read, and a write every 30 s at most.
  return pool_->autocommit([&](pqxx::nontransaction& tx) -> Result<Session> {
    const pqxx::result r = tx.exec_prepared("portal_session", bin(hash));
    if (r.empty()) return detail::no_session();
    Session out{pg::as_text(r[0][0]), pg::as_text(r[0][1]), pg::as_int(r[0][3])};
    int64_t last_seen = pg::as_int(r[0][2]);
    if (now >= out.expires_at || now >= last_seen + policy_.idle_seconds) {
      tx.exec_prepared("portal_delete_session", bin(hash));
      return detail::expired_session();
    }
    if (now - last_seen >= kTouchEverySeconds) {
      tx.exec_prepared("portal_touch_session", bin(hash), now);
      last_seen = now;
    }
    out.expires_at = std::min(out.expires_at, last_seen + policy_.idle_seconds);
    return out;
  });
}

Status PostgresAccountStore::close_session(std::string_view id) {
  const Digest32 hash = digest_of(id);
  return pool_->autocommit([&](pqxx::nontransaction& tx) -> Status {
    tx.exec_prepared("portal_delete_session", bin(hash));
    return Status::Ok();
  });
}

Status PostgresAccountStore::purge(int64_t now) {
  return pool_->autocommit([&](pqxx::nontransaction& tx) -> Status {
    tx.exec_prepared("portal_purge_sessions", now, policy_.idle_seconds);
    tx.exec_prepared("portal_purge_tokens", now);
    return Status::Ok();
  });
}

}  // namespace

Result<std::unique_ptr<AccountStore>> AccountStore::open_postgres(const std::string& conninfo,
                                                                  SessionPolicy policy,
                                                                  size_t connections) {
  ensure_sodium();
  auto pool = pg::Pool::open(conninfo, connections);
  if (!pool) return pool.error();
  if (Status s = pg::create_schema(**pool, "isoloir.portal", kSchema); !s) return s.error();
  if (Status s = (*pool)->prepare(statements()); !s) return s.error();
  return std::unique_ptr<AccountStore>(new PostgresAccountStore(std::move(*pool), policy));
}

}  // namespace isoloir::portal

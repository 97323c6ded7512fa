// A thin layer over libpqxx 6 (Debian's libpqxx-dev) for the stores kept in
// PostgreSQL (issue 12): a connection that comes back after the server
// restarts, a small pool of them, a transaction run as a function, and
// errors as values. libpqxx reports everything by exception; none leaves
// this layer: the functions below catch them at their boundary and return
// the reasons below. Inside a body given to transact() or autocommit(),
// libpqxx is used as it is (exec_prepared, exec_params, pqxx::result).
//
// Private to server/src, like sqlite.h: nothing outside the storage talks SQL.
#ifndef ISOLOIR_PG_H_
#define ISOLOIR_PG_H_

#include <pqxx/pqxx>

#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "isoloir/bytes.h"
#include "isoloir/result.h"

namespace isoloir::pg {

// Anything not below: a statement that does not parse, a full disk, a bug.
inline constexpr std::string_view kStorageError = "storage_error";
// SQLSTATE class 23: a UNIQUE (23505), CHECK, NOT NULL or foreign key
// refused a row; the caller may know what that means.
inline constexpr std::string_view kStorageConstraint = "storage_constraint";
// 40001 (serialization failure) or 40P01 (deadlock): the transaction lost a
// race and was rolled back; running it again may succeed (retry_conflicts).
inline constexpr std::string_view kStorageConflict = "storage_conflict";
// The server cannot be reached or went away (class 08, shutdown 57P0x):
// the open transaction, if any, was not committed; the next use reconnects.
inline constexpr std::string_view kStorageUnavailable = "storage_unavailable";
// The connection was lost while COMMIT was on its way: the transaction may
// or may not have been committed, and only reading the database tells.
inline constexpr std::string_view kStorageInDoubt = "storage_in_doubt";
// The connection string does not parse (libpq's own message, never the
// string, which may hold a password).
inline constexpr std::string_view kBadConninfo = "bad_conninfo";

// Positional parameters $1, $2, ... for a statement whose arguments are only
// known at run time (a caller that binds by index, as sqlite.h's Statement);
// when they are known in the code, libpqxx's exec_prepared(name, a, b, ...)
// is simpler. Indices are 1-based; a gap is NULL.
class Params {
 public:
  void bind(int index, std::string_view text);
  void bind(int index, int64_t value);
  void bind_blob(int index, ByteView bytes);  // a bytea, sent in its text form \x...
  void bind_null(int index);
  void clear() { values_.clear(); }
  // What libpqxx takes: a null pointer for NULL.
  std::vector<const char*> pointers() const;

 private:
  std::optional<std::string>* at(int index);
  std::vector<std::optional<std::string>> values_;
};

// Column readers that never throw: NULL reads as 0 or empty, and so does a
// value that is not of the type asked for.
int64_t as_int(const pqxx::field& f) noexcept;
std::string as_text(const pqxx::field& f);
Bytes as_bytes(const pqxx::field& f);  // a bytea column

// One connection to the server. Not thread-safe: one user at a time (a
// Pool lends connections to threads). If the server goes away (a restart,
// a failover), the connection is opened again at its next use outside a
// transaction, with its prepared statements.
class Connection {
 public:
  // Checks `conninfo` (a libpq key=value string or postgresql:// URI:
  // "bad_conninfo") and connects ("storage_unavailable" with libpq's reason:
  // no server, no such database or role, refused).
  static Result<std::unique_ptr<Connection>> open(const std::string& conninfo);
  // A connection that connects at its first use (what a Pool makes).
  static std::unique_ptr<Connection> deferred(std::string conninfo);
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;
  ~Connection();

  // Prepares `sql` under `name` now ("storage_error" if it does not parse,
  // e.g. a table that does not exist yet), and again after each reconnection.
  Status prepare(const std::string& name, const std::string& sql);
  // Only registers it: libpqxx prepares it at its first use.
  void prepare_later(const std::string& name, const std::string& sql);
  size_t statement_count() const { return statements_.size(); }

  // --- a transaction as a function ------------------------------------------
  // Runs body(pqxx::work&) in a READ COMMITTED transaction (the body may
  // start with SET TRANSACTION ISOLATION LEVEL ...). The body returns a
  // Result<T> or a Status: committed when it is a success, rolled back
  // otherwise, and that value returned; a libpqxx exception thrown by the
  // body rolls back and comes back as one of the reasons above. A body that
  // has side effects outside the database must not be run again blindly
  // after storage_conflict or storage_unavailable.
  template <class F>
  auto transact(F&& body) -> decltype(body(std::declval<pqxx::work&>()));
  // Runs body(pqxx::nontransaction&): each statement commits on its own
  // (one round trip each, no BEGIN and COMMIT): for single statements.
  template <class F>
  auto autocommit(F&& body) -> decltype(body(std::declval<pqxx::nontransaction&>()));

  // --- a transaction held open across calls -----------------------------------
  // For a caller with its own begin/commit (a store behind an interface).
  Status begin();
  // A prepared statement, in the open transaction or, when none is open,
  // committed on its own.
  Result<pqxx::result> exec(const std::string& name, const Params& params);
  // Statements without parameters (a schema), likewise.
  Result<pqxx::result> exec_sql(const std::string& sql);
  // "storage_in_doubt" when the connection was lost during the COMMIT.
  Status commit();
  // Rolls the open transaction back, if any.
  void rollback() noexcept;
  bool in_transaction() const { return tx_ != nullptr; }

 private:
  explicit Connection(std::string conninfo) : conninfo_(std::move(conninfo)) {}
  // Connects if there is no usable connection; a connection the server
  // closed while it sat idle is noticed here without a round trip.
  Status ensure_connected();
  // False when the server closed the idle connection (or wrote to it).
  bool idle_and_quiet() const noexcept;
  // The reason for the exception in flight (call inside a catch); forgets
  // the connection if it was lost, so that the next use reconnects.
  Error failed() noexcept;
  void drop() noexcept;
  // `f` with every exception turned into failed()'s reason.
  template <class R, class F>
  R guarded(F&& f) noexcept;

  std::string conninfo_;
  std::vector<std::pair<std::string, std::string>> statements_;  // name, sql
  std::unique_ptr<pqxx::connection> conn_;
  std::unique_ptr<pqxx::work> tx_;
};

// Up to `size` connections lent to one thread at a time; a thread that
// finds them all lent waits. Thread-safe. A body run by transact() must not
// use the same pool again: with every connection lent, it would wait for
// itself.
class Pool {
 public:
  // Checks the string and connects once now (Connection::open's reasons);
  // the other connections are made when needed.
  static Result<std::unique_ptr<Pool>> open(const std::string& conninfo, size_t size);
  Pool(const Pool&) = delete;
  Pool& operator=(const Pool&) = delete;

  // A connection for the caller alone until the Lease ends (then any
  // transaction left open is rolled back).
  class Lease {
   public:
    Lease(Lease&& other) noexcept
        : pool_(std::exchange(other.pool_, nullptr)), conn_(std::move(other.conn_)) {}
    Lease& operator=(Lease&&) = delete;
    Lease(const Lease&) = delete;
    Lease& operator=(const Lease&) = delete;
    ~Lease();
    Connection& operator*() { return *conn_; }
    Connection* operator->() { return conn_.get(); }

   private:
    friend class Pool;
    Lease(Pool* pool, std::unique_ptr<Connection> conn) : pool_(pool), conn_(std::move(conn)) {}
    Pool* pool_;
    std::unique_ptr<Connection> conn_;
  };
  Lease lease();

  // Prepares each (name, sql) now on one connection (Connection::prepare's
  // reasons) and on every other one at its next lease.
  Status prepare(const std::vector<std::pair<std::string, std::string>>& statements);

  template <class F>
  auto transact(F&& body) {
    Lease c = lease();
    return c->transact(std::forward<F>(body));
  }
  template <class F>
  auto autocommit(F&& body) {
    Lease c = lease();
    return c->autocommit(std::forward<F>(body));
  }

 private:
  Pool(std::string conninfo, size_t size) : conninfo_(std::move(conninfo)), size_(size) {}
  void give_back(std::unique_ptr<Connection> conn);

  const std::string conninfo_;
  const size_t size_;
  std::mutex mu_;
  std::condition_variable returned_;
  std::vector<std::unique_ptr<Connection>> idle_;
  size_t made_ = 0;
  std::vector<std::pair<std::string, std::string>> statements_;
};

// Runs `sql` (CREATE ... IF NOT EXISTS statements) in one transaction,
// holding the advisory lock named `name` meanwhile: servers that start
// together would otherwise race on the catalog (two CREATE TABLE IF NOT
// EXISTS of one table can fail with a unique violation of pg_type).
Status create_schema(Connection& c, std::string_view name, const std::string& sql);
Status create_schema(Pool& pool, std::string_view name, const std::string& sql);

// f() again while it fails with storage_conflict, `attempts` times in all.
template <class F>
auto retry_conflicts(int attempts, F&& f) {
  auto r = f();
  for (int i = 1; i < attempts && !r && r.error().reason == kStorageConflict; ++i) r = f();
  return r;
}

// --- templates --------------------------------------------------------------

template <class R, class F>
R Connection::guarded(F&& f) noexcept {
  try {
    return f();
  } catch (...) {
    return failed();
  }
}

template <class F>
auto Connection::transact(F&& body) -> decltype(body(std::declval<pqxx::work&>())) {
  using R = decltype(body(std::declval<pqxx::work&>()));
  if (Status s = begin(); !s) return s.error();
  R out = guarded<R>([&]() -> R { return body(*tx_); });
  if (!out) {
    rollback();
    return out;
  }
  if (Status s = commit(); !s) return s.error();
  return out;
}

template <class F>
auto Connection::autocommit(F&& body) -> decltype(body(std::declval<pqxx::nontransaction&>())) {
  using R = decltype(body(std::declval<pqxx::nontransaction&>()));
  if (tx_) return Error{std::string(kStorageError), "autocommit inside a transaction"};
  if (Status s = ensure_connected(); !s) return s.error();
  return guarded<R>([&]() -> R {
    pqxx::nontransaction tx(*conn_);
    return body(tx);
  });
}

}  // namespace isoloir::pg

#endif  // ISOLOIR_PG_H_

// The urn's SQL, whichever database runs it: SQLite (one process, the
// embedded default, sqlite.h) or PostgreSQL (several servers on one
// database, through libpqxx). The urn's code is written once against these
// two classes; each backend translates what differs (placeholders, how a
// write transaction excludes the other writers, reconnecting).
//
// The SQL the urn sends is the common part of both dialects: `?`
// placeholders (numbered $1, $2, ... for PostgreSQL), schema-qualified
// tables `main.` and `emargement.` (ATTACHed files in SQLite, schemas in
// PostgreSQL), INSERT ... ON CONFLICT DO NOTHING and RETURNING. Only the
// schemas differ, and are given per dialect.
#ifndef ISOLOIR_URN_SQL_H_
#define ISOLOIR_URN_SQL_H_

#include <cstdint>
#include <initializer_list>
#include <memory>
#include <string>
#include <string_view>

#include "isoloir/bytes.h"
#include "isoloir/result.h"

namespace isoloir::urn {

enum class Dialect { kSqlite, kPostgres };

// One prepared statement of a backend: bind, step, read columns, reset.
class SqlStatement {
 public:
  virtual ~SqlStatement() = default;
  // Parameters are 1-based. Text and blobs are copied.
  virtual void bind(int index, std::string_view text) = 0;
  virtual void bind_blob(int index, ByteView bytes) = 0;
  virtual void bind(int index, int64_t value) = 0;
  virtual void bind_null(int index) = 0;
  // One step: true when a row is available, false when done.
  virtual Result<bool> step() = 0;
  // Clears the bindings and rewinds.
  virtual void reset() = 0;
  virtual int64_t column_int(int index) const = 0;
  virtual std::string column_text(int index) const = 0;
  virtual Bytes column_blob(int index) const = 0;
  virtual bool column_is_null(int index) const = 0;
};

// A statement prepared once and reused, of either backend (a handle: the
// urn keeps one per statement it runs, so no SQL is parsed on the cast path).
class Stmt {
 public:
  Stmt() = default;
  explicit Stmt(std::unique_ptr<SqlStatement> impl) : impl_(std::move(impl)) {}

  void bind(int index, std::string_view text) { impl_->bind(index, text); }
  void bind(int index, const char* text) { impl_->bind(index, std::string_view(text)); }
  void bind(int index, const std::string& text) { impl_->bind(index, std::string_view(text)); }
  void bind_blob(int index, ByteView bytes) { impl_->bind_blob(index, bytes); }
  void bind(int index, int64_t value) { impl_->bind(index, value); }
  void bind_null(int index) { impl_->bind_null(index); }
  Result<bool> step() { return impl_->step(); }
  // step() for a statement that returns no row.
  Status run();
  void reset() { impl_->reset(); }
  int64_t column_int(int index) const { return impl_->column_int(index); }
  std::string column_text(int index) const { return impl_->column_text(index); }
  Bytes column_blob(int index) const { return impl_->column_blob(index); }
  bool column_is_null(int index) const { return impl_->column_is_null(index); }

 private:
  std::unique_ptr<SqlStatement> impl_;
};

// Resets a statement when leaving a scope, whatever path leaves it.
class StmtScope {
 public:
  explicit StmtScope(Stmt& s) : s_(s) {}
  StmtScope(const StmtScope&) = delete;
  StmtScope& operator=(const StmtScope&) = delete;
  ~StmtScope() { s_.reset(); }
  Stmt& operator*() { return s_; }
  Stmt* operator->() { return &s_; }

 private:
  Stmt& s_;
};

// A connection to the urn's database. Not thread-safe: its owner serialises
// every use (the urn's mutex).
class SqlConnection {
 public:
  virtual ~SqlConnection() = default;
  virtual Dialect dialect() const = 0;

  // One or more statements without parameters nor result rows (schema).
  virtual Status exec(const std::string& sql) = 0;
  virtual Result<Stmt> prepare(std::string_view sql) = 0;
  // The single text value of a query without parameters; "not_found" when
  // it returns no row.
  virtual Result<std::string> query_text(std::string_view sql) = 0;

  // Opens a write transaction that excludes every other writer of the
  // database until it ends: SQLite's BEGIN IMMEDIATE; in PostgreSQL a
  // transaction that locks the sequencer row, so that the writers of several
  // servers take turns and each sees the others' commits.
  virtual Status begin_write() = 0;
  // Ends the transaction: committed, or rolled back if the commit failed.
  virtual Status commit() = 0;
  // Rolls the open transaction back, if any.
  virtual void rollback() = 0;
};

// A statement to prepare and where to keep it.
struct StmtSql {
  Stmt* stmt;
  std::string_view sql;
};

// Prepares each statement into its place; the first failure is returned.
Status prepare_all(SqlConnection& db, std::initializer_list<StmtSql> items);

// `body` between begin_write and commit, rolled back on any failure.
template <typename T, typename F>
Result<T> in_write(SqlConnection& db, F body) {
  if (Status s = db.begin_write(); !s) return s.error();
  Result<T> r = body();
  if (!r) {
    db.rollback();
    return r;
  }
  if (Status s = db.commit(); !s) return s.error();
  return r;
}

class Database;
// The SQLite backend over an open connection (sqlite.h), with a busy
// timeout of `busy_ms` for waits on other connections' locks.
std::unique_ptr<SqlConnection> sqlite_connection(Database db, int busy_ms);

// The PostgreSQL backend on pg.h's connection: connects to `conninfo` (a
// libpq connection string or URI; pg::Connection::open's reasons). A lost
// connection is opened again at the next use outside a transaction, its
// statements prepared again. `write_lock_sql` is run by begin_write.
Result<std::unique_ptr<SqlConnection>> postgres_connection(const std::string& conninfo,
                                                           std::string write_lock_sql);

}  // namespace isoloir::urn

#endif  // ISOLOIR_URN_SQL_H_

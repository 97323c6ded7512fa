// A thin RAII layer over SQLite's C API for the urn: a connection, prepared
// statements that are reset after every use, and errors as values. Private to
// server/src: nothing outside the storage layer talks SQL.
#ifndef ISOLOIR_URN_SQLITE_H_
#define ISOLOIR_URN_SQLITE_H_

#include <sqlite3.h>

#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>

#include "isoloir/bytes.h"
#include "isoloir/result.h"

namespace isoloir::urn {

// The reason of every storage failure; "storage_constraint" when a UNIQUE,
// CHECK or trigger refused a row (the caller may know what that means).
inline constexpr std::string_view kStorageError = "storage_error";
inline constexpr std::string_view kStorageConstraint = "storage_constraint";

class Database;

// A statement prepared once and reused: bind, step, read columns, reset. The
// urn holds every statement it runs for its whole life, so no SQL is parsed
// on the cast path.
class Statement {
 public:
  Statement() = default;
  Statement(Statement&& other) noexcept;
  Statement& operator=(Statement&& other) noexcept;
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;
  ~Statement();

  // Parameters are 1-based, as in SQLite. Text and blobs are copied
  // (SQLITE_TRANSIENT): the caller's buffers may go away before step().
  void bind(int index, std::string_view text);
  void bind_blob(int index, ByteView bytes);
  void bind(int index, int64_t value);
  void bind_null(int index);

  // One step: true when a row is available, false when done.
  Result<bool> step();
  // step() for a statement that returns no row.
  Status run();
  // Clears the bindings and rewinds; also releases the read lock a half-read
  // SELECT would otherwise hold.
  void reset();

  int64_t column_int(int index) const;
  std::string column_text(int index) const;
  Bytes column_blob(int index) const;
  bool column_is_null(int index) const;

 private:
  friend class Database;
  Statement(sqlite3* db, sqlite3_stmt* stmt) : db_(db), stmt_(stmt) {}
  sqlite3* db_ = nullptr;
  sqlite3_stmt* stmt_ = nullptr;
};

// Resets a statement when leaving a scope, whatever path leaves it.
class StatementScope {
 public:
  explicit StatementScope(Statement& s) : s_(s) {}
  StatementScope(const StatementScope&) = delete;
  StatementScope& operator=(const StatementScope&) = delete;
  ~StatementScope() { s_.reset(); }
  Statement& operator*() { return s_; }
  Statement* operator->() { return &s_; }

 private:
  Statement& s_;
};

class Database {
 public:
  Database() = default;
  Database(Database&& other) noexcept;
  Database& operator=(Database&& other) noexcept;
  Database(const Database&) = delete;
  Database& operator=(const Database&) = delete;
  ~Database();

  // Opens (creating if needed) a database file, read-write, without URI names
  // and with extended result codes.
  static Result<Database> open(const std::string& path);
  // Opens an existing file read-only: for readers that must not take the
  // owner's lock (the admin listing complaints while the server runs).
  static Result<Database> open_readonly(const std::string& path);

  // One or more statements without parameters nor result rows (schema, pragmas).
  Status exec(const std::string& sql);
  // A statement to keep and reuse.
  Result<Statement> prepare(std::string_view sql);
  // The single text value of a pragma or query without parameters;
  // "not_found" when it returns no row.
  Result<std::string> query_text(std::string_view sql);

  // False inside an open transaction.
  bool autocommit() const { return sqlite3_get_autocommit(db_) != 0; }
  sqlite3* handle() const { return db_; }

 private:
  explicit Database(sqlite3* db) : db_(db) {}
  static Result<Database> open_with(const std::string& path, int flags);
  sqlite3* db_ = nullptr;
};

// A statement to prepare and where to keep it.
struct StatementSql {
  Statement* stmt;
  std::string_view sql;
};

// Prepares each statement into its place; the first failure is returned.
Status prepare_all(Database& db, std::initializer_list<StatementSql> items);

}  // namespace isoloir::urn

#endif  // ISOLOIR_URN_SQLITE_H_

// The SQLite backend of sql.h: sqlite.h's connection and statements behind
// the common interface. SQLite speaks the common dialect as it is.
#include <optional>
#include <utility>

#include "db/sql.h"
#include "db/sqlite.h"

namespace isoloir::urn {
namespace {

class SqliteStatement final : public SqlStatement {
 public:
  explicit SqliteStatement(Statement s) : s_(std::move(s)) {}
  void bind(int index, std::string_view text) override { s_.bind(index, text); }
  void bind_blob(int index, ByteView bytes) override { s_.bind_blob(index, bytes); }
  void bind(int index, int64_t value) override { s_.bind(index, value); }
  void bind_null(int index) override { s_.bind_null(index); }
  Result<bool> step() override { return s_.step(); }
  void reset() override { s_.reset(); }
  int64_t column_int(int index) const override { return s_.column_int(index); }
  std::string column_text(int index) const override { return s_.column_text(index); }
  Bytes column_blob(int index) const override { return s_.column_blob(index); }
  bool column_is_null(int index) const override { return s_.column_is_null(index); }

 private:
  Statement s_;
};

class SqliteConnection final : public SqlConnection {
 public:
  explicit SqliteConnection(Database db) : db_(std::move(db)) {}
  ~SqliteConnection() override {
    // Statements before the connection.
    begin_.reset();
    commit_.reset();
    rollback_.reset();
  }
  Dialect dialect() const override { return Dialect::kSqlite; }
  Status exec(const std::string& sql) override { return db_.exec(sql); }
  Result<Stmt> prepare(std::string_view sql) override {
    auto s = db_.prepare(sql);
    if (!s) return s.error();
    return Stmt(std::make_unique<SqliteStatement>(std::move(*s)));
  }
  Result<std::string> query_text(std::string_view sql) override { return db_.query_text(sql); }

  // BEGIN IMMEDIATE takes the write lock before the first read, so the
  // transaction's reads and writes see one state.
  Status begin_write() override { return run(begin_, "BEGIN IMMEDIATE"); }
  Status commit() override {
    Status s = run(commit_, "COMMIT");
    // A failed COMMIT may leave the transaction open (SQLITE_BUSY) or have
    // rolled it back already (I/O errors): end it either way.
    if (!s) rollback();
    return s;
  }
  void rollback() override {
    if (!db_.autocommit()) (void)run(rollback_, "ROLLBACK");
  }

 private:
  // Runs one of the transaction statements, prepared at first use.
  Status run(std::optional<Statement>& stmt, std::string_view sql) {
    if (!stmt) {
      auto s = db_.prepare(sql);
      if (!s) return s.error();
      stmt = std::move(*s);
    }
    Status r = stmt->run();
    stmt->reset();
    return r;
  }

  Database db_;
  std::optional<Statement> begin_, commit_, rollback_;
};

}  // namespace

std::unique_ptr<SqlConnection> sqlite_connection(Database db, int busy_ms) {
  sqlite3_busy_timeout(db.handle(), busy_ms);
  return std::make_unique<SqliteConnection>(std::move(db));
}

}  // namespace isoloir::urn

#include "db/sqlite.h"

#include <utility>

namespace isoloir::urn {
namespace {

Error storage_error(sqlite3* db, int rc, std::string_view what) {
  const bool constraint = (rc & 0xff) == SQLITE_CONSTRAINT;
  std::string detail(what);
  detail += ": ";
  detail += db != nullptr ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
  return fail(std::string(constraint ? kStorageConstraint : kStorageError), std::move(detail));
}

}  // namespace

Statement::Statement(Statement&& other) noexcept
    : db_(std::exchange(other.db_, nullptr)), stmt_(std::exchange(other.stmt_, nullptr)) {}

Statement& Statement::operator=(Statement&& other) noexcept {
  if (this != &other) {
    sqlite3_finalize(stmt_);
    db_ = std::exchange(other.db_, nullptr);
    stmt_ = std::exchange(other.stmt_, nullptr);
  }
  return *this;
}

Statement::~Statement() {
  sqlite3_finalize(stmt_);
}

void Statement::bind(int index, std::string_view text) {
  sqlite3_bind_text64(stmt_, index, text.data(), text.size(), SQLITE_TRANSIENT, SQLITE_UTF8);
}

void Statement::bind_blob(int index, ByteView bytes) {
  // A zero-length blob must not be bound as NULL: pass a non-null pointer.
  static const uint8_t kEmpty = 0;
  sqlite3_bind_blob64(stmt_, index, bytes.empty() ? &kEmpty : bytes.data(), bytes.size(),
                      SQLITE_TRANSIENT);
}

void Statement::bind(int index, int64_t value) {
  sqlite3_bind_int64(stmt_, index, value);
}

void Statement::bind_null(int index) {
  sqlite3_bind_null(stmt_, index);
}

Result<bool> Statement::step() {
  const int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  return storage_error(db_, rc, sqlite3_sql(stmt_));
}

Status Statement::run() {
  auto r = step();
  if (!r) return r.error();
  return Status::Ok();
}

void Statement::reset() {
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
}

int64_t Statement::column_int(int index) const {
  return sqlite3_column_int64(stmt_, index);
}

std::string Statement::column_text(int index) const {
  const auto* p = sqlite3_column_text(stmt_, index);
  const int n = sqlite3_column_bytes(stmt_, index);
  return p == nullptr ? std::string() : std::string(reinterpret_cast<const char*>(p), n);
}

Bytes Statement::column_blob(int index) const {
  const auto* p = static_cast<const uint8_t*>(sqlite3_column_blob(stmt_, index));
  const int n = sqlite3_column_bytes(stmt_, index);
  return p == nullptr ? Bytes() : Bytes(p, p + n);
}

bool Statement::column_is_null(int index) const {
  return sqlite3_column_type(stmt_, index) == SQLITE_NULL;
}

Database::Database(Database&& other) noexcept : db_(std::exchange(other.db_, nullptr)) {}

Database& Database::operator=(Database&& other) noexcept {
  if (this != &other) {
    sqlite3_close_v2(db_);
    db_ = std::exchange(other.db_, nullptr);
  }
  return *this;
}

// close_v2: statements still alive (none should be) would keep it open
// instead of failing.
Database::~Database() {
  sqlite3_close_v2(db_);
}

Result<Database> Database::open(const std::string& path) {
  return open_with(path, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
}

Result<Database> Database::open_readonly(const std::string& path) {
  return open_with(path, SQLITE_OPEN_READONLY);
}

Result<Database> Database::open_with(const std::string& path, int flags) {
  sqlite3* db = nullptr;
  const int rc = sqlite3_open_v2(path.c_str(), &db, flags, nullptr);
  Database out(db);  // closes it on every path, failure included
  if (rc != SQLITE_OK) return storage_error(db, rc, "open " + path);
  sqlite3_extended_result_codes(db, 1);
  return out;
}

Status Database::exec(const std::string& sql) {
  char* message = nullptr;
  const int rc = sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &message);
  if (rc == SQLITE_OK) return Status::Ok();
  std::string detail = message != nullptr ? message : sqlite3_errstr(rc);
  sqlite3_free(message);
  const bool constraint = (rc & 0xff) == SQLITE_CONSTRAINT;
  return fail(std::string(constraint ? kStorageConstraint : kStorageError), detail);
}

Result<Statement> Database::prepare(std::string_view sql) {
  sqlite3_stmt* stmt = nullptr;
  const int rc = sqlite3_prepare_v3(db_, sql.data(), static_cast<int>(sql.size()),
                                    SQLITE_PREPARE_PERSISTENT, &stmt, nullptr);
  if (rc != SQLITE_OK) return storage_error(db_, rc, sql);
  return Statement(db_, stmt);
}

Result<std::string> Database::query_text(std::string_view sql) {
  auto stmt = prepare(sql);
  if (!stmt) return stmt.error();
  auto row = stmt->step();
  if (!row) return row.error();
  if (!*row) return fail("not_found", std::string(sql));
  return stmt->column_text(0);
}

Status prepare_all(Database& db, std::initializer_list<StatementSql> items) {
  for (const StatementSql& item : items) {
    auto stmt = db.prepare(item.sql);
    if (!stmt) return stmt.error();
    *item.stmt = std::move(*stmt);
  }
  return Status::Ok();
}

}  // namespace isoloir::urn

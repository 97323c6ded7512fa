// The PostgreSQL backend of sql.h, on pg.h's connection (libpqxx 6; errors
// as values, reconnection after a restart, "storage_in_doubt" when a COMMIT
// was cut off). This file only adapts: `?` placeholders numbered, results
// read whole at the first step (the urn's queries return a few rows, or a
// page of the board), the writer's lock taken at begin_write.
#include <memory>
#include <optional>
#include <string>
#include <utility>

#include "db/pg.h"
#include "db/sql.h"

namespace isoloir::urn {
namespace {

// `?` placeholders numbered $1, $2, ... (outside quoted literals).
std::string numbered(std::string_view sql) {
  std::string out;
  out.reserve(sql.size() + 16);
  bool quoted = false;
  int n = 0;
  for (char ch : sql) {
    if (ch == '\'') quoted = !quoted;
    if (ch == '?' && !quoted) {
      out += '$' + std::to_string(++n);
    } else {
      out += ch;
    }
  }
  return out;
}

class PgStatement final : public SqlStatement {
 public:
  PgStatement(pg::Connection& conn, std::string name) : conn_(conn), name_(std::move(name)) {}
  void bind(int index, std::string_view text) override { params_.bind(index, text); }
  void bind_blob(int index, ByteView bytes) override { params_.bind_blob(index, bytes); }
  void bind(int index, int64_t value) override { params_.bind(index, value); }
  void bind_null(int index) override { params_.bind_null(index); }
  Result<bool> step() override {
    if (!result_) {
      auto r = conn_.exec(name_, params_);
      if (!r) return r.error();
      result_ = std::move(*r);
      row_ = 0;
    }
    if (row_ >= result_->size()) return false;
    ++row_;
    return true;
  }
  void reset() override {
    params_.clear();
    result_.reset();
    row_ = 0;
  }
  int64_t column_int(int index) const override { return pg::as_int(field(index)); }
  std::string column_text(int index) const override { return pg::as_text(field(index)); }
  Bytes column_blob(int index) const override { return pg::as_bytes(field(index)); }
  bool column_is_null(int index) const override { return field(index).is_null(); }

 private:
  pqxx::field field(int index) const {
    return (*result_)[static_cast<pqxx::result::size_type>(row_ - 1)][index];
  }

  pg::Connection& conn_;
  std::string name_;
  pg::Params params_;
  std::optional<pqxx::result> result_;
  size_t row_ = 0;  // rows stepped so far; the current row is row_ - 1
};

class PgConnection final : public SqlConnection {
 public:
  PgConnection(std::unique_ptr<pg::Connection> conn, std::string write_lock_sql)
      : conn_(std::move(conn)), write_lock_sql_(std::move(write_lock_sql)) {}

  Dialect dialect() const override { return Dialect::kPostgres; }

  Status exec(const std::string& sql) override {
    auto r = conn_->exec_sql(sql);
    if (!r) return r.error();
    return Status::Ok();
  }

  Result<Stmt> prepare(std::string_view sql) override {
    std::string name = "urn_" + std::to_string(conn_->statement_count() + 1);
    if (Status s = conn_->prepare(name, numbered(sql)); !s) return s.error();
    return Stmt(std::make_unique<PgStatement>(*conn_, std::move(name)));
  }

  Result<std::string> query_text(std::string_view sql) override {
    auto r = conn_->exec_sql(std::string(sql));
    if (!r) return r.error();
    if (r->empty()) return fail("not_found", std::string(sql));
    return pg::as_text((*r)[0][0]);
  }

  Status begin_write() override {
    if (Status s = conn_->begin(); !s) return s;
    if (auto r = conn_->exec_sql(write_lock_sql_); !r) {
      conn_->rollback();
      return r.error();
    }
    return Status::Ok();
  }
  Status commit() override {
    // pg.h forgets a transaction whose connection was lost: nothing to
    // commit, and nothing committed.
    if (!conn_->in_transaction()) {
      return fail(std::string(pg::kStorageUnavailable),
                  "the transaction was lost with its connection");
    }
    return conn_->commit();
  }
  void rollback() override { conn_->rollback(); }

 private:
  std::unique_ptr<pg::Connection> conn_;
  std::string write_lock_sql_;
};

}  // namespace

Result<std::unique_ptr<SqlConnection>> postgres_connection(const std::string& conninfo,
                                                           std::string write_lock_sql) {
  auto c = pg::Connection::open(conninfo);
  if (!c) return c.error();
  return std::unique_ptr<SqlConnection>(
      std::make_unique<PgConnection>(std::move(*c), std::move(write_lock_sql)));
}

}  // namespace isoloir::urn

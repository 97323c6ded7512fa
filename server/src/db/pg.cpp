#include "db/pg.h"

#include <libpq-fe.h>
#include <poll.h>

#include <exception>

namespace isoloir::pg {
namespace {

// The first line of libpq's message, without its "ERROR:  " prefix: the
// DETAIL lines may quote a row's values.
std::string first_line(std::string_view what) {
  what = what.substr(0, what.find('\n'));
  for (std::string_view prefix : {"ERROR:  ", "FATAL:  "}) {
    if (what.substr(0, prefix.size()) == prefix) what.remove_prefix(prefix.size());
  }
  return std::string(what);
}

std::string_view reason_of_sqlstate(std::string_view state) {
  const std::string_view klass = state.substr(0, 2);
  if (klass == "23") return kStorageConstraint;
  if (state == "40001" || state == "40P01") return kStorageConflict;
  // connection exceptions; the server shutting down or starting up
  if (klass == "08" || state == "57P01" || state == "57P02" || state == "57P03") {
    return kStorageUnavailable;
  }
  return kStorageError;
}

Error sql_failure(const pqxx::sql_error& e) {
  std::string detail = first_line(e.what());
  if (!e.sqlstate().empty()) detail += " (SQLSTATE " + e.sqlstate() + ")";
  return Error{std::string(reason_of_sqlstate(e.sqlstate())), std::move(detail)};
}

// What the exception `p` means, as a reason and a detail.
Error classify(const std::exception_ptr& p) {
  try {
    std::rethrow_exception(p);
  } catch (const pqxx::in_doubt_error& e) {
    return Error{std::string(kStorageInDoubt), first_line(e.what())};
  } catch (const pqxx::broken_connection& e) {
    return Error{std::string(kStorageUnavailable), first_line(e.what())};
  } catch (const pqxx::statement_completion_unknown& e) {
    return Error{std::string(kStorageInDoubt), first_line(e.what()) + " (SQLSTATE 40003)"};
  } catch (const pqxx::serialization_failure& e) {
    // libpqxx 6 throws these two apart from sql_error, without the SQLSTATE.
    return Error{std::string(kStorageConflict), first_line(e.what()) + " (SQLSTATE 40001)"};
  } catch (const pqxx::deadlock_detected& e) {
    return Error{std::string(kStorageConflict), first_line(e.what()) + " (SQLSTATE 40P01)"};
  } catch (const pqxx::sql_error& e) {
    return sql_failure(e);
  } catch (const std::exception& e) {
    return Error{std::string(kStorageError), first_line(e.what())};
  } catch (...) {
    return Error{std::string(kStorageError), "an exception that is not a std::exception"};
  }
}

// libpq's own parser, so that a typo is told apart from a server that is down.
Status check_conninfo(const std::string& conninfo) {
  char* message = nullptr;
  PQconninfoOption* options = PQconninfoParse(conninfo.c_str(), &message);
  if (options != nullptr) {
    PQconninfoFree(options);
    return Status::Ok();
  }
  std::string detail = message != nullptr ? first_line(message) : "out of memory";
  PQfreemem(message);
  return Error{std::string(kBadConninfo), "the PostgreSQL connection string: " + detail};
}

}  // namespace

// --- Params ------------------------------------------------------------------

std::optional<std::string>* Params::at(int index) {
  if (index < 1) return nullptr;  // as SQLite's SQLITE_RANGE, ignored
  const auto i = static_cast<size_t>(index - 1);
  if (values_.size() <= i) values_.resize(i + 1);
  return &values_[i];
}

void Params::bind(int index, std::string_view text) {
  if (auto* v = at(index)) *v = std::string(text);
}

void Params::bind(int index, int64_t value) {
  if (auto* v = at(index)) *v = std::to_string(value);
}

void Params::bind_blob(int index, ByteView bytes) {
  if (auto* v = at(index)) *v = "\\x" + hex_encode(bytes);
}

void Params::bind_null(int index) {
  if (auto* v = at(index)) v->reset();
}

std::vector<const char*> Params::pointers() const {
  std::vector<const char*> out;
  out.reserve(values_.size());
  for (const auto& v : values_) out.push_back(v ? v->c_str() : nullptr);
  return out;
}

// --- column readers ----------------------------------------------------------

int64_t as_int(const pqxx::field& f) noexcept {
  try {
    int64_t v = 0;
    return f.to(v) ? v : 0;
  } catch (...) {
    return 0;
  }
}

std::string as_text(const pqxx::field& f) {
  if (f.is_null()) return {};
  return std::string(f.c_str(), f.size());
}

Bytes as_bytes(const pqxx::field& f) {
  if (f.is_null()) return {};
  try {
    const pqxx::binarystring b(f);
    return Bytes(b.data(), b.data() + b.size());
  } catch (...) {
    return {};
  }
}

// --- Connection --------------------------------------------------------------

Result<std::unique_ptr<Connection>> Connection::open(const std::string& conninfo) {
  if (Status s = check_conninfo(conninfo); !s) return s.error();
  std::unique_ptr<Connection> c(new Connection(conninfo));
  if (Status s = c->ensure_connected(); !s) return s.error();
  return c;
}

std::unique_ptr<Connection> Connection::deferred(std::string conninfo) {
  return std::unique_ptr<Connection>(new Connection(std::move(conninfo)));
}

Connection::~Connection() {
  drop();
}

void Connection::drop() noexcept {
  tx_.reset();  // before its connection
  conn_.reset();
}

Error Connection::failed() noexcept {
  Error e = classify(std::current_exception());
  bool lost = e.reason == kStorageUnavailable || e.reason == kStorageInDoubt;
  if (!lost && conn_ != nullptr && !conn_->is_open()) {
    lost = true;
    e.reason = std::string(kStorageUnavailable);
  }
  if (lost) drop();
  return e;
}

bool Connection::idle_and_quiet() const noexcept {
  if (!conn_->is_open()) return false;
  // An idle connection has nothing to read (no LISTEN here): something to
  // read is the server's goodbye (a FATAL at shutdown) or the end of the
  // stream. libpq notices neither until the next query, which would then
  // fail; this finds it out first, without a round trip.
  pollfd p{conn_->sock(), POLLIN, 0};
  return p.fd >= 0 && poll(&p, 1, 0) == 0;
}

Status Connection::ensure_connected() {
  if (conn_ != nullptr && tx_ == nullptr && !idle_and_quiet()) drop();
  if (conn_ != nullptr) return Status::Ok();
  try {
    auto c = std::make_unique<pqxx::connection>(conninfo_);
    for (const auto& [name, sql] : statements_) c->prepare(name, sql);
    conn_ = std::move(c);
    return Status::Ok();
  } catch (...) {
    return failed();
  }
}

Status Connection::prepare(const std::string& name, const std::string& sql) {
  if (Status s = ensure_connected(); !s) return s;
  try {
    conn_->prepare(name, sql);
    conn_->prepare_now(name);
  } catch (...) {
    Error e = failed();
    if (conn_ != nullptr) {
      try {
        conn_->unprepare(name);
      } catch (...) {
        drop();  // cannot tell what it holds: start afresh at the next use
      }
    }
    e.detail = "preparing " + name + ": " + e.detail;
    return e;
  }
  statements_.emplace_back(name, sql);
  return Status::Ok();
}

void Connection::prepare_later(const std::string& name, const std::string& sql) {
  statements_.emplace_back(name, sql);
  if (conn_ == nullptr) return;
  try {
    conn_->prepare(name, sql);  // only recorded: libpqxx prepares it at its first use
  } catch (...) {
    drop();  // registered again, with the others, at the reconnection
  }
}

Status Connection::begin() {
  if (tx_ != nullptr) return fail(std::string(kStorageError), "a transaction is open already");
  for (int attempt = 0;; ++attempt) {
    const bool reused = conn_ != nullptr;
    if (Status s = ensure_connected(); !s) return s;
    try {
      tx_ = std::make_unique<pqxx::work>(*conn_);
      return Status::Ok();
    } catch (...) {
      Error e = failed();
      // BEGIN changes nothing, so on a connection that turns out dead it is
      // safe to try once more on a new one.
      if (e.reason != kStorageUnavailable || !reused || attempt > 0) return e;
    }
  }
}

Result<pqxx::result> Connection::exec(const std::string& name, const Params& params) {
  const std::vector<const char*> values = params.pointers();
  auto run = [&](pqxx::transaction_base& tx) -> Result<pqxx::result> {
    return tx.exec_prepared(name, pqxx::prepare::make_dynamic_params(values));
  };
  if (tx_ != nullptr) return guarded<Result<pqxx::result>>([&] { return run(*tx_); });
  return autocommit(run);
}

Result<pqxx::result> Connection::exec_sql(const std::string& sql) {
  auto run = [&](pqxx::transaction_base& tx) -> Result<pqxx::result> { return tx.exec(sql); };
  if (tx_ != nullptr) return guarded<Result<pqxx::result>>([&] { return run(*tx_); });
  return autocommit(run);
}

Status Connection::commit() {
  if (tx_ == nullptr) return fail(std::string(kStorageError), "commit without a transaction");
  try {
    tx_->commit();
    tx_.reset();
    return Status::Ok();
  } catch (...) {
    Error e = failed();
    tx_.reset();
    return e;
  }
}

void Connection::rollback() noexcept {
  if (tx_ == nullptr) return;
  try {
    tx_->abort();
  } catch (...) {
    (void)failed();  // a lost connection rolled it back anyway
  }
  tx_.reset();
}

// --- Pool ----------------------------------------------------------------------

Result<std::unique_ptr<Pool>> Pool::open(const std::string& conninfo, size_t size) {
  auto first = Connection::open(conninfo);
  if (!first) return first.error();
  std::unique_ptr<Pool> pool(new Pool(conninfo, size == 0 ? 1 : size));
  pool->idle_.push_back(std::move(*first));
  pool->made_ = 1;
  return pool;
}

Pool::Lease::~Lease() {
  if (pool_ == nullptr || conn_ == nullptr) return;
  conn_->rollback();
  pool_->give_back(std::move(conn_));
}

Pool::Lease Pool::lease() {
  std::unique_lock lock(mu_);
  returned_.wait(lock, [&] { return !idle_.empty() || made_ < size_; });
  std::unique_ptr<Connection> c;
  if (!idle_.empty()) {
    c = std::move(idle_.back());  // the most recently used: the likeliest to be warm
    idle_.pop_back();
  } else {
    c = Connection::deferred(conninfo_);
    ++made_;
  }
  for (size_t i = c->statement_count(); i < statements_.size(); ++i) {
    c->prepare_later(statements_[i].first, statements_[i].second);
  }
  return Lease(this, std::move(c));
}

void Pool::give_back(std::unique_ptr<Connection> conn) {
  {
    std::lock_guard lock(mu_);
    idle_.push_back(std::move(conn));
  }
  returned_.notify_one();
}

Status Pool::prepare(const std::vector<std::pair<std::string, std::string>>& statements) {
  // Checked on a connection of their own, so that a statement that does not
  // prepare leaves the pool's connections as they were.
  auto probe = Connection::open(conninfo_);
  if (!probe) return probe.error();
  for (const auto& [name, sql] : statements) {
    if (Status s = (*probe)->prepare(name, sql); !s) return s;
  }
  std::lock_guard lock(mu_);
  statements_.insert(statements_.end(), statements.begin(), statements.end());
  return Status::Ok();
}

// --- schema --------------------------------------------------------------------

Status create_schema(Connection& c, std::string_view name, const std::string& sql) {
  return c.transact([&](pqxx::work& tx) -> Status {
    tx.exec_params("SELECT pg_advisory_xact_lock(hashtextextended($1, 0))", std::string(name));
    tx.exec(sql);
    return Status::Ok();
  });
}

Status create_schema(Pool& pool, std::string_view name, const std::string& sql) {
  Pool::Lease c = pool.lease();
  return create_schema(*c, name, sql);
}

}  // namespace isoloir::pg

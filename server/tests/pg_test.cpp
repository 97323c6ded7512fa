// The PostgreSQL layer (pg.h) against a real server (scripts/pg.sh): a
// transaction commits or leaves nothing, libpqxx's exceptions come back as
// reasons (a unique violation, a lost race, a bad connection string, a
// server that is not there), and connections come back by themselves after
// the server restarts. Run alone (RUN_SERIAL in server.cmake): the restart
// cuts off every client of that server.
#include "db/pg.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <memory>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "pg_fixture.h"

namespace isoloir::pg {
namespace {

constexpr const char* kTable = R"sql(
CREATE TABLE IF NOT EXISTS kv (
  k BIGINT PRIMARY KEY,
  v TEXT,
  b BYTEA
);
)sql";

class PgTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ISOLOIR_NEED_PG();
    schema_ = std::make_unique<test::Schema>();
    ASSERT_TRUE(schema_->status().ok()) << schema_->status().error().message();
    conn_ = connect();
    ASSERT_NE(conn_, nullptr);
    ASSERT_TRUE(create_schema(*conn_, "pg_test", kTable).ok());
  }

  std::unique_ptr<Connection> connect() {
    auto c = Connection::open(schema_->conninfo());
    EXPECT_TRUE(c.ok()) << c.error().message();
    return c ? std::move(*c) : nullptr;
  }

  Status insert(Connection& c, int64_t k, const std::string& v) {
    return c.transact([&](pqxx::work& tx) -> Status {
      tx.exec_params("INSERT INTO kv(k, v) VALUES ($1, $2)", k, v);
      return Status::Ok();
    });
  }

  // The value at k, "" when there is none.
  std::string value(Connection& c, int64_t k) {
    auto r = c.autocommit([&](pqxx::nontransaction& tx) -> Result<std::string> {
      pqxx::result rows = tx.exec_params("SELECT v FROM kv WHERE k = $1", k);
      return rows.empty() ? std::string() : as_text(rows[0][0]);
    });
    EXPECT_TRUE(r.ok()) << r.error().message();
    return r ? *r : "";
  }

  std::unique_ptr<test::Schema> schema_;
  std::unique_ptr<Connection> conn_;
};

TEST_F(PgTest, ATransactionCommitsOnSuccessAndLeavesNothingOtherwise) {
  ASSERT_TRUE(insert(*conn_, 1, "kept").ok());

  auto refused = conn_->transact([&](pqxx::work& tx) -> Result<int> {
    tx.exec_params("INSERT INTO kv(k, v) VALUES ($1, $2)", 2, "refused");
    return fail("not_eligible", "the body's own refusal");
  });
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().reason, "not_eligible");  // the body's reason, unchanged

  auto thrown = conn_->transact([&](pqxx::work& tx) -> Status {
    tx.exec_params("INSERT INTO kv(k, v) VALUES ($1, $2)", 3, "thrown");
    throw std::runtime_error("something else went wrong");
  });
  ASSERT_FALSE(thrown.ok());
  EXPECT_EQ(thrown.error().reason, kStorageError);
  EXPECT_EQ(thrown.error().detail, "something else went wrong");

  auto bad_sql = conn_->transact([&](pqxx::work& tx) -> Status {
    tx.exec("SELECT * FROM no_such_table");
    return Status::Ok();
  });
  ASSERT_FALSE(bad_sql.ok());
  EXPECT_EQ(bad_sql.error().reason, kStorageError);
  EXPECT_NE(bad_sql.error().detail.find("no_such_table"), std::string::npos);
  EXPECT_NE(bad_sql.error().detail.find("42P01"), std::string::npos);

  // Another connection sees what was committed, and only that.
  auto other = connect();
  ASSERT_NE(other, nullptr);
  EXPECT_EQ(value(*other, 1), "kept");
  EXPECT_EQ(value(*other, 2), "");
  EXPECT_EQ(value(*other, 3), "");
}

TEST_F(PgTest, AUniqueViolationIsStorageConstraintAndTheConnectionGoesOn) {
  ASSERT_TRUE(insert(*conn_, 7, "first").ok());
  Status again = insert(*conn_, 7, "second");
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().reason, kStorageConstraint);
  EXPECT_NE(again.error().detail.find("23505"), std::string::npos) << again.error().detail;
  // Only the first line of the server's message: its DETAIL quotes the row.
  EXPECT_EQ(again.error().detail.find("second"), std::string::npos);

  // The same through a prepared statement, bound by index, in a transaction
  // held open by the caller.
  ASSERT_TRUE(conn_->prepare("kv_insert", "INSERT INTO kv(k, v, b) VALUES ($1, $2, $3)").ok());
  Params p;
  p.bind(1, int64_t{7});
  p.bind(2, "third");
  p.bind_null(3);
  ASSERT_TRUE(conn_->begin().ok());
  auto r = conn_->exec("kv_insert", p);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().reason, kStorageConstraint);
  conn_->rollback();

  // The connection is still good, and bytes and NULLs go through.
  const Bytes blob = {0, 1, 2, 0xff, 0};
  p.clear();
  p.bind(1, int64_t{8});
  p.bind_blob(3, blob);                           // $2 left unbound: NULL
  ASSERT_TRUE(conn_->exec("kv_insert", p).ok());  // committed on its own
  auto row = conn_->exec_sql("SELECT v, b, k FROM kv WHERE k = 8");
  ASSERT_TRUE(row.ok()) << row.error().message();
  ASSERT_EQ(row->size(), 1u);
  EXPECT_TRUE((*row)[0][0].is_null());
  EXPECT_EQ(as_text((*row)[0][0]), "");
  EXPECT_EQ(as_int((*row)[0][0]), 0);
  EXPECT_EQ(as_bytes((*row)[0][1]), blob);
  EXPECT_EQ(as_int((*row)[0][2]), 8);
}

TEST_F(PgTest, ALostRaceIsStorageConflictAndCanBeRunAgain) {
  ASSERT_TRUE(insert(*conn_, 1, "0").ok());
  auto other = connect();
  ASSERT_NE(other, nullptr);
  // Both read the row in REPEATABLE READ; the first updates and commits; the
  // second's update of a row changed since its snapshot is 40001.
  for (Connection* c : {conn_.get(), other.get()}) {
    ASSERT_TRUE(c->begin().ok());
    ASSERT_TRUE(c->exec_sql("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ").ok());
    ASSERT_TRUE(c->exec_sql("SELECT v FROM kv WHERE k = 1").ok());
  }
  ASSERT_TRUE(conn_->exec_sql("UPDATE kv SET v = 'first' WHERE k = 1").ok());
  ASSERT_TRUE(conn_->commit().ok());
  auto lost = other->exec_sql("UPDATE kv SET v = 'second' WHERE k = 1");
  ASSERT_FALSE(lost.ok());
  EXPECT_EQ(lost.error().reason, kStorageConflict);
  EXPECT_NE(lost.error().detail.find("40001"), std::string::npos) << lost.error().detail;
  other->rollback();

  int runs = 0;
  Status again = retry_conflicts(3, [&] {
    ++runs;
    return other->transact([&](pqxx::work& tx) -> Status {
      tx.exec("SET TRANSACTION ISOLATION LEVEL SERIALIZABLE");
      tx.exec("UPDATE kv SET v = 'second' WHERE k = 1");
      return Status::Ok();
    });
  });
  EXPECT_TRUE(again.ok()) << again.error().message();
  EXPECT_EQ(runs, 1);
  EXPECT_EQ(value(*conn_, 1), "second");
}

TEST_F(PgTest, ABadConnectionStringOrAMissingServerIsAClearError) {
  auto typo = Connection::open("dbname=isoloir colour=blue");
  ASSERT_FALSE(typo.ok());
  EXPECT_EQ(typo.error().reason, kBadConninfo);
  EXPECT_NE(typo.error().detail.find("colour"), std::string::npos) << typo.error().detail;

  auto garbage = Connection::open("postgresql://[::1");
  ASSERT_FALSE(garbage.ok());
  EXPECT_EQ(garbage.error().reason, kBadConninfo) << garbage.error().message();

  // No server there: libpq's reason, never the string and its password.
  auto nobody = Connection::open("postgresql://voter:s3cret@/isoloir?host=/nonexistent-dir");
  ASSERT_FALSE(nobody.ok());
  EXPECT_EQ(nobody.error().reason, kStorageUnavailable);
  EXPECT_NE(nobody.error().detail.find("/nonexistent-dir"), std::string::npos)
      << nobody.error().detail;
  EXPECT_EQ(nobody.error().detail.find("s3cret"), std::string::npos);

  auto no_database =
      Connection::open(test::with_search_path(test::url(), "public") + "&dbname=no_such_db");
  ASSERT_FALSE(no_database.ok());
  EXPECT_EQ(no_database.error().reason, kStorageUnavailable);
  EXPECT_NE(no_database.error().detail.find("no_such_db"), std::string::npos)
      << no_database.error().detail;

  auto pool = Pool::open("host=/nonexistent-dir", 2);
  ASSERT_FALSE(pool.ok());
  EXPECT_EQ(pool.error().reason, kStorageUnavailable);
}

TEST_F(PgTest, APoolLendsEachConnectionToOneThreadAtATime) {
  auto pool = Pool::open(schema_->conninfo(), 3);
  ASSERT_TRUE(pool.ok()) << pool.error().message();
  ASSERT_TRUE(insert(*conn_, 1, "0").ok());
  ASSERT_TRUE(
      (*pool)->prepare({{"kv_add", "UPDATE kv SET v = (v::bigint + $2)::text WHERE k = $1"}}).ok());
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 20; ++i) {
        Status s = (*pool)->transact([](pqxx::work& tx) -> Status {
          tx.exec_prepared("kv_add", 1, 1);
          return Status::Ok();
        });
        EXPECT_TRUE(s.ok()) << s.error().message();
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(value(*conn_, 1), "160");

  // A statement that does not prepare is refused at once, naming itself,
  // and the pool goes on.
  Status bad = (*pool)->prepare({{"kv_bad", "SELECT * FROM no_such_table"}});
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().reason, kStorageError);
  EXPECT_NE(bad.error().detail.find("kv_bad"), std::string::npos) << bad.error().detail;
  EXPECT_TRUE((*pool)
                  ->autocommit([](pqxx::nontransaction& tx) -> Status {
                    tx.exec_prepared("kv_add", 1, 1);
                    return Status::Ok();
                  })
                  .ok());
}

// scripts/pg.sh restart, on the server of ISOLOIR_PG_DIR.
void restart_postgres(const char* mode) {
  const std::string command = std::string("bash ") + ISOLOIR_PG_SCRIPT + " restart " + mode;
  ASSERT_EQ(std::system(command.c_str()), 0) << command;
}

TEST_F(PgTest, ConnectionsComeBackAfterTheServerRestarts) {
  if (std::getenv("ISOLOIR_PG_DIR") == nullptr) {
    if (test::required()) FAIL() << "ISOLOIR_REQUIRE_PG=1 but no ISOLOIR_PG_DIR to restart";
    GTEST_SKIP() << "no ISOLOIR_PG_DIR: start the server with scripts/pg.sh to test a restart";
  }
  ASSERT_TRUE(conn_->prepare("kv_get", "SELECT v FROM kv WHERE k = $1").ok());
  auto pool = Pool::open(schema_->conninfo(), 2);
  ASSERT_TRUE(pool.ok()) << pool.error().message();
  ASSERT_TRUE((*pool)->prepare({{"kv_put", "INSERT INTO kv(k, v) VALUES ($1, $2)"}}).ok());
  // Both of the pool's connections opened before the restart.
  {
    Pool::Lease a = (*pool)->lease();
    Pool::Lease b = (*pool)->lease();
    for (Connection* c : {&*a, &*b}) {
      ASSERT_TRUE(c->autocommit([](pqxx::nontransaction& tx) -> Status {
                     tx.exec("SELECT 1");
                     return Status::Ok();
                   }).ok());
    }
  }
  ASSERT_TRUE(insert(*conn_, 1, "committed before").ok());
  // A transaction open across the restart is lost, and says so.
  auto in_flight = connect();
  ASSERT_NE(in_flight, nullptr);
  ASSERT_TRUE(in_flight->begin().ok());
  ASSERT_TRUE(in_flight->exec_sql("INSERT INTO kv(k, v) VALUES (2, 'in flight')").ok());

  restart_postgres("fast");

  auto cut = in_flight->exec_sql("INSERT INTO kv(k, v) VALUES (3, 'after')");
  ASSERT_FALSE(cut.ok());
  EXPECT_EQ(cut.error().reason, kStorageUnavailable) << cut.error().message();
  in_flight->rollback();
  // The next use of every connection reconnects, its statements prepared again.
  EXPECT_TRUE(insert(*in_flight, 4, "reconnected").ok());
  Params key;
  key.bind(1, int64_t{1});
  auto got = conn_->exec("kv_get", key);
  ASSERT_TRUE(got.ok()) << got.error().message();
  ASSERT_EQ(got->size(), 1u);
  EXPECT_EQ(as_text((*got)[0][0]), "committed before");
  {
    Pool::Lease a = (*pool)->lease();
    Pool::Lease b = (*pool)->lease();
    int64_t k = 10;
    for (Connection* c : {&*a, &*b}) {
      Status s = c->transact([&](pqxx::work& tx) -> Status {
        tx.exec_prepared("kv_put", k++, "through the pool");
        return Status::Ok();
      });
      EXPECT_TRUE(s.ok()) << s.error().message();
    }
  }
  EXPECT_EQ(value(*conn_, 2), "");  // the transaction cut off left nothing
  EXPECT_EQ(value(*conn_, 4), "reconnected");
  EXPECT_EQ(value(*conn_, 10), "through the pool");
  EXPECT_EQ(value(*conn_, 11), "through the pool");

  // A crash (immediate stop, recovery at start) keeps what was committed.
  restart_postgres("immediate");
  EXPECT_EQ(value(*conn_, 4), "reconnected");
}

}  // namespace
}  // namespace isoloir::pg

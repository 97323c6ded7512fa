// The PostgreSQL the tests run against: the server of scripts/pg.sh, named
// by ISOLOIR_PG_URL. Without it the tests skip, saying how to run them, or
// fail when ISOLOIR_REQUIRE_PG=1 (scripts/test.sh sets it: there a missing
// server is a broken run, not a reason to pass). Each test works in a schema
// of its own, so that tests running at once (ctest -j) never see each
// other's rows, and drops it at the end.
#ifndef ISOLOIR_SERVER_TESTS_PG_FIXTURE_H_
#define ISOLOIR_SERVER_TESTS_PG_FIXTURE_H_

#include <gtest/gtest.h>
#include <unistd.h>

#include <array>
#include <cstdlib>
#include <memory>
#include <string>

#include "db/pg.h"
#include "isoloir/bytes.h"
#include "isoloir/random.h"

namespace isoloir::pg::test {

inline constexpr const char* kHowToRun =
    "no PostgreSQL: set ISOLOIR_PG_URL, e.g. (as root) eval \"$(bash scripts/pg.sh start)\", "
    "then run the test again; bash scripts/pg.sh stop at the end";

// ISOLOIR_PG_URL, or empty.
inline std::string url() {
  const char* v = std::getenv("ISOLOIR_PG_URL");
  return v != nullptr ? v : "";
}

inline bool required() {
  const char* v = std::getenv("ISOLOIR_REQUIRE_PG");
  return v != nullptr && std::string(v) == "1";
}

// `conninfo` with `schema` first in the search path, so that the stores'
// unqualified table names land there. Both forms of connection string.
inline std::string with_search_path(const std::string& conninfo, const std::string& schema) {
  if (conninfo.rfind("postgresql://", 0) == 0 || conninfo.rfind("postgres://", 0) == 0) {
    const char sep = conninfo.find('?') == std::string::npos ? '?' : '&';
    return conninfo + sep + "options=-c%20search_path%3D" + schema;
  }
  return conninfo + " options='-c search_path=" + schema + "'";
}

// A schema of the test's own, made now and dropped (with all it holds) when
// this ends.
class Schema {
 public:
  Schema() {
    std::array<uint8_t, 6> raw{};
    random_bytes(raw);
    name_ = "t_" + std::to_string(getpid()) + "_" + hex_encode(raw);
    auto c = Connection::open(url());
    if (!c) {
      status_ = c.error();
      return;
    }
    admin_ = std::move(*c);
    if (auto r = admin_->exec_sql("CREATE SCHEMA " + name_); !r) status_ = r.error();
  }
  ~Schema() {
    if (admin_ != nullptr) (void)admin_->exec_sql("DROP SCHEMA IF EXISTS " + name_ + " CASCADE");
  }
  Schema(const Schema&) = delete;
  Schema& operator=(const Schema&) = delete;

  const Status& status() const { return status_; }
  const std::string& name() const { return name_; }
  // ISOLOIR_PG_URL in this schema.
  std::string conninfo() const { return with_search_path(url(), name_); }

 private:
  std::string name_;
  Status status_;
  std::unique_ptr<Connection> admin_;
};

}  // namespace isoloir::pg::test

// In a test's body or SetUp: skips the test when there is no PostgreSQL, or
// fails it if one is required.
#define ISOLOIR_NEED_PG()                                                        \
  do {                                                                           \
    if (::isoloir::pg::test::url().empty()) {                                    \
      if (::isoloir::pg::test::required()) {                                     \
        FAIL() << "ISOLOIR_REQUIRE_PG=1 but " << ::isoloir::pg::test::kHowToRun; \
      } else {                                                                   \
        GTEST_SKIP() << ::isoloir::pg::test::kHowToRun;                          \
      }                                                                          \
    }                                                                            \
  } while (0)

#endif  // ISOLOIR_SERVER_TESTS_PG_FIXTURE_H_

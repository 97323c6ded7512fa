// A throw-away PostgreSQL database for one test, in the cluster that
// ISOLOIR_PG_URL names (scripts/pg.sh start): created empty, dropped at
// the end. The urn's tests run a second time on PostgreSQL
// (ISOLOIR_URN_BACKEND=postgres, see server/server.cmake): every TempDir
// then names a database of its own in its postgres.conninfo.
#ifndef ISOLOIR_SERVER_TESTS_PG_SCRATCH_H_
#define ISOLOIR_SERVER_TESTS_PG_SCRATCH_H_

#include <string>

namespace isoloir::urn::test {

// Whether the tests are asked to run on PostgreSQL (ISOLOIR_URN_BACKEND).
bool postgres_backend();

class ScratchDatabase {
 public:
  // Creates a database; aborts the test program with the reason if the
  // cluster cannot be reached (a misconfigured run must not pass).
  ScratchDatabase();
  ScratchDatabase(const ScratchDatabase&) = delete;
  ScratchDatabase& operator=(const ScratchDatabase&) = delete;
  ~ScratchDatabase();

  // libpq key=value connection string of the new database.
  const std::string& conninfo() const { return conninfo_; }

 private:
  std::string name_;
  std::string admin_;  // the connection string of ISOLOIR_PG_URL's database
  std::string conninfo_;
};

}  // namespace isoloir::urn::test

#endif  // ISOLOIR_SERVER_TESTS_PG_SCRATCH_H_

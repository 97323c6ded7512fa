#include "pg_scratch.h"

#include <libpq-fe.h>
#include <sodium.h>

#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>

namespace isoloir::urn::test {
namespace {

[[noreturn]] void die(const std::string& what) {
  std::fprintf(stderr, "pg scratch: %s\n", what.c_str());
  std::abort();
}

// 'value' as libpq's key=value syntax quotes it.
std::string quoted(const char* value) {
  std::string out = "'";
  for (const char* p = value; *p != '\0'; ++p) {
    if (*p == '\'' || *p == '\\') out += '\\';
    out += *p;
  }
  return out + "'";
}

// ISOLOIR_PG_URL's parameters with another database name.
std::string with_dbname(const std::string& url, const std::string& dbname) {
  char* err = nullptr;
  std::unique_ptr<PQconninfoOption, void (*)(PQconninfoOption*)> opts(
      PQconninfoParse(url.c_str(), &err), PQconninfoFree);
  if (!opts) {
    const std::string why = err != nullptr ? err : "out of memory";
    PQfreemem(err);
    die("ISOLOIR_PG_URL: " + why);
  }
  std::string out;
  for (const PQconninfoOption* o = opts.get(); o->keyword != nullptr; ++o) {
    if (o->val == nullptr || std::string(o->keyword) == "dbname") continue;
    out += std::string(o->keyword) + "=" + quoted(o->val) + " ";
  }
  return out + "dbname=" + quoted(dbname.c_str());
}

void run(const std::string& conninfo, const std::string& sql) {
  std::unique_ptr<PGconn, void (*)(PGconn*)> c(PQconnectdb(conninfo.c_str()), PQfinish);
  if (PQstatus(c.get()) != CONNECTION_OK) die(PQerrorMessage(c.get()));
  std::unique_ptr<PGresult, void (*)(PGresult*)> r(PQexec(c.get(), sql.c_str()), PQclear);
  if (PQresultStatus(r.get()) != PGRES_COMMAND_OK) die(sql + ": " + PQerrorMessage(c.get()));
}

std::string pg_url() {
  const char* url = std::getenv("ISOLOIR_PG_URL");
  if (url == nullptr || *url == '\0') {
    die("ISOLOIR_URN_BACKEND=postgres needs ISOLOIR_PG_URL (eval \"$(bash scripts/pg.sh start)\")");
  }
  return url;
}

}  // namespace

bool postgres_backend() {
  const char* b = std::getenv("ISOLOIR_URN_BACKEND");
  return b != nullptr && std::string(b) == "postgres";
}

ScratchDatabase::ScratchDatabase() {
  const std::string url = pg_url();
  unsigned char r[8];
  randombytes_buf(r, sizeof r);
  name_ = "isoloir_test_";
  for (unsigned char b : r) {
    name_ += "0123456789abcdef"[b >> 4];
    name_ += "0123456789abcdef"[b & 15];
  }
  admin_ = with_dbname(url, "postgres");
  run(admin_, "CREATE DATABASE " + name_);
  conninfo_ = with_dbname(url, name_);
}

ScratchDatabase::~ScratchDatabase() {
  // FORCE: a server a test killed may still hold a connection.
  std::unique_ptr<PGconn, void (*)(PGconn*)> c(PQconnectdb(admin_.c_str()), PQfinish);
  if (PQstatus(c.get()) != CONNECTION_OK) return;
  PQclear(PQexec(c.get(), ("DROP DATABASE IF EXISTS " + name_ + " WITH (FORCE)").c_str()));
}

}  // namespace isoloir::urn::test

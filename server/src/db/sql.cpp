#include "db/sql.h"

namespace isoloir::urn {

Status Stmt::run() {
  auto r = step();
  if (!r) return r.error();
  return Status::Ok();
}

Status prepare_all(SqlConnection& db, std::initializer_list<StmtSql> items) {
  for (const StmtSql& item : items) {
    auto s = db.prepare(item.sql);
    if (!s) return s.error();
    *item.stmt = std::move(*s);
  }
  return Status::Ok();
}

}  // namespace isoloir::urn

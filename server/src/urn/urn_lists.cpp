// The electoral lists: a voter found by any word of the name.
#include "urn/urn_state.h"

namespace isoloir::urn {

// The statements of this part, on connection `c`.
Status Urn::State::Statements::Lists::prepare(SqlConnection& c) {
  return prepare_all(
      c,
      {
          {&insert_elector_key,
           "INSERT INTO emargement.elector_keys(scrutin, key, voter_id) VALUES(?, ?, ?) "
           "ON CONFLICT DO NOTHING"},
          {&electors_count,
           "SELECT count(DISTINCT voter_id) FROM emargement.elector_keys "
           "WHERE scrutin = ? AND key >= ? AND key < ?"},
          {&electors_page,
           "SELECT v.name FROM emargement.voters v WHERE v.id IN ("
           "SELECT voter_id FROM emargement.elector_keys WHERE scrutin = ? AND key >= ? AND key < "
           "?) "
           "ORDER BY v.name_key, v.id LIMIT ? OFFSET ?"},
      });
}

Result<ElectorPage> Urn::electors(std::string_view scrutin, std::string_view query, uint64_t from,
                                  uint64_t limit) const {
  auto folded = text::fold(query);
  if (!folded) return fail("bad_query", "the name to search is empty or not text");
  const std::string end = prefix_end(*folded);
  constexpr auto kMax = static_cast<uint64_t>(std::numeric_limits<int64_t>::max());
  std::lock_guard lock(s_->read_mu);
  State& s = *s_;
  ElectorPage page;
  {
    StmtScope st(s.rq.lists.electors_count);
    st->bind(1, scrutin);
    st->bind(2, *folded);
    st->bind(3, end);
    auto row = st->step();
    if (!row) return row.error();
    page.total = *row ? static_cast<uint64_t>(st->column_int(0)) : 0;
  }
  StmtScope st(s.rq.lists.electors_page);
  st->bind(1, scrutin);
  st->bind(2, *folded);
  st->bind(3, end);
  st->bind(4, static_cast<int64_t>(std::min(limit, kMax)));
  st->bind(5, static_cast<int64_t>(std::min(from, kMax)));
  for (;;) {
    auto row = st->step();
    if (!row) return row.error();
    if (!*row) return page;
    page.names.push_back(st->column_text(0));
  }
}

}  // namespace isoloir::urn

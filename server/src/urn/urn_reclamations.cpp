// The voters' complaints.
#include "urn/urn_state.h"

namespace isoloir::urn {

// The statements of this part, on connection `c`.
Status Urn::State::Statements::Reclamations::prepare(SqlConnection& c) {
  return prepare_all(
      c,
      {
          {&count_reclamations, "SELECT count(*) FROM emargement.reclamations WHERE voter_id = ?"},
          {&insert_reclamation,
           "INSERT INTO emargement.reclamations(voter_id, scrutin, filed_at, text) VALUES(?, ?, ?, "
           "?) RETURNING id"},
      });
}

Result<int64_t> Urn::file_reclamation(std::string_view voter, std::string_view scrutin,
                                      std::string_view text, const Timestamp& now) {
  if (text.empty() || text.size() > kMaxReclamationBytes || !text::valid_utf8(text) ||
      !is_text_field(text)) {
    return fail("malformed",
                "the text must be 1 to " + std::to_string(kMaxReclamationBytes) + " bytes of text");
  }
  std::lock_guard lock(s_->mu);
  State& s = *s_;
  auto found = State::find_voter(s.q, voter);
  if (!found) return found.error();
  const int64_t voter_id = found->first;
  {
    StmtScope st(s.q.registry.eligible);
    st->bind(1, voter_id);
    st->bind(2, scrutin);
    auto row = st->step();
    if (!row) return row.error();
    if (!*row) return fail("not_eligible", "the voter is not on the list of this scrutin");
  }
  {
    StmtScope st(s.q.reclamations.count_reclamations);
    st->bind(1, voter_id);
    auto row = st->step();
    if (!row) return row.error();
    if (*row && st->column_int(0) >= kMaxReclamationsPerVoter) {
      return fail("too_many_reclamations",
                  "at most " + std::to_string(kMaxReclamationsPerVoter) + " per voter");
    }
  }
  StmtScope st(s.q.reclamations.insert_reclamation);
  st->bind(1, voter_id);
  st->bind(2, scrutin);
  st->bind(3, whole_seconds(now).to_string());
  st->bind(4, text);
  auto inserted = st->step();
  if (!inserted) return inserted.error();
  if (!*inserted) return fail(std::string(kStorageError), "no reclamation id");
  return st->column_int(0);
}

Result<std::vector<Reclamation>> read_reclamations(const std::string& dir) {
  auto c = open_side(dir, true);
  if (!c) return c.error();
  auto st = c->db->prepare(
      "SELECT r.id, r.filed_at, v.identifier, r.scrutin, r.text FROM emargement.reclamations r "
      "JOIN emargement.voters v ON v.id = r.voter_id ORDER BY r.id");
  if (!st) return st.error();
  std::vector<Reclamation> out;
  for (;;) {
    auto row = st->step();
    if (!row) return row.error();
    if (!*row) return out;
    out.push_back(Reclamation{st->column_int(0), st->column_text(1), st->column_text(2),
                              st->column_text(3), st->column_text(4)});
  }
}

}  // namespace isoloir::urn

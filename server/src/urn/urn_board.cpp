// The board: ballots in log order, signed tree heads, the Merkle log, and
// the proofs served from them. Readers use their own connection (read_mu).
#include "urn/urn_state.h"

namespace isoloir::urn {

// The statements of this part, on connection `c`.
Status Urn::State::Statements::Board::prepare(SqlConnection& c) {
  return prepare_all(
      c,
      {
          {&insert_ballot,
           "INSERT INTO main.ballots(log_index, reference, scrutin, received_at, ballot) "
           "VALUES(?, ?, ?, ?, ?)"},
          {&insert_tree_head,
           "INSERT INTO main.tree_heads(size, root, signed_at, document) VALUES(?, ?, ?, ?)"},
          {&ballots_from,
           "SELECT log_index, received_at, reference, scrutin, ballot FROM main.ballots "
           "WHERE log_index >= ? ORDER BY log_index LIMIT ?"},
          {&ballot_by_reference,
           "SELECT log_index, received_at, reference, scrutin, ballot FROM main.ballots "
           "WHERE reference = ?"},
          {&tree_head_by_size, "SELECT size, root, document FROM main.tree_heads WHERE size = ?"},
          {&latest_tree_head,
           "SELECT size, root, document FROM main.tree_heads ORDER BY size DESC LIMIT 1"},
          {&leaves_from,
           "SELECT log_index, reference FROM main.ballots WHERE log_index >= ? ORDER BY "
           "log_index LIMIT ?"},
      });
}

// Rebuilds the in-memory Merkle log from the ballot table (at open).
Status Urn::State::reload_log(Statements& st) {
  std::unique_lock lock(log_mu);
  log = MerkleLog();
  return append_committed(st);
}

// Appends to the in-memory log the ballots committed since it was last read:
// none with SQLite (this process is the only writer), the other servers'
// with PostgreSQL. Under the sequencer's lock (in a write transaction) the
// log is then the whole committed log, and the next index is its size.
Status Urn::State::catch_up(Statements& st) {
  std::unique_lock lock(log_mu);
  return append_committed(st);
}

// Drops a write group's leaves that no commit kept (the group failed): the
// log is the committed log again, without reading it back. A commit cut off
// on its way that did keep them brings them back at the next catch_up.
void Urn::State::cut_back(uint64_t committed) {
  std::unique_lock lock(log_mu);
  log.truncate(committed);
}

// catch_up, only when the log lacks leaves of a committed head of `size`:
// a reader asks the database only for what another server appended.
Status Urn::State::catch_up_to(Statements& st, uint64_t size) {
  if (log_size() >= size) return Status::Ok();
  return catch_up(st);
}

uint64_t Urn::State::log_size() const {
  std::shared_lock lock(log_mu);
  return log.size();
}

Status Urn::State::append_committed(Statements& stmts) {
  // In pages: a server starting on a database of millions of ballots
  // holds one page of references at a time, not all of them (PostgreSQL's
  // results are read whole).
  for (;;) {
    StmtScope st(stmts.board.leaves_from);
    st->bind(1, static_cast<int64_t>(log.size()));
    st->bind(2, static_cast<int64_t>(options.leaves_per_query));
    uint64_t rows = 0;
    for (uint64_t expected = log.size();; ++expected) {
      auto row = st->step();
      if (!row) return row.error();
      if (!*row) break;
      if (st->column_int(0) != static_cast<int64_t>(expected)) {
        return fail("corrupt_store", "ballots: log index " + std::to_string(expected) + " missing");
      }
      auto digest = base64url_decode_fixed<32>(st->column_text(1), "ballots.reference");
      if (!digest) return fail("corrupt_store", digest.error().message());
      log.append(*digest);
      ++rows;
    }
    if (rows < options.leaves_per_query) return Status::Ok();
  }
}

Result<StoredTreeHead> Urn::State::read_tree_head(Stmt& stmt) {
  StmtScope st(stmt);
  auto row = st->step();
  if (!row) return row.error();
  if (!*row) return fail("not_found", "no signed tree head");
  StoredTreeHead head;
  head.size = static_cast<uint64_t>(st->column_int(0));
  const Bytes root = st->column_blob(1);
  if (root.size() != head.root.size()) return fail("corrupt_store", "tree_heads.root");
  std::copy(root.begin(), root.end(), head.root.begin());
  head.document = st->column_text(2);
  return head;
}

// The readers below use their own connection (read_mu), never the writer's
// (mu): the board and the voters' pages do not wait for a write group. They
// see committed rows only; the size of the log is the latest signed head's
// (every commit signs one), not the in-memory log's, which may hold a group
// being written.
uint64_t Urn::size() const {
  std::lock_guard lock(s_->read_mu);
  auto head = s_->read_tree_head(s_->rq.board.latest_tree_head);
  return head ? head->size : 0;
}

Result<std::vector<BoardBallot>> Urn::State::read_ballots(uint64_t from, uint64_t limit) {
  constexpr auto kMax = static_cast<uint64_t>(std::numeric_limits<int64_t>::max());
  StmtScope st(rq.board.ballots_from);
  st->bind(1, static_cast<int64_t>(std::min(from, kMax)));
  st->bind(2, static_cast<int64_t>(std::min(limit, kMax)));
  std::vector<BoardBallot> out;
  for (;;) {
    auto row = st->step();
    if (!row) return row.error();
    if (!*row) return out;
    out.push_back(BoardBallot{static_cast<uint64_t>(st->column_int(0)), st->column_text(1),
                              st->column_text(2), st->column_text(3), st->column_text(4)});
  }
}

Result<std::vector<BoardBallot>> Urn::ballots(uint64_t from, uint64_t limit) const {
  std::lock_guard lock(s_->read_mu);
  return s_->read_ballots(from, limit);
}

Result<BallotInclusion> Urn::ballot(std::string_view reference) const {
  std::lock_guard lock(s_->read_mu);
  State& s = *s_;
  BallotInclusion out;
  {
    StmtScope st(s.rq.board.ballot_by_reference);
    st->bind(1, reference);
    auto row = st->step();
    if (!row) return row.error();
    if (!*row) return fail("not_found", "no ballot with this reference");
    out.ballot = BoardBallot{static_cast<uint64_t>(st->column_int(0)), st->column_text(1),
                             st->column_text(2), st->column_text(3), st->column_text(4)};
  }
  auto head = s.read_tree_head(s.rq.board.latest_tree_head);
  if (!head) return head.error();
  out.tree_head = std::move(*head);
  // The head is committed: the log holds its leaves once caught up.
  if (Status st = s.catch_up_to(s.rq, out.tree_head.size); !st) return st.error();
  std::shared_lock log(s.log_mu);
  auto path = s.log.inclusion_proof(out.ballot.log_index, out.tree_head.size);
  if (!path) return path.error();
  out.path = std::move(*path);
  return out;
}

Result<StoredTreeHead> Urn::latest_tree_head() const {
  std::lock_guard lock(s_->read_mu);
  auto head = s_->read_tree_head(s_->rq.board.latest_tree_head);
  if (!head && head.error().reason == "not_found") return fail("empty_log", "no ballot yet");
  return head;
}

Result<StoredTreeHead> Urn::tree_head(uint64_t size) const {
  std::lock_guard lock(s_->read_mu);
  constexpr auto kMax = static_cast<uint64_t>(std::numeric_limits<int64_t>::max());
  s_->rq.board.tree_head_by_size.bind(1, static_cast<int64_t>(std::min(size, kMax)));
  return s_->read_tree_head(s_->rq.board.tree_head_by_size);
}

Result<std::vector<merkle::Hash>> Urn::consistency_proof(uint64_t first, uint64_t second) const {
  std::lock_guard lock(s_->read_mu);
  State& s = *s_;
  // Between committed sizes only: the in-memory log may hold a group being
  // written beyond the latest signed head.
  auto head = s.read_tree_head(s.rq.board.latest_tree_head);
  if (!head && head.error().reason != "not_found") return head.error();
  const uint64_t committed = head ? head->size : 0;
  if (second > committed) {
    return fail("bad_proof_request", "consistency of " + std::to_string(first) + " and " +
                                         std::to_string(second) + " of " +
                                         std::to_string(committed) + " leaves");
  }
  if (Status st = s.catch_up_to(s.rq, second); !st) return st.error();
  std::shared_lock log(s.log_mu);
  return s.log.consistency_proof(first, second);
}

Result<RecordFiles> Urn::export_record() const {
  const auto m = s_->current_manifest();
  if (!m) return fail("no_election", "no election is loaded");
  std::lock_guard lock(s_->read_mu);
  return closing::export_files(*s_->rdb, *m);
}

Result<std::string> Urn::published(std::string_view name) const {
  std::lock_guard lock(s_->read_mu);
  return closing::published(*s_->rdb, name);
}

}  // namespace isoloir::urn

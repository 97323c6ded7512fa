// Casting: the stateful checks and the write groups, which compose the
// registry's émargement and the board's append in one transaction.
#include "urn/urn_state.h"

namespace isoloir::urn {

// The stateful checks and the writes of one cast inside the batch's
// transaction; a refusal writes nothing. The émargement goes in first so
// that its UNIQUE constraint, not the ballot's, is what a double vote runs
// into; the log takes the ballot only once nothing can refuse it.
Result<CastReceipt> Urn::State::write_cast(const Manifest& m, const Cast& c, bool& appended) {
  const VerifiedBallot& ballot = *c.ballot;
  auto found = find_voter(q, c.voter);
  if (!found) return found.error();
  const auto& [voter_id, pseudonym] = *found;

  // The ballot's credential event, if it is this voter's: someone else's
  // credential is as unknown to this voter as an unregistered one.
  std::optional<CredentialEvent> event;
  {
    StmtScope st(q.registry.credential_by_key);
    st->bind_blob(1, ballot.credential);
    auto row = st->step();
    if (!row) return row.error();
    if (*row && st->column_int(0) == voter_id) {
      CredentialEvent e{pseudonym, ballot.credential, {}, std::nullopt};
      auto issued = stored_time(st->column_text(1));
      if (!issued) return issued.error();
      e.issued_at = *issued;
      if (!st->column_is_null(2)) {
        auto revoked = stored_time(st->column_text(2));
        if (!revoked) return revoked.error();
        e.revoked_at = *revoked;
      }
      event = std::move(e);
    }
  }
  bool voted = false;
  {
    StmtScope st(q.registry.has_voted);
    st->bind(1, voter_id);
    st->bind(2, ballot.scrutin);
    auto row = st->step();
    if (!row) return row.error();
    voted = *row;
  }
  if (Status st = admission_check(m, event ? &*event : nullptr, c.at, voted); !st) {
    return st.error();
  }
  {
    // Closed early by the admin (or at closes_at while this cast waited
    // for the writer): the final tree head is signed, nothing joins it.
    StmtScope st(q.election.closed_at);
    auto row = st->step();
    if (!row) return row.error();
    if (*row) return fail("window_closed", "the vote was closed at " + st->column_text(0));
  }
  {
    StmtScope st(q.registry.eligible);
    st->bind(1, voter_id);
    st->bind(2, ballot.scrutin);
    auto row = st->step();
    if (!row) return row.error();
    if (!*row) return fail("not_eligible", "the voter is not on the list of " + ballot.scrutin);
  }

  const std::string at = c.at.to_string();
  SignedDocument emargement = sign_emargement(key, m.hash_b64, ballot.scrutin, pseudonym, c.at);
  {
    StmtScope st(q.registry.insert_emargement);
    st->bind(1, voter_id);
    st->bind(2, ballot.scrutin);
    st->bind(3, at);
    st->bind(4, emargement.bytes);
    // No row back: the UNIQUE (voter, scrutin) kept an earlier émargement
    // (in PostgreSQL a violation would abort the whole group's transaction).
    auto inserted = st->step();
    if (!inserted) return inserted.error();
    if (!*inserted) return fail("already_voted", "a ballot is already recorded");
  }
  // From here a failure is the store's and fails the whole batch. Each
  // ballot keeps its own signed tree head, the one "just after this ballot
  // was appended" (PROTOCOL.md section 6): signing is microseconds, the
  // fsyncs a batch saves are milliseconds.
  uint64_t index = 0;
  merkle::Hash root{};
  {
    std::unique_lock lock(log_mu);
    index = log.append(ballot.digest);
    root = log.root();
  }
  appended = true;
  SignedDocument head = sign_tree_head(key, m.hash_b64, index + 1, root, c.at);
  SignedDocument deposit =
      sign_deposit(key, m.hash_b64, ballot.scrutin, ballot.reference, c.at, index, head.document);
  {
    StmtScope st(q.board.insert_ballot);
    st->bind(1, static_cast<int64_t>(index));
    st->bind(2, ballot.reference);
    st->bind(3, ballot.scrutin);
    st->bind(4, at);
    st->bind(5, c.bytes);
    if (Status r = st->run(); !r) return r.error();
  }
  {
    StmtScope st(q.board.insert_tree_head);
    st->bind(1, static_cast<int64_t>(index + 1));
    st->bind_blob(2, root);
    st->bind(3, at);
    st->bind(4, head.bytes);
    if (Status r = st->run(); !r) return r.error();
  }
  return CastReceipt{ballot.reference, index, std::move(deposit.bytes),
                     std::move(emargement.bytes)};
}

// Writes a group of casts in one transaction (one set of fsyncs for all):
// each cast's refusal is its own, a storage failure is everyone's. The
// results are in the batch's order.
std::vector<Result<CastReceipt>> Urn::State::write_batch(const Manifest& m,
                                                         const std::vector<Cast*>& batch) {
  std::vector<Result<CastReceipt>> out;
  out.reserve(batch.size());
  auto everyone = [&](const Error& e) {
    out.assign(batch.size(), Result<CastReceipt>(e));
    return std::move(out);
  };
  // The write lock (BEGIN IMMEDIATE; PostgreSQL's sequencer row) before the
  // reads, so the checks and the writes see one state; then the log of
  // every commit so far, whichever server made it.
  if (Status st = begin(); !st) return everyone(st.error());
  if (Status st = catch_up(q); !st) {
    rollback();
    return everyone(st.error());
  }
  const uint64_t committed = log_size();
  for (const Cast* c : batch) {
    // A refusal comes before the append and writes nothing, and is this
    // cast's answer alone.
    bool this_appended = false;
    auto r = write_cast(m, *c, this_appended);
    // A failure of the store itself (a lost connection, an I/O error)
    // leaves the transaction unusable: everyone's, not this cast's.
    if (!r && (this_appended || r.error().reason.rfind("storage_", 0) == 0 ||
               r.error().reason == "corrupt_store")) {
      rollback();
      cut_back(committed);
      return everyone(r.error());
    }
    out.push_back(std::move(r));
  }
  if (Status st = commit(); !st) {
    // The log took ballots the database did not keep (or, cut off on its
    // way, may have: then the next catch_up reads them back).
    cut_back(committed);
    return everyone(st.error());
  }
  // Only now, with both files durable, may the deposit proofs leave.
  return out;
}

Result<CastReceipt> Urn::cast(std::string_view voter, std::string_view ballot_bytes,
                              const Timestamp& now) {
  const std::shared_ptr<const Manifest> m = s_->current_manifest();
  if (!m) return fail("no_election", "no election is loaded");
  // The stateless checks, the costly part (milliseconds of group
  // operations), run outside any lock, on every core.
  s_->verifiers.acquire();
  auto ballot = verify_ballot(*m, ballot_bytes);
  s_->verifiers.release();
  if (!ballot) return ballot.error();

  // The write group (LevelDB's DBImpl::Write): the cast at the head of the
  // queue writes the casts queued behind it with its own, up to kMaxBatch,
  // in one transaction; the others wait to be answered. Nobody is answered
  // before the commit that holds their ballot.
  State& s = *s_;
  State::Cast c{voter, ballot_bytes, &*ballot, whole_seconds(now), std::nullopt, {}};
  std::unique_lock queued(s.queue_mu);
  s.queue.push_back(&c);
  c.ready.wait(queued, [&] { return c.result.has_value() || s.queue.front() == &c; });
  if (c.result) return std::move(*c.result);

  std::vector<State::Cast*> batch(
      s.queue.begin(),
      s.queue.begin() + static_cast<std::ptrdiff_t>(std::min(s.queue.size(), State::kMaxBatch)));
  queued.unlock();
  std::vector<Result<CastReceipt>> results;
  {
    std::lock_guard lock(s.mu);
    results = s.write_batch(*m, batch);
  }
  queued.lock();
  for (size_t i = 0; i < batch.size(); ++i) {
    s.queue.pop_front();
    batch[i]->result = std::move(results[i]);
    if (batch[i] != &c) batch[i]->ready.notify_one();
  }
  if (!s.queue.empty()) s.queue.front()->ready.notify_one();
  return std::move(*c.result);
}

}  // namespace isoloir::urn

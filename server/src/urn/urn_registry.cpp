// The registry: voters, their credentials and émargements, the turnout.
#include "urn/urn_state.h"

namespace isoloir::urn {

// The statements of this part, on connection `c`.
Status Urn::State::Statements::Registry::prepare(SqlConnection& c) {
  return prepare_all(
      c,
      {
          {&voter_by_identifier,
           "SELECT id, pseudonym FROM emargement.voters WHERE identifier = ?"},
          {&voter_by_pseudonym, "SELECT id FROM emargement.voters WHERE pseudonym = ?"},
          {&insert_voter,
           "INSERT INTO emargement.voters(identifier, name, name_key, pseudonym, numen, challenge, "
           "phone) VALUES(?, ?, ?, ?, ?, ?, ?) RETURNING id"},
          {&insert_voter_scrutin,
           "INSERT INTO emargement.voter_scrutins(voter_id, scrutin) VALUES(?, ?)"},
          {&credential_by_key,
           "SELECT voter_id, issued_at, revoked_at FROM emargement.credentials WHERE credential = "
           "?"},
          {&current_credential,
           "SELECT issued_at FROM emargement.credentials WHERE voter_id = ? AND revoked_at IS "
           "NULL"},
          {&insert_credential,
           "INSERT INTO emargement.credentials(credential, voter_id, issued_at, revoked_at) "
           "VALUES(?, ?, ?, NULL)"},
          {&revoke_credential,
           "UPDATE emargement.credentials SET revoked_at = ? WHERE voter_id = ? AND revoked_at IS "
           "NULL"},
          {&has_voted, "SELECT 1 FROM emargement.emargements WHERE voter_id = ? AND scrutin = ?"},
          {&eligible, "SELECT 1 FROM emargement.voter_scrutins WHERE voter_id = ? AND scrutin = ?"},
          {&insert_emargement,
           "INSERT INTO emargement.emargements(voter_id, scrutin, voted_at, document) "
           "VALUES(?, ?, ?, ?) ON CONFLICT DO NOTHING RETURNING voter_id"},
          {&get_emargement,
           "SELECT document FROM emargement.emargements WHERE voter_id = ? AND scrutin = ?"},
          {&voter_row, "SELECT id, name, pseudonym FROM emargement.voters WHERE identifier = ?"},
          {&voter_scrutins,
           "SELECT s.scrutin, e.voted_at FROM emargement.voter_scrutins s "
           "LEFT JOIN emargement.emargements e ON e.voter_id = s.voter_id AND e.scrutin = "
           "s.scrutin "
           "WHERE s.voter_id = ?"},
          {&current_credential_key,
           "SELECT credential FROM emargement.credentials WHERE voter_id = ? AND revoked_at IS "
           "NULL"},
          {&revoked_credential_keys,
           "SELECT credential FROM emargement.credentials WHERE voter_id = ? AND revoked_at IS NOT "
           "NULL ORDER BY revoked_at"},
          {&reissue_row,
           "SELECT numen, challenge, phone FROM emargement.voters WHERE identifier = ?"},
          {&all_credentials,
           "SELECT v.pseudonym, c.credential, c.issued_at, c.revoked_at "
           "FROM emargement.credentials c JOIN emargement.voters v ON v.id = c.voter_id "
           "ORDER BY c.issued_at, c.rowid"},
      });
}

Result<std::pair<int64_t, std::string>> Urn::State::find_voter(Statements& q,
                                                               std::string_view identifier) {
  StmtScope st(q.registry.voter_by_identifier);
  st->bind(1, text::lower_ascii(identifier));
  auto row = st->step();
  if (!row) return row.error();
  if (!*row) return fail("unknown_voter", "no voter with this identifier");
  return std::make_pair(st->column_int(0), st->column_text(1));
}

// One voter row, inside import_voters' transaction.
Status Urn::State::import_row(const Manifest& m, const VoterRow& row, size_t index,
                              const std::string& at) {
  const std::string where = row.where(index);
  const std::string identifier = text::lower_ascii(row.identifier);
  struct Field {
    std::string_view name;
    const std::string& value;
    bool required;
  };
  for (const Field& f :
       {Field{"identifier", identifier, true}, Field{"name", row.name, true},
        Field{"pseudonym", row.pseudonym, true}, Field{"numen", row.numen, false},
        Field{"challenge", row.challenge, false}, Field{"phone", row.phone, false}}) {
    if (f.required && f.value.empty()) {
      return fail("malformed", where + ": " + std::string(f.name) + " is empty");
    }
    if (f.value.size() > kMaxFieldBytes || has_control(f.value)) {
      return fail("malformed",
                  where + ": " + std::string(f.name) + " is too long or has control characters");
    }
  }
  if (identifier.find('@') == std::string::npos || identifier.find(' ') != std::string::npos) {
    return fail("malformed", where + ": identifier is not an e-mail address");
  }
  if (!row.numen.empty() && !text::valid_numen(row.numen)) {
    return fail("malformed", where + ": numen must be 13 digits or upper-case letters");
  }
  if (!row.challenge.empty() && !text::valid_nir10(row.challenge)) {
    return fail("malformed",
                where + ": challenge must be the 10 first digits of the social-security number");
  }
  if (row.scrutins.empty()) return fail("malformed", where + ": scrutins is empty");
  std::set<std::string> scrutins;
  for (const std::string& id : row.scrutins) {
    if (m.find_scrutin(id) == nullptr) return fail("unknown_scrutin", where + ": " + id);
    if (!scrutins.insert(id).second) return fail("malformed", where + ": scrutin " + id + " twice");
  }
  auto name_key = text::fold(row.name);
  if (!name_key) return fail("malformed", where + ": name is not valid UTF-8 text");
  auto credential = base64url_decode_fixed<32>(row.credential, where + ": credential");
  if (!credential) return credential.error();
  if (!is_valid_public_credential(*credential)) {
    return fail("bad_credential", where + ": not a valid Ed25519 public key");
  }

  auto exists = [](Stmt& stmt, std::string_view value) -> Result<bool> {
    StmtScope st(stmt);
    st->bind(1, value);
    return st->step();
  };
  auto by_identifier = exists(q.registry.voter_by_identifier, identifier);
  if (!by_identifier) return by_identifier.error();
  if (*by_identifier) {
    return fail("duplicate_voter", where + ": identifier " + identifier + " already registered");
  }
  auto by_pseudonym = exists(q.registry.voter_by_pseudonym, row.pseudonym);
  if (!by_pseudonym) return by_pseudonym.error();
  if (*by_pseudonym) {
    return fail("duplicate_voter", where + ": pseudonym " + row.pseudonym + " already registered");
  }
  {
    StmtScope st(q.registry.credential_by_key);
    st->bind_blob(1, *credential);
    auto found = st->step();
    if (!found) return found.error();
    if (*found) return fail("duplicate_credential", where + ": credential already registered");
  }

  int64_t voter_id = 0;
  {
    StmtScope st(q.registry.insert_voter);
    st->bind(1, identifier);
    st->bind(2, row.name);
    st->bind(3, *name_key);
    st->bind(4, row.pseudonym);
    st->bind(5, row.numen);
    st->bind(6, row.challenge);
    st->bind(7, row.phone);
    auto inserted = st->step();
    if (!inserted) return in(where, inserted.error());
    if (!*inserted) return fail(std::string(kStorageError), where + ": no voter id");
    voter_id = st->column_int(0);
  }
  const std::vector<std::string> keys = word_keys(*name_key);
  for (const std::string& id : scrutins) {
    StmtScope st(q.registry.insert_voter_scrutin);
    st->bind(1, voter_id);
    st->bind(2, id);
    if (Status s = st->run(); !s) return in(where, s.error());
    for (const std::string& word_key : keys) {
      StmtScope k(q.lists.insert_elector_key);
      k->bind(1, id);
      k->bind(2, word_key);
      k->bind(3, voter_id);
      if (Status s = k->run(); !s) return in(where, s.error());
    }
  }
  StmtScope st(q.registry.insert_credential);
  st->bind_blob(1, *credential);
  st->bind(2, voter_id);
  st->bind(3, at);
  if (Status s = st->run(); !s) return in(where, s.error());
  return Status::Ok();
}

Status Urn::import_voters(const std::vector<VoterRow>& rows, const Timestamp& issued_at) {
  std::lock_guard lock(s_->mu);
  const auto manifest = s_->current_manifest();
  if (!manifest) return fail("no_election", "import the election first");
  const std::string at = whole_seconds(issued_at).to_string();
  if (Status st = s_->begin(); !st) return st;
  for (size_t i = 0; i < rows.size(); ++i) {
    if (Status st = s_->import_row(*manifest, rows[i], i, at); !st) {
      s_->rollback();
      return st;
    }
  }
  return s_->commit();
}

Status Urn::reissue_credential(std::string_view voter, const PublicKey& new_credential,
                               const Timestamp& now) {
  const Timestamp t = whole_seconds(now);
  if (!is_valid_public_credential(new_credential)) {
    return fail("bad_credential", "not a valid Ed25519 public key");
  }
  std::lock_guard lock(s_->mu);
  State& s = *s_;
  if (Status st = s.begin(); !st) return st;
  auto body = [&]() -> Status {
    auto found = State::find_voter(s.q, voter);
    if (!found) return found.error();
    const int64_t voter_id = found->first;
    {
      StmtScope st(s.q.registry.credential_by_key);
      st->bind_blob(1, new_credential);
      auto row = st->step();
      if (!row) return row.error();
      if (*row) return fail("duplicate_credential", "credential already registered");
    }
    {
      StmtScope st(s.q.registry.current_credential);
      st->bind(1, voter_id);
      auto row = st->step();
      if (!row) return row.error();
      if (*row) {
        auto issued = stored_time(st->column_text(0));
        if (!issued) return issued.error();
        // [issued, t) must not be empty: the record's verifier refuses a
        // credential revoked when it was issued.
        if (!(*issued < t)) {
          return fail("bad_time", "re-issue at " + t.to_string() +
                                      ", not after the current credential's issue");
        }
      }
    }
    const std::string at = t.to_string();
    {
      StmtScope st(s.q.registry.revoke_credential);
      st->bind(1, at);
      st->bind(2, voter_id);
      if (Status r = st->run(); !r) return r;
    }
    StmtScope st(s.q.registry.insert_credential);
    st->bind_blob(1, new_credential);
    st->bind(2, voter_id);
    st->bind(3, at);
    return st->run();
  };
  if (Status st = body(); !st) {
    s.rollback();
    return st;
  }
  return s.commit();
}

Result<uint64_t> Urn::voter_count() const {
  std::lock_guard lock(s_->read_mu);
  // Rarely asked (the admin's status): not worth a statement kept prepared.
  Result<std::string> n = s_->rdb->query_text("SELECT count(*) FROM emargement.voters");
  if (!n) return n.error();
  uint64_t count = 0;
  const auto [end, ec] = std::from_chars(n->data(), n->data() + n->size(), count);
  if (ec != std::errc() || end != n->data() + n->size()) {
    return fail(std::string(kStorageError), "voter count: " + *n);
  }
  return count;
}

Result<std::string> Urn::emargement(std::string_view voter, std::string_view scrutin) const {
  std::lock_guard lock(s_->read_mu);
  auto found = State::find_voter(s_->rq, voter);
  if (!found) return found.error();
  StmtScope st(s_->rq.registry.get_emargement);
  st->bind(1, found->first);
  st->bind(2, scrutin);
  auto row = st->step();
  if (!row) return row.error();
  if (!*row) return fail("not_found", "no émargement for this voter in " + std::string(scrutin));
  return st->column_text(0);
}

Result<VoterInfo> Urn::voter(std::string_view identifier) const {
  std::lock_guard lock(s_->read_mu);
  State& s = *s_;
  VoterInfo info;
  int64_t voter_id = 0;
  {
    StmtScope st(s.rq.registry.voter_row);
    st->bind(1, text::lower_ascii(identifier));
    auto row = st->step();
    if (!row) return row.error();
    if (!*row) return fail("unknown_voter", "no voter with this identifier");
    voter_id = st->column_int(0);
    info.identifier = text::lower_ascii(identifier);
    info.name = st->column_text(1);
    info.pseudonym = st->column_text(2);
  }
  {
    StmtScope st(s.rq.registry.current_credential_key);
    st->bind(1, voter_id);
    auto row = st->step();
    if (!row) return row.error();
    if (*row) info.credential = base64url_encode(st->column_blob(0));
  }
  {
    StmtScope st(s.rq.registry.revoked_credential_keys);
    st->bind(1, voter_id);
    for (;;) {
      auto row = st->step();
      if (!row) return row.error();
      if (!*row) break;
      info.revoked_credentials.push_back(base64url_encode(st->column_blob(0)));
    }
  }
  StmtScope st(s.rq.registry.voter_scrutins);
  st->bind(1, voter_id);
  for (;;) {
    auto row = st->step();
    if (!row) return row.error();
    if (!*row) break;
    VoterScrutin vs{st->column_text(0), std::nullopt};
    if (!st->column_is_null(1)) vs.voted_at = st->column_text(1);
    info.scrutins.push_back(std::move(vs));
  }
  // Manifest order, as the booth lists them.
  if (const auto m = s.current_manifest()) {
    auto rank = [&](const VoterScrutin& v) {
      const auto& all = m->scrutins;
      for (size_t i = 0; i < all.size(); ++i) {
        if (all[i].id == v.scrutin) return i;
      }
      return all.size();
    };
    std::stable_sort(
        info.scrutins.begin(), info.scrutins.end(),
        [&](const VoterScrutin& a, const VoterScrutin& b) { return rank(a) < rank(b); });
  }
  return info;
}

Result<ReissueData> Urn::reissue_data(std::string_view identifier) const {
  std::lock_guard lock(s_->read_mu);
  StmtScope st(s_->rq.registry.reissue_row);
  st->bind(1, text::lower_ascii(identifier));
  auto row = st->step();
  if (!row) return row.error();
  if (!*row) return fail("unknown_voter", "no voter with this identifier");
  return ReissueData{st->column_text(0), st->column_text(1), st->column_text(2)};
}

Result<std::vector<Turnout>> Urn::turnout() const {
  const auto m = s_->current_manifest();
  if (!m) return fail("no_election", "no election is loaded");
  std::lock_guard lock(s_->read_mu);
  return closing::turnout(*s_->rdb, *m);
}

}  // namespace isoloir::urn

#include "urn/urn_state.h"

namespace isoloir::urn {

Status Urn::State::prepare_statements(SqlConnection& c, Statements& q) {
  Status s = q.election.prepare(c);
  if (s) s = q.registry.prepare(c);
  if (s) s = q.board.prepare(c);
  if (s) s = q.lists.prepare(c);
  if (s) s = q.reclamations.prepare(c);
  return s;
}

// The statements of this part, on connection `c`.
Status Urn::State::Statements::Election::prepare(SqlConnection& c) {
  return prepare_all(
      c,
      {
          {&put_manifest, "INSERT INTO main.election(id, manifest, election_hash) VALUES(1, ?, ?)"},
          {&put_registry_election,
           "INSERT INTO emargement.election(id, election_hash) VALUES(1, ?)"},
          {&closed_at, "SELECT closed_at FROM main.close WHERE id = 1"},
      });
}

// Every statement the urn runs after open, prepared once.

Status Urn::State::commit() {
  return db->commit();
}

void Urn::State::rollback() {
  db->rollback();
}

// What a crash must never break, checked at every open: the log indices are
// 0..n-1, the latest signed tree head is the log's, and each scrutin has as
// many émargements as ballots.
Status Urn::State::check_integrity() {
  if (Status s = reload_log(q); !s) return s;
  auto head = read_tree_head(q.board.latest_tree_head);
  if (!head && head.error().reason != "not_found") return head.error();
  if (!head ? log.size() != 0 : head->size != log.size() || head->root != log.root()) {
    return fail("corrupt_store", "the latest signed tree head is not the ballot log's");
  }
  auto counts = [&](std::string_view sql) -> Result<std::map<std::string, int64_t>> {
    auto stmt = db->prepare(sql);
    if (!stmt) return stmt.error();
    std::map<std::string, int64_t> out;
    for (;;) {
      auto row = stmt->step();
      if (!row) return row.error();
      if (!*row) return out;
      out[stmt->column_text(0)] = stmt->column_int(1);
    }
  };
  auto ballots = counts("SELECT scrutin, count(*) FROM main.ballots GROUP BY scrutin");
  if (!ballots) return ballots.error();
  auto emargements =
      counts("SELECT scrutin, count(*) FROM emargement.emargements GROUP BY scrutin");
  if (!emargements) return emargements.error();
  if (*ballots != *emargements) {
    return fail("corrupt_store", "ballots and émargements differ in number for some scrutin");
  }
  return Status::Ok();
}

Urn::Urn(std::unique_ptr<State> state) : s_(std::move(state)) {}
Urn::~Urn() = default;

Result<std::unique_ptr<Urn>> Urn::open(const std::string& dir, SigningKey server_key,
                                       UrnOptions options) {
  if (options.leaves_per_query == 0) return fail("bad_config", "leaves_per_query: at least 1");
  auto state = std::make_unique<State>(std::move(server_key), options);
  State& s = *state;
  if (mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST) {
    return fail("storage_error", dir + ": " + std::strerror(errno));
  }
  auto conninfo = postgres_conninfo(dir);
  if (!conninfo) return conninfo.error();
  // With SQLite, one process per data directory: the in-memory log must be
  // the only writer's. flock is released by the kernel when the process
  // dies, so a crash never leaves a stale lock. With PostgreSQL several
  // servers share the database, and each catches up with the others' appends
  // under the sequencer's lock.
  if (!*conninfo) {
    const std::string lock_path = dir + "/urn.lock";
    s.lock_fd = ::open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (s.lock_fd < 0) return fail("storage_error", lock_path + ": " + std::strerror(errno));
    if (flock(s.lock_fd, LOCK_EX | LOCK_NB) != 0) {
      return fail("urn_locked", dir + " is in use by another urn");
    }
  }

  auto db = *conninfo ? open_postgres(**conninfo) : open_sqlite(dir, false, 5000);
  if (!db) return db.error();
  s.db = std::move(*db);
  if (Status st = State::prepare_statements(*s.db, s.q); !st) return st.error();
  auto reader = *conninfo ? postgres_connection(**conninfo, std::string(kPostgresWriteLock))
                          : open_sqlite(dir, true, 5000);
  if (!reader) return reader.error();
  s.rdb = std::move(*reader);
  if (Status st = State::prepare_statements(*s.rdb, s.rq); !st) return st.error();

  // The election, if imported: both files must be of the same election, and
  // the manifest's server key this urn's.
  auto manifest_text = s.db->query_text("SELECT manifest FROM main.election WHERE id = 1");
  if (manifest_text) {
    auto m = parse_manifest(*manifest_text);
    if (!m) return in("corrupt_store: manifest", m.error());
    auto registry_hash =
        s.db->query_text("SELECT election_hash FROM emargement.election WHERE id = 1");
    if (!registry_hash || *registry_hash != m->hash_b64) {
      return fail("corrupt_store", "emargement.sqlite is not of this election");
    }
    if (m->server_key != s.key.public_key()) {
      return fail("bad_server_key", "the manifest's server_key is not this urn's key");
    }
    s.manifest = std::make_shared<const Manifest>(std::move(*m));
  } else if (manifest_text.error().reason != "not_found") {
    return manifest_text.error();
  }
  if (Status st = s.check_integrity(); !st) return st.error();
  return std::unique_ptr<Urn>(new Urn(std::move(state)));
}

// The trustees' transcript an election is imported with: it verifies, it is
// this election's and its key is the manifest's.
Status check_trustees(const Manifest& m, std::string_view text) {
  auto doc = parse_canonical(text);
  if (!doc) return in("trustees.json", doc.error());
  auto trustees = load_trustees(*doc);
  if (!trustees) return in("trustees.json", trustees.error());
  if (trustees->election_id != m.id) {
    return fail("wrong_election", "trustees.json: election_id " + trustees->election_id +
                                      " is not the manifest's id " + m.id);
  }
  if (!(trustees->public_key == m.public_key)) {
    return fail("bad_public_key",
                "the manifest's public_key is not the trustees' key (trustees.json public_key)");
  }
  return Status::Ok();
}

Status Urn::import_election(std::string_view manifest_text, std::string_view trustees_text) {
  auto m = parse_manifest(manifest_text);
  if (!m) return m.error();
  if (Status st = check_trustees(*m, trustees_text); !st) return st;
  std::lock_guard lock(s_->mu);
  if (s_->current_manifest()) return fail("already_imported", "an election is already loaded");
  if (m->server_key != s_->key.public_key()) {
    return fail("bad_manifest", "server_key is not this urn's key");
  }
  if (Status st = s_->begin(); !st) return st;
  {
    StmtScope put(s_->q.election.put_manifest);
    put->bind(1, m->canonical);
    put->bind(2, m->hash_b64);
    if (Status st = put->run(); !st) {
      s_->rollback();
      return st;
    }
    StmtScope reg(s_->q.election.put_registry_election);
    reg->bind(1, m->hash_b64);
    if (Status st = reg->run(); !st) {
      s_->rollback();
      return st;
    }
    auto trustees = s_->db->prepare("INSERT INTO main.trustees(id, document) VALUES(1, ?)");
    if (!trustees) {
      s_->rollback();
      return trustees.error();
    }
    trustees->bind(1, trustees_text);
    if (Status st = trustees->run(); !st) {
      s_->rollback();
      return st;
    }
  }
  if (Status st = s_->commit(); !st) return st;
  {
    std::lock_guard set(s_->manifest_mu);
    s_->manifest = std::make_shared<const Manifest>(std::move(*m));
  }
  return Status::Ok();
}

Result<std::string> Urn::manifest() const {
  const auto m = s_->current_manifest();
  if (!m) return fail("no_election", "no election is loaded");
  return m->canonical;
}

Result<CloseState> Urn::close_state(const Timestamp& now) {
  std::lock_guard lock(s_->mu);
  State& s = *s_;
  if (!s.manifest) return fail("no_election", "no election is loaded");
  auto c = closing::read(*s.db);
  if (!c) return c.error();
  if (*c) return std::move(**c);
  if (whole_seconds(now) < s.manifest->closes_at) {
    return fail("not_closed", "the vote is open until " + s.manifest->closes_at.to_string());
  }
  // The window is over: no cast can be admitted any more, so the log at
  // closes_at is the log now.
  return closing::close(*s.db, s.key, *s.manifest, s.manifest->closes_at, false);
}

Result<std::shared_ptr<const RecordFiles>> Urn::closed_record(const Timestamp& now) {
  if (auto c = close_state(now); !c) return c.error();
  std::lock_guard lock(s_->mu);
  State& s = *s_;
  if (!s.closed_record) {
    auto files = closing::export_files(*s.db, *s.manifest);
    if (!files) return files.error();
    files->tally.clear();
    files->results.clear();
    s.closed_record = std::make_shared<const RecordFiles>(std::move(*files));
  }
  return s.closed_record;
}

Result<SideConnection> open_side(const std::string& dir, bool read_only) {
  SideConnection c;
  auto conninfo = postgres_conninfo(dir);
  if (!conninfo) return conninfo.error();
  if (*conninfo) {
    auto db = open_postgres(**conninfo);
    if (!db) return db.error();
    c.db = std::move(*db);
  } else {
    if (access((dir + "/urn.sqlite").c_str(), F_OK) != 0) {
      return fail("no_election", dir + " holds no urn (isoloir-admin election import first)");
    }
    // A directory made before the close existed gets its tables now.
    auto db = open_sqlite(dir, read_only, 30000);
    if (!db) return db.error();
    c.db = std::move(*db);
  }
  auto text = c.db->query_text("SELECT manifest FROM main.election WHERE id = 1");
  if (!text) {
    if (text.error().reason == "not_found") return fail("no_election", "no election is loaded");
    return text.error();
  }
  auto m = parse_manifest(*text);
  if (!m) return fail("corrupt_store", "manifest: " + m.error().message());
  c.manifest = std::make_shared<const Manifest>(std::move(*m));
  return c;
}

Result<CloseState> close_early(const std::string& dir, const Timestamp& now) {
  auto key = open_server_key(dir);
  if (!key) return key.error();
  auto c = open_side(dir, false);
  if (!c) return c.error();
  const Manifest& m = *c->manifest;
  if (m.server_key != key->public_key()) {
    return fail("bad_server_key", "the manifest's server_key is not this directory's key");
  }
  const Timestamp t = whole_seconds(now);
  if (t < m.opens_at) {
    return fail("not_open", "the vote opens at " + m.opens_at.to_string() +
                                ": an election that has not opened cannot be closed");
  }
  if (t >= m.closes_at) return closing::close(*c->db, *key, m, m.closes_at, false);
  return closing::close(*c->db, *key, m, t, true);
}

Result<RecordReport> publish_count(const std::string& dir, std::string_view tally,
                                   std::string_view results) {
  auto c = open_side(dir, false);
  if (!c) return c.error();
  return closing::publish(*c->db, *c->manifest, tally, results);
}

Result<std::vector<Turnout>> read_turnout(const std::string& dir) {
  auto c = open_side(dir, true);
  if (!c) return c.error();
  return closing::turnout(*c->db, *c->manifest);
}

Result<CloseState> read_close(const std::string& dir) {
  auto c = open_side(dir, true);
  if (!c) return c.error();
  auto state = closing::read(*c->db);
  if (!state) return state.error();
  if (!*state) return fail("not_closed", "the election is not closed");
  return std::move(**state);
}

Result<RecordFiles> read_record(const std::string& dir) {
  auto c = open_side(dir, true);
  if (!c) return c.error();
  return closing::export_files(*c->db, *c->manifest);
}

Result<Manifest> read_manifest(const std::string& dir) {
  auto c = open_side(dir, true);
  if (!c) return c.error();
  return *c->manifest;
}

Result<std::string> read_published(const std::string& dir, std::string_view name) {
  auto c = open_side(dir, true);
  if (!c) return c.error();
  return closing::published(*c->db, name);
}

Result<std::vector<EmargementEntry>> read_emargements(const std::string& dir) {
  auto c = open_side(dir, true);
  if (!c) return c.error();
  auto st = c->db->prepare(
      "SELECT e.scrutin, v.name, v.identifier, e.voted_at FROM emargement.emargements e "
      "JOIN emargement.voters v ON v.id = e.voter_id ORDER BY v.name_key, v.id");
  if (!st) return st.error();
  std::map<std::string, std::vector<EmargementEntry>> by_scrutin;
  for (;;) {
    auto row = st->step();
    if (!row) return row.error();
    if (!*row) break;
    by_scrutin[st->column_text(0)].push_back(EmargementEntry{
        st->column_text(0), st->column_text(1), st->column_text(2), st->column_text(3)});
  }
  std::vector<EmargementEntry> out;
  for (const Scrutin& s : c->manifest->scrutins) {
    for (EmargementEntry& e : by_scrutin[s.id]) out.push_back(std::move(e));
  }
  return out;
}

}  // namespace isoloir::urn

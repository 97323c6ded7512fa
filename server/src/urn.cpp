#include "isoloir/urn/urn.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <fstream>
#include <limits>
#include <map>
#include <mutex>
#include <semaphore>
#include <set>
#include <shared_mutex>
#include <thread>
#include <utility>

#include "isoloir/ballot.h"
#include "isoloir/canonical_json.h"
#include "isoloir/credential.h"
#include "isoloir/portal/password.h"
#include "isoloir/receipt.h"
#include "isoloir/record_writer.h"
#include "isoloir/registry.h"
#include "isoloir/signed_document.h"
#include "isoloir/tree_head.h"
#include "isoloir/trustees.h"
#include "isoloir/urn/data_dir.h"
#include "sql.h"
#include "sqlite.h"
#include "text.h"
#include "urn_close.h"

namespace isoloir::urn {
namespace {

// Why a rollback journal and not WAL: SQLite makes a transaction over
// several ATTACHed files atomic only with a rollback journal; "if the
// journal_mode is WAL, then transactions continue to be atomic within each
// individual database file. But if the host computer crashes in the middle
// of a COMMIT where two or more database files are updated, some of those
// files might get the changes where others might not"
// (https://www.sqlite.org/lang_attach.html). With DELETE, the commit writes a
// super-journal naming both files' journals, and recovery rolls back both or
// neither (https://www.sqlite.org/atomiccommit.html, section 5).
// synchronous=FULL syncs the journals and the super-journal before the
// database files are touched: a COMMIT that has returned survives power loss.
// Both pragmas are per file: they are set on each schema.
constexpr std::string_view kPragmas = R"sql(
PRAGMA main.journal_mode = DELETE;
PRAGMA emargement.journal_mode = DELETE;
PRAGMA main.synchronous = FULL;
PRAGMA emargement.synchronous = FULL;
)sql";

// urn.sqlite: the public board. No column names a voter, and no key joins to
// one: a ballot's only link to anybody is the credential inside its bytes,
// which only emargement.sqlite maps to a voter. Ballots are append-only
// (triggers), with log indices 0, 1, 2, ... (trigger), whatever the code does.
constexpr std::string_view kUrnSchema = R"sql(
CREATE TABLE IF NOT EXISTS main.election (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  manifest TEXT NOT NULL,
  election_hash TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS main.ballots (
  log_index INTEGER PRIMARY KEY CHECK (log_index >= 0),
  reference TEXT NOT NULL UNIQUE,
  scrutin TEXT NOT NULL,
  received_at TEXT NOT NULL,
  ballot TEXT NOT NULL
);
CREATE TRIGGER IF NOT EXISTS main.ballots_contiguous BEFORE INSERT ON ballots
  WHEN NEW.log_index IS NOT (SELECT coalesce(max(log_index) + 1, 0) FROM ballots)
  BEGIN SELECT RAISE(ABORT, 'ballots: log_index is not the next one'); END;
CREATE TRIGGER IF NOT EXISTS main.ballots_no_update BEFORE UPDATE ON ballots
  BEGIN SELECT RAISE(ABORT, 'ballots are append-only'); END;
CREATE TRIGGER IF NOT EXISTS main.ballots_no_delete BEFORE DELETE ON ballots
  BEGIN SELECT RAISE(ABORT, 'ballots are append-only'); END;
CREATE TABLE IF NOT EXISTS main.tree_heads (
  size INTEGER PRIMARY KEY CHECK (size > 0),
  root BLOB NOT NULL CHECK (length(root) = 32),
  signed_at TEXT NOT NULL,
  document TEXT NOT NULL
);
)sql";

// emargement.sqlite: who the voters are, their credentials, who voted, the
// electoral lists' search keys and the voters' complaints. The
// UNIQUE (voter_id, scrutin) is the last word on one ballot per voter and
// scrutin, whatever the code above it does; the partial unique index gives a
// voter at most one current credential.
constexpr std::string_view kEmargementSchema = R"sql(
CREATE TABLE IF NOT EXISTS emargement.election (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  election_hash TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS emargement.voters (
  id INTEGER PRIMARY KEY,
  identifier TEXT NOT NULL UNIQUE,
  name TEXT NOT NULL,
  name_key TEXT NOT NULL,
  pseudonym TEXT NOT NULL UNIQUE,
  numen TEXT NOT NULL,
  challenge TEXT NOT NULL,
  phone TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS emargement.voter_scrutins (
  voter_id INTEGER NOT NULL REFERENCES voters(id),
  scrutin TEXT NOT NULL,
  PRIMARY KEY (voter_id, scrutin)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS emargement.credentials (
  credential BLOB PRIMARY KEY CHECK (length(credential) = 32),
  voter_id INTEGER NOT NULL REFERENCES voters(id),
  issued_at TEXT NOT NULL,
  revoked_at TEXT
);
CREATE UNIQUE INDEX IF NOT EXISTS emargement.one_current_credential
  ON credentials(voter_id) WHERE revoked_at IS NULL;
CREATE TABLE IF NOT EXISTS emargement.elector_keys (
  scrutin TEXT NOT NULL,
  key TEXT NOT NULL,
  voter_id INTEGER NOT NULL REFERENCES voters(id),
  PRIMARY KEY (scrutin, key, voter_id)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS emargement.reclamations (
  id INTEGER PRIMARY KEY,
  voter_id INTEGER NOT NULL REFERENCES voters(id),
  scrutin TEXT NOT NULL,
  filed_at TEXT NOT NULL,
  text TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS emargement.emargements (
  voter_id INTEGER NOT NULL REFERENCES voters(id),
  scrutin TEXT NOT NULL,
  voted_at TEXT NOT NULL,
  document TEXT NOT NULL,
  UNIQUE (voter_id, scrutin)
);
)sql";

// The same tables in PostgreSQL, where several servers share them: the
// schemas `main` and `emargement` stand for the two SQLite files (one
// database holds one election, and one transaction covers both). Text
// compares bytewise (COLLATE "C"), as in SQLite, so that the electoral
// lists' prefix search and every ORDER BY give the same answers. The
// sequencer's one row is what a writer locks (SqlConnection::begin_write):
// casts, imports and re-issues of all servers take turns on it.
constexpr std::string_view kPostgresSchema = R"sql(
SELECT pg_advisory_xact_lock(8410);
CREATE SCHEMA IF NOT EXISTS main;
CREATE SCHEMA IF NOT EXISTS emargement;
CREATE TABLE IF NOT EXISTS main.sequencer (id INTEGER PRIMARY KEY CHECK (id = 1));
INSERT INTO main.sequencer(id) VALUES (1) ON CONFLICT DO NOTHING;
CREATE TABLE IF NOT EXISTS main.election (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  manifest TEXT NOT NULL,
  election_hash TEXT COLLATE "C" NOT NULL
);
CREATE TABLE IF NOT EXISTS main.ballots (
  log_index BIGINT PRIMARY KEY CHECK (log_index >= 0),
  reference TEXT COLLATE "C" NOT NULL UNIQUE,
  scrutin TEXT COLLATE "C" NOT NULL,
  received_at TEXT COLLATE "C" NOT NULL,
  ballot TEXT NOT NULL
);
CREATE OR REPLACE FUNCTION main.ballots_contiguous() RETURNS trigger LANGUAGE plpgsql AS $f$
BEGIN
  IF NEW.log_index IS DISTINCT FROM (SELECT coalesce(max(log_index) + 1, 0) FROM main.ballots) THEN
    RAISE EXCEPTION 'ballots: log_index is not the next one'
      USING ERRCODE = 'integrity_constraint_violation';
  END IF;
  RETURN NEW;
END $f$;
CREATE OR REPLACE FUNCTION main.append_only() RETURNS trigger LANGUAGE plpgsql AS $f$
BEGIN
  RAISE EXCEPTION '% is append-only', TG_TABLE_NAME
    USING ERRCODE = 'integrity_constraint_violation';
END $f$;
CREATE OR REPLACE TRIGGER ballots_contiguous BEFORE INSERT ON main.ballots
  FOR EACH ROW EXECUTE FUNCTION main.ballots_contiguous();
CREATE OR REPLACE TRIGGER ballots_no_change BEFORE UPDATE OR DELETE ON main.ballots
  FOR EACH ROW EXECUTE FUNCTION main.append_only();
CREATE TABLE IF NOT EXISTS main.tree_heads (
  size BIGINT PRIMARY KEY CHECK (size > 0),
  root BYTEA NOT NULL CHECK (octet_length(root) = 32),
  signed_at TEXT COLLATE "C" NOT NULL,
  document TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS emargement.election (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  election_hash TEXT COLLATE "C" NOT NULL
);
CREATE TABLE IF NOT EXISTS emargement.voters (
  id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
  identifier TEXT COLLATE "C" NOT NULL UNIQUE,
  name TEXT COLLATE "C" NOT NULL,
  name_key TEXT COLLATE "C" NOT NULL,
  pseudonym TEXT COLLATE "C" NOT NULL UNIQUE,
  numen TEXT NOT NULL,
  challenge TEXT NOT NULL,
  phone TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS emargement.voter_scrutins (
  voter_id BIGINT NOT NULL REFERENCES emargement.voters(id),
  scrutin TEXT COLLATE "C" NOT NULL,
  PRIMARY KEY (voter_id, scrutin)
);
CREATE TABLE IF NOT EXISTS emargement.credentials (
  credential BYTEA PRIMARY KEY CHECK (octet_length(credential) = 32),
  voter_id BIGINT NOT NULL REFERENCES emargement.voters(id),
  issued_at TEXT COLLATE "C" NOT NULL,
  revoked_at TEXT COLLATE "C",
  rowid BIGINT GENERATED ALWAYS AS IDENTITY UNIQUE
);
CREATE UNIQUE INDEX IF NOT EXISTS one_current_credential
  ON emargement.credentials(voter_id) WHERE revoked_at IS NULL;
CREATE TABLE IF NOT EXISTS emargement.elector_keys (
  scrutin TEXT COLLATE "C" NOT NULL,
  key TEXT COLLATE "C" NOT NULL,
  voter_id BIGINT NOT NULL REFERENCES emargement.voters(id),
  PRIMARY KEY (scrutin, key, voter_id)
);
CREATE TABLE IF NOT EXISTS emargement.reclamations (
  id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
  voter_id BIGINT NOT NULL REFERENCES emargement.voters(id),
  scrutin TEXT COLLATE "C" NOT NULL,
  filed_at TEXT COLLATE "C" NOT NULL,
  text TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS emargement.emargements (
  voter_id BIGINT NOT NULL REFERENCES emargement.voters(id),
  scrutin TEXT COLLATE "C" NOT NULL,
  voted_at TEXT COLLATE "C" NOT NULL,
  document TEXT NOT NULL,
  UNIQUE (voter_id, scrutin)
);
)sql";

// What a PostgreSQL writer locks first (SqlConnection::begin_write).
constexpr const char* kPostgresWriteLock = "SELECT id FROM main.sequencer WHERE id = 1 FOR UPDATE";

constexpr size_t kMaxFieldBytes = 256;

Timestamp whole_seconds(const Timestamp& t) {
  return Timestamp{t.seconds, 0};
}

bool has_control(std::string_view s) {
  for (unsigned char c : s) {
    if (c < 0x20 || c == 0x7f) return true;
  }
  return false;
}

Error in(const std::string& where, const Error& e) {
  return fail(e.reason, e.detail.empty() ? where : where + ": " + e.detail);
}

// The electoral list's search keys of a folded name: the name from each of
// its words on ("jeanne dupont-martin", "dupont-martin", "martin"), so that
// an indexed prefix search finds a voter by any word of the name.
std::vector<std::string> word_keys(const std::string& folded) {
  std::vector<std::string> keys;
  for (size_t i = 0; i < folded.size(); ++i) {
    const bool word_start =
        i == 0 || folded[i - 1] == ' ' || folded[i - 1] == '-' || folded[i - 1] == '\'';
    if (word_start && folded[i] != ' ') keys.push_back(folded.substr(i));
  }
  return keys;
}

// The exclusive upper bound of the keys that start with `prefix`: U+10FFFF,
// the largest code point, sorts (bytewise) after anything that can follow.
std::string prefix_end(const std::string& prefix) {
  return prefix + "\xf4\x8f\xbf\xbf";
}

bool is_text_field(std::string_view s) {
  for (unsigned char c : s) {
    if ((c < 0x20 && c != '\n' && c != '\t' && c != '\r') || c == 0x7f) return false;
  }
  return true;
}

// A stored time, written by this code: a bad one means a damaged store.
Result<Timestamp> stored_time(const std::string& text) {
  auto t = Timestamp::parse(text, "stored time");
  if (!t) return fail("corrupt_store", t.error().detail);
  return *t;
}

}  // namespace

struct Urn::State {
  explicit State(SigningKey k) : key(std::move(k)), verifiers(cores()) {}
  State(const State&) = delete;
  State& operator=(const State&) = delete;
  ~State() {
    // Statements before their connection, the lock last.
    rq = Statements{};
    rdb.reset();
    q = Statements{};
    db.reset();
    if (lock_fd >= 0) close(lock_fd);
  }

  SigningKey key;
  int lock_fd = -1;  // SQLite: the data directory's flock
  // The writer's connection: casts, imports, re-issues, complaints, the
  // close. `mu` serialises its use (one write group at a time).
  std::unique_ptr<SqlConnection> db;
  mutable std::mutex mu;
  // The readers' connection (the board, the voter's page, the electoral
  // lists): a reader never waits for a write group's checks, signatures and
  // fsyncs, only, with SQLite, for the instant of a commit's file writes
  // (PostgreSQL readers never wait). `read_mu` serialises its use.
  std::unique_ptr<SqlConnection> rdb;
  mutable std::mutex read_mu;
  // Never held while taking mu or read_mu.
  mutable std::mutex manifest_mu;
  std::shared_ptr<const Manifest> manifest;  // null before import_election
  // The in-memory log and `stale`, under log_mu: the writer appends (its
  // uncommitted leaves too, which no reader asks about: readers prove
  // against signed heads, which are committed), readers catch up.
  mutable std::shared_mutex log_mu;
  MerkleLog log;
  // The in-memory log may hold leaves no commit kept (a group failed and the
  // log could not be reloaded then, e.g. the database was unreachable): it is
  // rebuilt before its next use.
  bool stale = false;
  // The record's first files once closed (Urn::closed_record).
  std::shared_ptr<const RecordFiles> closed_record;
  // At most one ballot verified per core at once: more would only share the
  // cores. (Before the write groups this was cores - 1, since every cast
  // slept in its own ten fsyncs under the lock; docs/urn-storage.md.)
  std::counting_semaphore<> verifiers;

  // The casts waiting for the writer, in arrival order (Urn::cast); the
  // head of the queue writes for up to kMaxBatch of them. queue_mu is never
  // held while taking mu.
  struct Cast;
  static constexpr size_t kMaxBatch = 256;
  std::mutex queue_mu;
  std::deque<Cast*> queue;
  static std::ptrdiff_t cores() {
    return static_cast<std::ptrdiff_t>(std::max(1u, std::thread::hardware_concurrency()));
  }

  struct Statements {
    Stmt put_manifest, put_registry_election;
    Stmt voter_by_identifier, voter_by_pseudonym, insert_voter, insert_voter_scrutin;
    Stmt credential_by_key, current_credential, insert_credential, revoke_credential;
    Stmt has_voted, eligible, insert_emargement, get_emargement;
    Stmt insert_ballot, insert_tree_head;
    Stmt ballots_from, ballot_by_reference, tree_head_by_size, latest_tree_head;
    Stmt leaves_from, all_credentials;
    Stmt voter_row, voter_scrutins, current_credential_key, revoked_credential_keys, reissue_row,
        insert_elector_key, electors_count, electors_page;
    Stmt count_reclamations, insert_reclamation;
    Stmt closed_at;
  } q, rq;  // the writer's and the readers'

  static Status prepare_statements(SqlConnection& c, Statements& st);
  std::shared_ptr<const Manifest> current_manifest() const {
    std::lock_guard lock(manifest_mu);
    return manifest;
  }
  Status begin() { return db->begin_write(); }
  Status commit();
  void rollback();
  Status reload_log(Statements& st);
  Status catch_up(Statements& st);
  Status catch_up_locked(Statements& st);
  Status append_committed(Statements& st);
  Status check_integrity();
  Result<StoredTreeHead> read_tree_head(Stmt& stmt);
  static Result<std::pair<int64_t, std::string>> find_voter(Statements& st,
                                                            std::string_view identifier);
  Status import_row(const Manifest& m, const VoterRow& row, size_t index, const std::string& at);
  Result<std::vector<BoardBallot>> read_ballots(uint64_t from, uint64_t limit);
  Result<CastReceipt> write_cast(const Manifest& m, const Cast& c, bool& appended);
  std::vector<Result<CastReceipt>> write_batch(const Manifest& m, const std::vector<Cast*>& batch);
};

// Every statement the urn runs after open, prepared once.
Status Urn::State::prepare_statements(SqlConnection& c, Statements& q) {
  return prepare_all(
      c,
      {
          {&q.put_manifest,
           "INSERT INTO main.election(id, manifest, election_hash) VALUES(1, ?, ?)"},
          {&q.put_registry_election,
           "INSERT INTO emargement.election(id, election_hash) VALUES(1, ?)"},
          {&q.voter_by_identifier,
           "SELECT id, pseudonym FROM emargement.voters WHERE identifier = ?"},
          {&q.voter_by_pseudonym, "SELECT id FROM emargement.voters WHERE pseudonym = ?"},
          {&q.insert_voter,
           "INSERT INTO emargement.voters(identifier, name, name_key, pseudonym, numen, challenge, "
           "phone) VALUES(?, ?, ?, ?, ?, ?, ?) RETURNING id"},
          {&q.insert_voter_scrutin,
           "INSERT INTO emargement.voter_scrutins(voter_id, scrutin) VALUES(?, ?)"},
          {&q.credential_by_key,
           "SELECT voter_id, issued_at, revoked_at FROM emargement.credentials WHERE credential = "
           "?"},
          {&q.current_credential,
           "SELECT issued_at FROM emargement.credentials WHERE voter_id = ? AND revoked_at IS "
           "NULL"},
          {&q.insert_credential,
           "INSERT INTO emargement.credentials(credential, voter_id, issued_at, revoked_at) "
           "VALUES(?, ?, ?, NULL)"},
          {&q.revoke_credential,
           "UPDATE emargement.credentials SET revoked_at = ? WHERE voter_id = ? AND revoked_at IS "
           "NULL"},
          {&q.has_voted, "SELECT 1 FROM emargement.emargements WHERE voter_id = ? AND scrutin = ?"},
          {&q.eligible,
           "SELECT 1 FROM emargement.voter_scrutins WHERE voter_id = ? AND scrutin = ?"},
          {&q.insert_emargement,
           "INSERT INTO emargement.emargements(voter_id, scrutin, voted_at, document) "
           "VALUES(?, ?, ?, ?) ON CONFLICT DO NOTHING RETURNING voter_id"},
          {&q.get_emargement,
           "SELECT document FROM emargement.emargements WHERE voter_id = ? AND scrutin = ?"},
          {&q.insert_ballot,
           "INSERT INTO main.ballots(log_index, reference, scrutin, received_at, ballot) "
           "VALUES(?, ?, ?, ?, ?)"},
          {&q.insert_tree_head,
           "INSERT INTO main.tree_heads(size, root, signed_at, document) VALUES(?, ?, ?, ?)"},
          {&q.ballots_from,
           "SELECT log_index, received_at, reference, scrutin, ballot FROM main.ballots "
           "WHERE log_index >= ? ORDER BY log_index LIMIT ?"},
          {&q.ballot_by_reference,
           "SELECT log_index, received_at, reference, scrutin, ballot FROM main.ballots "
           "WHERE reference = ?"},
          {&q.tree_head_by_size, "SELECT size, root, document FROM main.tree_heads WHERE size = ?"},
          {&q.latest_tree_head,
           "SELECT size, root, document FROM main.tree_heads ORDER BY size DESC LIMIT 1"},
          {&q.leaves_from,
           "SELECT log_index, reference FROM main.ballots WHERE log_index >= ? ORDER BY "
           "log_index"},
          {&q.voter_row, "SELECT id, name, pseudonym FROM emargement.voters WHERE identifier = ?"},
          {&q.current_credential_key,
           "SELECT credential FROM emargement.credentials WHERE voter_id = ? AND revoked_at IS "
           "NULL"},
          {&q.revoked_credential_keys,
           "SELECT credential FROM emargement.credentials WHERE voter_id = ? AND revoked_at IS NOT "
           "NULL ORDER BY revoked_at"},
          {&q.reissue_row,
           "SELECT numen, challenge, phone FROM emargement.voters WHERE identifier = ?"},
          {&q.voter_scrutins,
           "SELECT s.scrutin, e.voted_at FROM emargement.voter_scrutins s "
           "LEFT JOIN emargement.emargements e ON e.voter_id = s.voter_id AND e.scrutin = "
           "s.scrutin "
           "WHERE s.voter_id = ?"},
          {&q.insert_elector_key,
           "INSERT INTO emargement.elector_keys(scrutin, key, voter_id) VALUES(?, ?, ?) "
           "ON CONFLICT DO NOTHING"},
          {&q.electors_count,
           "SELECT count(DISTINCT voter_id) FROM emargement.elector_keys "
           "WHERE scrutin = ? AND key >= ? AND key < ?"},
          {&q.electors_page,
           "SELECT v.name FROM emargement.voters v WHERE v.id IN ("
           "SELECT voter_id FROM emargement.elector_keys WHERE scrutin = ? AND key >= ? AND key < "
           "?) "
           "ORDER BY v.name_key, v.id LIMIT ? OFFSET ?"},
          {&q.closed_at, "SELECT closed_at FROM main.close WHERE id = 1"},
          {&q.count_reclamations,
           "SELECT count(*) FROM emargement.reclamations WHERE voter_id = ?"},
          {&q.insert_reclamation,
           "INSERT INTO emargement.reclamations(voter_id, scrutin, filed_at, text) VALUES(?, ?, ?, "
           "?) RETURNING id"},
          {&q.all_credentials,
           "SELECT v.pseudonym, c.credential, c.issued_at, c.revoked_at "
           "FROM emargement.credentials c JOIN emargement.voters v ON v.id = c.voter_id "
           "ORDER BY c.issued_at, c.rowid"},
      });
}

Status Urn::State::commit() {
  return db->commit();
}

void Urn::State::rollback() {
  db->rollback();
}

// Rebuilds the in-memory Merkle log from the ballot table: at open, and after
// a failed commit whose ballot the log had already taken.
Status Urn::State::reload_log(Statements& st) {
  std::unique_lock lock(log_mu);
  stale = true;
  return catch_up_locked(st);
}

// Appends to the in-memory log the ballots committed since it was last read:
// none with SQLite (this process is the only writer), the other servers'
// with PostgreSQL. Under the sequencer's lock (in a write transaction) the
// log is then the whole committed log, and the next index is its size.
Status Urn::State::catch_up(Statements& st) {
  std::unique_lock lock(log_mu);
  return catch_up_locked(st);
}

Status Urn::State::catch_up_locked(Statements& st) {
  if (stale) {
    log = MerkleLog();
    Status s = append_committed(st);
    stale = !s;
    return s;
  }
  return append_committed(st);
}

Status Urn::State::append_committed(Statements& stmts) {
  StmtScope st(stmts.leaves_from);
  st->bind(1, static_cast<int64_t>(log.size()));
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
  }
  return Status::Ok();
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

// What a crash must never break, checked at every open: the log indices are
// 0..n-1, the latest signed tree head is the log's, and each scrutin has as
// many émargements as ballots.
Status Urn::State::check_integrity() {
  if (Status s = reload_log(q); !s) return s;
  auto head = read_tree_head(q.latest_tree_head);
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

Result<std::pair<int64_t, std::string>> Urn::State::find_voter(Statements& q,
                                                               std::string_view identifier) {
  StmtScope st(q.voter_by_identifier);
  st->bind(1, text::lower_ascii(identifier));
  auto row = st->step();
  if (!row) return row.error();
  if (!*row) return fail("unknown_voter", "no voter with this identifier");
  return std::make_pair(st->column_int(0), st->column_text(1));
}

namespace {

// urn.sqlite with emargement.sqlite attached as `emargement`; read-write
// connections get the pragmas (checked) and the schema.
Result<std::unique_ptr<SqlConnection>> open_sqlite(const std::string& dir, bool read_only,
                                                   int busy_ms) {
  const std::string urn_path = dir + "/urn.sqlite";
  auto db = read_only ? Database::open_readonly(urn_path) : Database::open(urn_path);
  if (!db) return db.error();
  {
    // An attached file is opened with the main one's flags: read-only too.
    auto attach = db->prepare("ATTACH DATABASE ? AS emargement");
    if (!attach) return attach.error();
    attach->bind(1, dir + "/emargement.sqlite");
    if (Status st = attach->run(); !st) return st.error();
  }
  auto c = sqlite_connection(std::move(*db), busy_ms);
  if (read_only) return c;
  if (Status st = c->exec(std::string(kPragmas)); !st) return st.error();
  for (const char* schema : {"main", "emargement"}) {
    auto mode = c->query_text(std::string("PRAGMA ") + schema + ".journal_mode");
    if (!mode) return mode.error();
    if (*mode != "delete") {
      return fail("storage_error", std::string(schema) + ": journal_mode is " + *mode);
    }
  }
  auto schema = in_write<bool>(*c, [&]() -> Result<bool> {
    if (Status st = c->exec(std::string(kUrnSchema) + std::string(closing::kSchema) +
                            std::string(kEmargementSchema));
        !st) {
      return st.error();
    }
    return true;
  });
  if (!schema) return schema.error();
  return c;
}

// The election's database in PostgreSQL, its schema created if missing
// (under an advisory lock: servers may start together).
Result<std::unique_ptr<SqlConnection>> open_postgres(const std::string& conninfo) {
  auto c = postgres_connection(conninfo, kPostgresWriteLock);
  if (!c) return c.error();
  if (Status st = (*c)->exec("BEGIN;" + std::string(kPostgresSchema) +
                             std::string(closing::kPostgresSchema) + "COMMIT;");
      !st) {
    return st.error();
  }
  return c;
}

}  // namespace

Urn::Urn(std::unique_ptr<State> state) : s_(std::move(state)) {}
Urn::~Urn() = default;

Result<std::unique_ptr<Urn>> Urn::open(const std::string& dir, SigningKey server_key) {
  auto state = std::make_unique<State>(std::move(server_key));
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
  auto reader = *conninfo ? postgres_connection(**conninfo, kPostgresWriteLock)
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
    StmtScope put(s_->q.put_manifest);
    put->bind(1, m->canonical);
    put->bind(2, m->hash_b64);
    if (Status st = put->run(); !st) {
      s_->rollback();
      return st;
    }
    StmtScope reg(s_->q.put_registry_election);
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
  auto name_key = portal::normalize_answer(row.name);
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
  auto by_identifier = exists(q.voter_by_identifier, identifier);
  if (!by_identifier) return by_identifier.error();
  if (*by_identifier) {
    return fail("duplicate_voter", where + ": identifier " + identifier + " already registered");
  }
  auto by_pseudonym = exists(q.voter_by_pseudonym, row.pseudonym);
  if (!by_pseudonym) return by_pseudonym.error();
  if (*by_pseudonym) {
    return fail("duplicate_voter", where + ": pseudonym " + row.pseudonym + " already registered");
  }
  {
    StmtScope st(q.credential_by_key);
    st->bind_blob(1, *credential);
    auto found = st->step();
    if (!found) return found.error();
    if (*found) return fail("duplicate_credential", where + ": credential already registered");
  }

  int64_t voter_id = 0;
  {
    StmtScope st(q.insert_voter);
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
    StmtScope st(q.insert_voter_scrutin);
    st->bind(1, voter_id);
    st->bind(2, id);
    if (Status s = st->run(); !s) return in(where, s.error());
    for (const std::string& word_key : keys) {
      StmtScope k(q.insert_elector_key);
      k->bind(1, id);
      k->bind(2, word_key);
      k->bind(3, voter_id);
      if (Status s = k->run(); !s) return in(where, s.error());
    }
  }
  StmtScope st(q.insert_credential);
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
      StmtScope st(s.q.credential_by_key);
      st->bind_blob(1, new_credential);
      auto row = st->step();
      if (!row) return row.error();
      if (*row) return fail("duplicate_credential", "credential already registered");
    }
    {
      StmtScope st(s.q.current_credential);
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
      StmtScope st(s.q.revoke_credential);
      st->bind(1, at);
      st->bind(2, voter_id);
      if (Status r = st->run(); !r) return r;
    }
    StmtScope st(s.q.insert_credential);
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

// One verified ballot of a write group.
struct Urn::State::Cast {
  std::string_view voter;
  std::string_view bytes;
  const VerifiedBallot* ballot = nullptr;
  Timestamp at;
  // Set by the group's leader under queue_mu, then read by the caster.
  std::optional<Result<CastReceipt>> result;
  std::condition_variable ready;
};

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
    StmtScope st(q.credential_by_key);
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
    StmtScope st(q.has_voted);
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
    StmtScope st(q.closed_at);
    auto row = st->step();
    if (!row) return row.error();
    if (*row) return fail("window_closed", "the vote was closed at " + st->column_text(0));
  }
  {
    StmtScope st(q.eligible);
    st->bind(1, voter_id);
    st->bind(2, ballot.scrutin);
    auto row = st->step();
    if (!row) return row.error();
    if (!*row) return fail("not_eligible", "the voter is not on the list of " + ballot.scrutin);
  }

  const std::string at = c.at.to_string();
  SignedDocument emargement = sign_emargement(key, m.hash_b64, ballot.scrutin, pseudonym, c.at);
  {
    StmtScope st(q.insert_emargement);
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
    StmtScope st(q.insert_ballot);
    st->bind(1, static_cast<int64_t>(index));
    st->bind(2, ballot.reference);
    st->bind(3, ballot.scrutin);
    st->bind(4, at);
    st->bind(5, c.bytes);
    if (Status r = st->run(); !r) return r.error();
  }
  {
    StmtScope st(q.insert_tree_head);
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
  bool appended = false;
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
      (void)reload_log(q);  // on failure, stale: rebuilt at the next use
      return everyone(r.error());
    }
    appended = appended || this_appended;
    out.push_back(std::move(r));
  }
  if (Status committed = commit(); !committed) {
    // The log took ballots the database may not have kept: rebuild it from
    // the table (now, or at the next use if the database is unreachable).
    if (appended) (void)reload_log(q);
    return everyone(committed.error());
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

Result<std::string> Urn::manifest() const {
  const auto m = s_->current_manifest();
  if (!m) return fail("no_election", "no election is loaded");
  return m->canonical;
}

// The readers below use their own connection (read_mu), never the writer's
// (mu): the board and the voters' pages do not wait for a write group. They
// see committed rows only; the size of the log is the latest signed head's
// (every commit signs one), not the in-memory log's, which may hold a group
// being written.
uint64_t Urn::size() const {
  std::lock_guard lock(s_->read_mu);
  auto head = s_->read_tree_head(s_->rq.latest_tree_head);
  return head ? head->size : 0;
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

Result<std::vector<BoardBallot>> Urn::State::read_ballots(uint64_t from, uint64_t limit) {
  constexpr auto kMax = static_cast<uint64_t>(std::numeric_limits<int64_t>::max());
  StmtScope st(rq.ballots_from);
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
    StmtScope st(s.rq.ballot_by_reference);
    st->bind(1, reference);
    auto row = st->step();
    if (!row) return row.error();
    if (!*row) return fail("not_found", "no ballot with this reference");
    out.ballot = BoardBallot{static_cast<uint64_t>(st->column_int(0)), st->column_text(1),
                             st->column_text(2), st->column_text(3), st->column_text(4)};
  }
  auto head = s.read_tree_head(s.rq.latest_tree_head);
  if (!head) return head.error();
  out.tree_head = std::move(*head);
  // The head is committed: the log holds its leaves once caught up.
  if (Status st = s.catch_up(s.rq); !st) return st.error();
  std::shared_lock log(s.log_mu);
  auto path = s.log.inclusion_proof(out.ballot.log_index, out.tree_head.size);
  if (!path) return path.error();
  out.path = std::move(*path);
  return out;
}

Result<StoredTreeHead> Urn::latest_tree_head() const {
  std::lock_guard lock(s_->read_mu);
  auto head = s_->read_tree_head(s_->rq.latest_tree_head);
  if (!head && head.error().reason == "not_found") return fail("empty_log", "no ballot yet");
  return head;
}

Result<StoredTreeHead> Urn::tree_head(uint64_t size) const {
  std::lock_guard lock(s_->read_mu);
  constexpr auto kMax = static_cast<uint64_t>(std::numeric_limits<int64_t>::max());
  s_->rq.tree_head_by_size.bind(1, static_cast<int64_t>(std::min(size, kMax)));
  return s_->read_tree_head(s_->rq.tree_head_by_size);
}

Result<std::vector<merkle::Hash>> Urn::consistency_proof(uint64_t first, uint64_t second) const {
  std::lock_guard lock(s_->read_mu);
  State& s = *s_;
  // Between committed sizes only: the in-memory log may hold a group being
  // written beyond the latest signed head.
  auto head = s.read_tree_head(s.rq.latest_tree_head);
  if (!head && head.error().reason != "not_found") return head.error();
  const uint64_t committed = head ? head->size : 0;
  if (second > committed) {
    return fail("bad_proof_request", "consistency of " + std::to_string(first) + " and " +
                                         std::to_string(second) + " of " +
                                         std::to_string(committed) + " leaves");
  }
  if (Status st = s.catch_up(s.rq); !st) return st.error();
  std::shared_lock log(s.log_mu);
  return s.log.consistency_proof(first, second);
}

Result<std::string> Urn::emargement(std::string_view voter, std::string_view scrutin) const {
  std::lock_guard lock(s_->read_mu);
  auto found = State::find_voter(s_->rq, voter);
  if (!found) return found.error();
  StmtScope st(s_->rq.get_emargement);
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
    StmtScope st(s.rq.voter_row);
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
    StmtScope st(s.rq.current_credential_key);
    st->bind(1, voter_id);
    auto row = st->step();
    if (!row) return row.error();
    if (*row) info.credential = base64url_encode(st->column_blob(0));
  }
  {
    StmtScope st(s.rq.revoked_credential_keys);
    st->bind(1, voter_id);
    for (;;) {
      auto row = st->step();
      if (!row) return row.error();
      if (!*row) break;
      info.revoked_credentials.push_back(base64url_encode(st->column_blob(0)));
    }
  }
  StmtScope st(s.rq.voter_scrutins);
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
  StmtScope st(s_->rq.reissue_row);
  st->bind(1, text::lower_ascii(identifier));
  auto row = st->step();
  if (!row) return row.error();
  if (!*row) return fail("unknown_voter", "no voter with this identifier");
  return ReissueData{st->column_text(0), st->column_text(1), st->column_text(2)};
}

Result<ElectorPage> Urn::electors(std::string_view scrutin, std::string_view query, uint64_t from,
                                  uint64_t limit) const {
  auto folded = portal::normalize_answer(query);
  if (!folded) return fail("bad_query", "the name to search is empty or not text");
  const std::string end = prefix_end(*folded);
  constexpr auto kMax = static_cast<uint64_t>(std::numeric_limits<int64_t>::max());
  std::lock_guard lock(s_->read_mu);
  State& s = *s_;
  ElectorPage page;
  {
    StmtScope st(s.rq.electors_count);
    st->bind(1, scrutin);
    st->bind(2, *folded);
    st->bind(3, end);
    auto row = st->step();
    if (!row) return row.error();
    page.total = *row ? static_cast<uint64_t>(st->column_int(0)) : 0;
  }
  StmtScope st(s.rq.electors_page);
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
    StmtScope st(s.q.eligible);
    st->bind(1, voter_id);
    st->bind(2, scrutin);
    auto row = st->step();
    if (!row) return row.error();
    if (!*row) return fail("not_eligible", "the voter is not on the list of this scrutin");
  }
  {
    StmtScope st(s.q.count_reclamations);
    st->bind(1, voter_id);
    auto row = st->step();
    if (!row) return row.error();
    if (*row && st->column_int(0) >= kMaxReclamationsPerVoter) {
      return fail("too_many_reclamations",
                  "at most " + std::to_string(kMaxReclamationsPerVoter) + " per voter");
    }
  }
  StmtScope st(s.q.insert_reclamation);
  st->bind(1, voter_id);
  st->bind(2, scrutin);
  st->bind(3, whole_seconds(now).to_string());
  st->bind(4, text);
  auto inserted = st->step();
  if (!inserted) return inserted.error();
  if (!*inserted) return fail(std::string(kStorageError), "no reclamation id");
  return st->column_int(0);
}

Result<RecordFiles> Urn::export_record() const {
  const auto m = s_->current_manifest();
  if (!m) return fail("no_election", "no election is loaded");
  std::lock_guard lock(s_->read_mu);
  return closing::export_files(*s_->rdb, *m);
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

Result<std::string> Urn::published(std::string_view name) const {
  std::lock_guard lock(s_->read_mu);
  return closing::published(*s_->rdb, name);
}

Result<std::vector<Turnout>> Urn::turnout() const {
  const auto m = s_->current_manifest();
  if (!m) return fail("no_election", "no election is loaded");
  std::lock_guard lock(s_->read_mu);
  return closing::turnout(*s_->rdb, *m);
}

namespace {

// A connection of its own to a data directory's two files, for the admin
// while the server runs: SQLite's locks order it with the server's
// transactions (busy timeout), and the rollback journal keeps a
// transaction over both files atomic.
struct SideConnection {
  std::unique_ptr<SqlConnection> db;
  std::shared_ptr<const Manifest> manifest;
};

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

}  // namespace

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

// The urn's tables in SQLite and in PostgreSQL, and its connections.
#include "urn/urn_state.h"

namespace isoloir::urn {

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

const std::string_view kPostgresWriteLock = "SELECT id FROM main.sequencer WHERE id = 1 FOR UPDATE";

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
  auto c = postgres_connection(conninfo, std::string(kPostgresWriteLock));
  if (!c) return c.error();
  if (Status st = (*c)->exec("BEGIN;" + std::string(kPostgresSchema) +
                             std::string(closing::kPostgresSchema) + "COMMIT;");
      !st) {
    return st.error();
  }
  return c;
}

}  // namespace isoloir::urn

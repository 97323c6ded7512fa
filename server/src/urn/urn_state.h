// The urn's private parts (server/src): the state one Urn holds and the
// helpers its files share. The urn is split by what it holds, each part in
// a file of its own over the same connections and transaction:
//   urn.cpp              opening, the election's import, the close, the
//                        admin's side connections;
//   urn_schema.cpp       the tables, SQLite's and PostgreSQL's;
//   urn_board.cpp        the board: ballots, signed tree heads, the Merkle log;
//   urn_registry.cpp     the registry: voters, credentials, émargements;
//   urn_cast.cpp         casting: admission and the write groups, which
//                        compose the registry's and the board's writes in
//                        one transaction;
//   urn_lists.cpp        the electoral lists' search;
//   urn_reclamations.cpp the voters' complaints.
#ifndef ISOLOIR_URN_URN_STATE_H_
#define ISOLOIR_URN_URN_STATE_H_

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

#include "db/sql.h"
#include "db/sqlite.h"
#include "isoloir/ballot.h"
#include "isoloir/canonical_json.h"
#include "isoloir/credential.h"
#include "isoloir/receipt.h"
#include "isoloir/record_writer.h"
#include "isoloir/registry.h"
#include "isoloir/signed_document.h"
#include "isoloir/tree_head.h"
#include "isoloir/trustees.h"
#include "isoloir/urn/data_dir.h"
#include "text/text.h"
#include "urn/urn_close.h"

namespace isoloir::urn {

inline constexpr size_t kMaxFieldBytes = 256;

inline Timestamp whole_seconds(const Timestamp& t) {
  return Timestamp{t.seconds, 0};
}

inline bool has_control(std::string_view s) {
  for (unsigned char c : s) {
    if (c < 0x20 || c == 0x7f) return true;
  }
  return false;
}

inline Error in(const std::string& where, const Error& e) {
  return fail(e.reason, e.detail.empty() ? where : where + ": " + e.detail);
}

// The electoral list's search keys of a folded name: the name from each of
// its words on ("jeanne dupont-martin", "dupont-martin", "martin"), so that
// an indexed prefix search finds a voter by any word of the name.
inline std::vector<std::string> word_keys(const std::string& folded) {
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
inline std::string prefix_end(const std::string& prefix) {
  return prefix + "\xf4\x8f\xbf\xbf";
}

inline bool is_text_field(std::string_view s) {
  for (unsigned char c : s) {
    if ((c < 0x20 && c != '\n' && c != '\t' && c != '\r') || c == 0x7f) return false;
  }
  return true;
}

// A stored time, written by this code: a bad one means a damaged store.
inline Result<Timestamp> stored_time(const std::string& text) {
  auto t = Timestamp::parse(text, "stored time");
  if (!t) return fail("corrupt_store", t.error().detail);
  return *t;
}

// The schemas and the connections (urn_schema.cpp).
extern const std::string_view kPostgresWriteLock;
// urn.sqlite with emargement.sqlite attached as `emargement`; read-write
// connections get the pragmas (checked) and the schema.
Result<std::unique_ptr<SqlConnection>> open_sqlite(const std::string& dir, bool read_only,
                                                   int busy_ms);
// The election's database in PostgreSQL, its schema created if missing
// (under an advisory lock: servers may start together).
Result<std::unique_ptr<SqlConnection>> open_postgres(const std::string& conninfo);

// A connection of its own to a data directory's urn (urn.cpp), for the
// admin while the server runs.
struct SideConnection {
  std::unique_ptr<SqlConnection> db;
  std::shared_ptr<const Manifest> manifest;
};
Result<SideConnection> open_side(const std::string& dir, bool read_only);

struct Urn::State {
  State(SigningKey k, UrnOptions o) : key(std::move(k)), options(o), verifiers(cores()) {}
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
  const UrnOptions options;
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
  // The in-memory log, under log_mu: the writer appends (its uncommitted
  // leaves too, which no reader asks about: readers prove against signed
  // heads, which are committed, and a failed group's leaves are cut back),
  // readers catch up.
  mutable std::shared_mutex log_mu;
  MerkleLog log;
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

  // The prepared statements, each part owning its own and preparing them
  // in its file: the election (urn.cpp), the registry (urn_registry.cpp),
  // the board (urn_board.cpp), the electoral lists (urn_lists.cpp), the
  // réclamations (urn_reclamations.cpp). Casting composes the registry's
  // and the board's in one transaction (urn_cast.cpp).
  struct Statements {
    struct Election {
      Stmt put_manifest, put_registry_election, closed_at;
      Status prepare(SqlConnection& c);
    } election;
    struct Registry {
      Stmt voter_by_identifier, voter_by_pseudonym, insert_voter, insert_voter_scrutin;
      Stmt credential_by_key, current_credential, insert_credential, revoke_credential;
      Stmt has_voted, eligible, insert_emargement, get_emargement;
      Stmt voter_row, voter_scrutins, current_credential_key, revoked_credential_keys, reissue_row,
          all_credentials;
      Status prepare(SqlConnection& c);
    } registry;
    struct Board {
      Stmt insert_ballot, insert_tree_head;
      Stmt ballots_from, ballot_by_reference, tree_head_by_size, latest_tree_head, leaves_from;
      Status prepare(SqlConnection& c);
    } board;
    struct Lists {
      Stmt insert_elector_key, electors_count, electors_page;
      Status prepare(SqlConnection& c);
    } lists;
    struct Reclamations {
      Stmt count_reclamations, insert_reclamation;
      Status prepare(SqlConnection& c);
    } reclamations;
  } q, rq;  // the writer's and the readers'

  // Every part's statements on `c`.
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
  Status catch_up_to(Statements& st, uint64_t size);
  void cut_back(uint64_t committed);
  uint64_t log_size() const;
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

}  // namespace isoloir::urn

#endif  // ISOLOIR_URN_URN_STATE_H_

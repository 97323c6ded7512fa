// The portal's short-lived state in PostgreSQL (portal_state.h), for several
// isoloir-server processes on one database. What one process got from its
// mutexes, the database gives here, because the other writer may be another
// server:
// - the proof of work's MAC key and the throttles' hash key are drawn once,
//   by whichever server starts first (INSERT ... ON CONFLICT DO NOTHING),
//   and read by all: a challenge made by one server verifies on another;
// - a solution is spent by INSERT ... ON CONFLICT DO NOTHING on its
//   challenge's digest: of two servers spending it at once, one inserts and
//   the other finds it spent;
// - a throttle's key has one row, read with SELECT ... FOR UPDATE, moved on
//   by throttle_rules (the in-memory Throttle's own arithmetic) and written
//   back in the same transaction: failures on every server count, none is
//   lost to a race;
// - an OpenID flow is taken by DELETE ... RETURNING: one callback gets it.
// READ COMMITTED everywhere, through pg.h.
#include <sodium.h>

#include <array>
#include <atomic>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "db/pg.h"
#include "isoloir/bytes.h"
#include "isoloir/hash.h"
#include "isoloir/portal/portal_state.h"
#include "isoloir/random.h"

namespace isoloir::portal {
namespace {

// Unqualified names: the connection's search_path says in which schema, as
// for the AccountStore's tables (account_store_pg.cpp).
constexpr const char* kSchema = R"sql(
CREATE TABLE IF NOT EXISTS portal_secrets (
  name TEXT PRIMARY KEY,
  secret BYTEA NOT NULL CHECK (length(secret) = 32)
);
CREATE TABLE IF NOT EXISTS portal_throttles (
  name TEXT NOT NULL,
  key BYTEA NOT NULL CHECK (length(key) = 16),
  failures INTEGER NOT NULL,
  last_failure BIGINT NOT NULL,
  next_allowed BIGINT NOT NULL,
  locked BOOLEAN NOT NULL,
  stale_at BIGINT NOT NULL,
  PRIMARY KEY (name, key)
);
CREATE INDEX IF NOT EXISTS portal_throttles_by_staleness ON portal_throttles(name, stale_at);
CREATE TABLE IF NOT EXISTS portal_pow_spent (
  challenge BYTEA PRIMARY KEY CHECK (length(challenge) = 32),
  expires_at BIGINT NOT NULL
);
CREATE INDEX IF NOT EXISTS portal_pow_spent_by_expiry ON portal_pow_spent(expires_at);
CREATE TABLE IF NOT EXISTS portal_oidc_flows (
  state BYTEA PRIMARY KEY CHECK (length(state) = 32),
  identifier TEXT NOT NULL,
  nonce TEXT NOT NULL,
  verifier TEXT NOT NULL,
  expires_at BIGINT NOT NULL
);
CREATE INDEX IF NOT EXISTS portal_oidc_flows_by_expiry ON portal_oidc_flows(expires_at);
)sql";

// Expired rows go in batches of at most this many, every kPurgeEvery uses of
// a store on each server: a purge costs an index range, never a scan of a
// table a flood has filled.
constexpr int64_t kPurgeBatch = 1000;
constexpr uint64_t kPurgeEvery = 256;
// Spent solutions are forgotten this long after their challenge expired:
// another server whose clock is behind still refuses them as replayed,
// not accepts them, for a skew up to this.
constexpr int64_t kClockSkewSeconds = 120;

std::vector<std::pair<std::string, std::string>> statements() {
  return {
      {"portal_secret_draw",
       "INSERT INTO portal_secrets(name, secret) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING"},
      {"portal_secret", "SELECT secret FROM portal_secrets WHERE name = $1"},
      {"portal_throttle_get",
       "SELECT failures, last_failure, next_allowed, locked::int FROM portal_throttles "
       "WHERE name = $1 AND key = $2"},
      {"portal_throttle_lock",
       "SELECT failures, last_failure, next_allowed, locked::int FROM portal_throttles "
       "WHERE name = $1 AND key = $2 FOR UPDATE"},
      {"portal_throttle_insert",
       "INSERT INTO portal_throttles(name, key, failures, last_failure, next_allowed, locked, "
       "stale_at) VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (name, key) DO NOTHING"},
      {"portal_throttle_update",
       "UPDATE portal_throttles SET failures = $3, last_failure = $4, next_allowed = $5, "
       "locked = $6, stale_at = $7 WHERE name = $1 AND key = $2"},
      {"portal_throttle_forget", "DELETE FROM portal_throttles WHERE name = $1 AND key = $2"},
      {"portal_throttle_purge",
       "DELETE FROM portal_throttles WHERE (name, key) IN (SELECT name, key FROM "
       "portal_throttles WHERE name = $1 AND stale_at <= $2 LIMIT $3)"},
      {"portal_pow_spend",
       "INSERT INTO portal_pow_spent(challenge, expires_at) VALUES ($1, $2) "
       "ON CONFLICT (challenge) DO NOTHING"},
      {"portal_pow_purge",
       "DELETE FROM portal_pow_spent WHERE challenge IN (SELECT challenge FROM "
       "portal_pow_spent WHERE expires_at <= $1 LIMIT $2)"},
      {"portal_oidc_put",
       "INSERT INTO portal_oidc_flows(state, identifier, nonce, verifier, expires_at) "
       "VALUES ($1, $2, $3, $4, $5)"},
      {"portal_oidc_take",
       "DELETE FROM portal_oidc_flows WHERE state = $1 "
       "RETURNING identifier, nonce, verifier, expires_at"},
      {"portal_oidc_purge",
       "DELETE FROM portal_oidc_flows WHERE state IN (SELECT state FROM portal_oidc_flows "
       "WHERE expires_at <= $1 LIMIT $2)"},
  };
}

using Secret = std::array<uint8_t, 32>;

pqxx::binarystring bin(const uint8_t* data, size_t size) {
  return pqxx::binarystring(data, size);
}

// The secret named `name`, drawn by the first server to ask.
Result<Secret> shared_secret(pg::Pool& pool, const std::string& name) {
  Secret fresh{};
  random_bytes(fresh);
  Result<Bytes> stored = pool.autocommit([&](pqxx::nontransaction& tx) -> Result<Bytes> {
    tx.exec_prepared("portal_secret_draw", name, bin(fresh.data(), fresh.size()));
    const pqxx::result r = tx.exec_prepared("portal_secret", name);
    if (r.empty()) return fail(std::string(pg::kStorageError), "the secret " + name + " is gone");
    return pg::as_bytes(r[0][0]);
  });
  sodium_memzero(fresh.data(), fresh.size());
  if (!stored) return stored.error();
  if (stored->size() != Secret().size()) {
    return fail(std::string(pg::kStorageError), "the secret " + name + " is not 32 bytes");
  }
  Secret out{};
  std::copy(stored->begin(), stored->end(), out.begin());
  sodium_memzero(stored->data(), stored->size());
  return out;
}

// --- throttles ---------------------------------------------------------------

ThrottleState state_of(const pqxx::row& row) {
  return ThrottleState{static_cast<int>(pg::as_int(row[0])), pg::as_int(row[1]), pg::as_int(row[2]),
                       pg::as_int(row[3]) != 0};
}

bool same(const ThrottleState& a, const ThrottleState& b) {
  return a.failures == b.failures && a.last_failure == b.last_failure &&
         a.next_allowed == b.next_allowed && a.locked == b.locked;
}

class PostgresThrottle final : public ThrottleStore {
 public:
  PostgresThrottle(std::shared_ptr<pg::Pool> pool, const Secret& key, std::string name,
                   ThrottlePolicy policy)
      : pool_(std::move(pool)),
        key_(key),
        name_(std::move(name)),
        policy_(throttle_rules::sanitized(policy)) {}
  ~PostgresThrottle() override { sodium_memzero(key_.data(), key_.size()); }

  Result<ThrottleVerdict> check(std::string_view key, int64_t now) override {
    const Digest d = digest(key);
    return pool_->autocommit([&](pqxx::nontransaction& tx) -> Result<ThrottleVerdict> {
      const pqxx::result r =
          tx.exec_prepared("portal_throttle_get", name_, bin(d.data(), d.size()));
      if (r.empty()) return ThrottleVerdict{true, 0, false};
      return throttle_rules::verdict(policy_, state_of(r[0]), now);
    });
  }

  Result<ThrottleVerdict> failure(std::string_view key, int64_t now) override {
    const Digest d = digest(key);
    Result<ThrottleVerdict> v = pool_->transact(
        [&](pqxx::work& tx) -> Result<ThrottleVerdict> { return record(tx, d, now); });
    if (v && failures_.fetch_add(1) % kPurgeEvery == 0) purge(now);
    return v;
  }

  Status success(std::string_view key) override {
    const Digest d = digest(key);
    return pool_->autocommit([&](pqxx::nontransaction& tx) -> Status {
      tx.exec_prepared("portal_throttle_forget", name_, bin(d.data(), d.size()));
      return Status::Ok();
    });
  }

 private:
  using Digest = std::array<uint8_t, 16>;

  // As the in-memory Throttle: a keyed hash, so that the table holds no
  // identifier or address in clear, and any key costs the same.
  Digest digest(std::string_view key) const {
    Digest d{};
    crypto_generichash(d.data(), d.size(), reinterpret_cast<const unsigned char*>(key.data()),
                       key.size(), key_.data(), key_.size());
    return d;
  }

  // The failure, under the key's row lock: a server recording one at the
  // same moment waits, then builds on this one's row.
  Result<ThrottleVerdict> record(pqxx::work& tx, const Digest& d, int64_t now) {
    const auto k = bin(d.data(), d.size());
    // Twice at most: a first failure another server inserted meanwhile is
    // found, locked, by the second look.
    for (int attempt = 0; attempt < 2; ++attempt) {
      const pqxx::result r = tx.exec_prepared("portal_throttle_lock", name_, k);
      const ThrottleState before = r.empty() ? ThrottleState{} : state_of(r[0]);
      const ThrottleState after = throttle_rules::after_failure(policy_, before, now);
      const int64_t stale_at = throttle_rules::stale_at(policy_, after);
      if (r.empty()) {
        const pqxx::result ins =
            tx.exec_prepared("portal_throttle_insert", name_, k, after.failures, after.last_failure,
                             after.next_allowed, after.locked, stale_at);
        if (ins.affected_rows() == 0) continue;
      } else if (!same(before, after)) {
        tx.exec_prepared("portal_throttle_update", name_, k, after.failures, after.last_failure,
                         after.next_allowed, after.locked, stale_at);
      }
      return throttle_rules::verdict(policy_, after, now);
    }
    return fail(std::string(pg::kStorageConflict), "a throttle row kept changing");
  }

  // Rows that would start afresh anyway: forgetting them loses nothing.
  void purge(int64_t now) {
    (void)pool_->autocommit([&](pqxx::nontransaction& tx) -> Status {
      tx.exec_prepared("portal_throttle_purge", name_, now, kPurgeBatch);
      return Status::Ok();
    });
  }

  std::shared_ptr<pg::Pool> pool_;
  Secret key_;
  const std::string name_;
  const ThrottlePolicy policy_;
  std::atomic<uint64_t> failures_{0};
};

// --- proof of work -------------------------------------------------------------

class PostgresPowReplay final : public PowReplayMemory {
 public:
  explicit PostgresPowReplay(std::shared_ptr<pg::Pool> pool) : pool_(std::move(pool)) {}

  Status spend(std::string_view challenge, int64_t expires_at, int64_t now) override {
    const Digest32 d = sha256(as_bytes(challenge));
    Status s = pool_->autocommit([&](pqxx::nontransaction& tx) -> Status {
      if (spends_.fetch_add(1) % kPurgeEvery == 0) {
        tx.exec_prepared("portal_pow_purge", now - kClockSkewSeconds, kPurgeBatch);
      }
      const pqxx::result r =
          tx.exec_prepared("portal_pow_spend", bin(d.data(), d.size()), expires_at);
      if (r.affected_rows() == 0) {
        return fail("pow_replayed", "this challenge has been used already");
      }
      return Status::Ok();
    });
    return s;
  }

 private:
  std::shared_ptr<pg::Pool> pool_;
  std::atomic<uint64_t> spends_{0};
};

// --- OpenID flows --------------------------------------------------------------

class PostgresOidcFlows final : public OidcFlowStore {
 public:
  explicit PostgresOidcFlows(std::shared_ptr<pg::Pool> pool) : pool_(std::move(pool)) {}

  Status put(std::string_view state, const OidcFlow& flow, int64_t now) override {
    const Digest32 d = sha256(as_bytes(state));
    return pool_->autocommit([&](pqxx::nontransaction& tx) -> Status {
      tx.exec_prepared("portal_oidc_purge", now, kPurgeBatch);
      tx.exec_prepared("portal_oidc_put", bin(d.data(), d.size()), flow.identifier, flow.nonce,
                       flow.verifier, flow.expires_at);
      return Status::Ok();
    });
  }

  Result<OidcFlow> take(std::string_view state) override {
    if (state.empty()) return bad_state();
    const Digest32 d = sha256(as_bytes(state));
    return pool_->autocommit([&](pqxx::nontransaction& tx) -> Result<OidcFlow> {
      const pqxx::result r = tx.exec_prepared("portal_oidc_take", bin(d.data(), d.size()));
      if (r.empty()) return bad_state();
      return OidcFlow{pg::as_text(r[0][0]), pg::as_text(r[0][1]), pg::as_text(r[0][2]),
                      pg::as_int(r[0][3])};
    });
  }

 private:
  static Error bad_state() {
    return fail("oidc_bad_state", "no identity check under way for this state");
  }

  std::shared_ptr<pg::Pool> pool_;
};

// --- the bundle ----------------------------------------------------------------

class PostgresPortalState final : public PortalState {
 public:
  PostgresPortalState(std::shared_ptr<pg::Pool> pool, const Secret& pow_key,
                      const Secret& throttle_key)
      : pool_(std::move(pool)), pow_key_(pow_key), throttle_key_(throttle_key) {}
  ~PostgresPortalState() override {
    sodium_memzero(pow_key_.data(), pow_key_.size());
    sodium_memzero(throttle_key_.data(), throttle_key_.size());
  }

  const char* backend() const override { return "postgresql"; }
  std::unique_ptr<ThrottleStore> throttle(std::string_view name, ThrottlePolicy policy) override {
    return std::make_unique<PostgresThrottle>(pool_, throttle_key_, std::string(name), policy);
  }
  std::unique_ptr<PowIssuer> pow_issuer(PowPolicy policy) override {
    return std::make_unique<PowIssuer>(policy, std::span<const uint8_t, 32>(pow_key_),
                                       std::make_unique<PostgresPowReplay>(pool_));
  }
  std::unique_ptr<OidcFlowStore> oidc_flows(size_t /*max_flows*/) override {
    return std::make_unique<PostgresOidcFlows>(pool_);
  }

 private:
  std::shared_ptr<pg::Pool> pool_;
  Secret pow_key_;
  Secret throttle_key_;
};

}  // namespace

Result<std::unique_ptr<PortalState>> PortalState::open_postgres(const std::string& conninfo,
                                                                size_t connections) {
  ensure_sodium();
  auto opened = pg::Pool::open(conninfo, connections);
  if (!opened) return opened.error();
  std::shared_ptr<pg::Pool> pool = std::move(*opened);
  if (Status s = pg::create_schema(*pool, "isoloir.portal_state", kSchema); !s) return s.error();
  if (Status s = pool->prepare(statements()); !s) return s.error();
  Result<Secret> pow_key = shared_secret(*pool, "pow");
  if (!pow_key) return pow_key.error();
  Result<Secret> throttle_key = shared_secret(*pool, "throttle");
  if (!throttle_key) return throttle_key.error();
  auto state = std::make_unique<PostgresPortalState>(std::move(pool), *pow_key, *throttle_key);
  sodium_memzero(pow_key->data(), pow_key->size());
  sodium_memzero(throttle_key->data(), throttle_key->size());
  return std::unique_ptr<PortalState>(std::move(state));
}

}  // namespace isoloir::portal

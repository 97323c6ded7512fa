#include "urn/ceremony_store.h"

#include <sodium.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <set>
#include <utility>

#include "db/sqlite.h"
#include "isoloir/bytes.h"
#include "isoloir/canonical_json.h"
#include "isoloir/ceremony.h"
#include "isoloir/hash.h"
#include "isoloir/random.h"

namespace isoloir::server {
namespace {

using urn::Database;
using urn::Statement;
using urn::StatementScope;

// One ceremony per file (the row with id 1). Documents are keyed by
// (trustee, round): the primary key is what refuses a second one.
constexpr std::string_view kSchema = R"sql(
PRAGMA journal_mode = WAL;
PRAGMA synchronous = FULL;
PRAGMA busy_timeout = 5000;
CREATE TABLE IF NOT EXISTS ceremony (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  election_id TEXT NOT NULL,
  trustees INTEGER NOT NULL,
  threshold INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS members (
  idx INTEGER PRIMARY KEY,
  name TEXT NOT NULL,
  token_hash BLOB NOT NULL UNIQUE CHECK (length(token_hash) = 32),
  spent INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS documents (
  idx INTEGER NOT NULL,
  round INTEGER NOT NULL CHECK (round BETWEEN 1 AND 3),
  body TEXT NOT NULL,
  PRIMARY KEY (idx, round)
) WITHOUT ROWID;
)sql";

constexpr size_t kTokenBytes = 32;

Digest32 digest_of(std::string_view token) {
  return sha256(as_bytes(token));
}

std::string new_token() {
  std::array<uint8_t, kTokenBytes> raw{};
  random_bytes(raw);
  std::string out = base64url_encode(raw);
  sodium_memzero(raw.data(), raw.size());
  return out;
}

Result<Statement> prepared(const Database& db, std::string_view sql) {
  // Database::prepare is not const; the store serialises every use.
  return const_cast<Database&>(db).prepare(sql);  // NOLINT(cppcoreguidelines-pro-type-const-cast)
}

std::string trustee(uint32_t i) {
  return "trustee " + std::to_string(i);
}

}  // namespace

struct CeremonyStore::State {
  mutable std::mutex mu;
  Database db;

  Result<CeremonyState> read() const;
  Status check(const CeremonyState& c, uint32_t index, CeremonyRound round, const Json& doc,
               std::string& canonical) const;
};

CeremonyStore::CeremonyStore(std::unique_ptr<State> state) : state_(std::move(state)) {}
CeremonyStore::~CeremonyStore() = default;

Result<std::unique_ptr<CeremonyStore>> CeremonyStore::open(const std::string& path) {
  auto db = Database::open(path);
  if (!db) return db.error();
  if (Status s = db->exec(std::string(kSchema)); !s) return s.error();
  auto state = std::make_unique<State>();
  state->db = std::move(*db);
  return std::unique_ptr<CeremonyStore>(new CeremonyStore(std::move(state)));
}

Result<std::vector<std::string>> CeremonyStore::open_ceremony(
    std::string_view election_id, uint32_t threshold, const std::vector<std::string>& names) {
  const auto n = static_cast<uint32_t>(names.size());
  if (n < kMinCeremonyTrustees || n > kMaxTrustees) {
    return fail("usage", "a ceremony has 2 to 15 trustees");
  }
  if (threshold < 1 || threshold > n) return fail("usage", "the threshold is 1 to n");
  if (election_id.empty()) return fail("usage", "no election id");
  std::set<std::string> seen;
  for (const std::string& name : names) {
    if (name.empty() || name.size() > kMaxTrusteeNameBytes || !seen.insert(name).second) {
      return fail("usage", "the trustees' names are distinct, 1 to 200 bytes");
    }
  }
  // The names and id must be what the core accepts in a commitment.
  SystemScalarSource rng;
  for (uint32_t i = 1; i <= n; ++i) {
    auto probe = ceremony_init(election_id, i, n, threshold, names[i - 1], rng);
    if (!probe) return fail("usage", probe.error().message());
  }

  const std::lock_guard lock(state_->mu);
  Database& db = state_->db;
  if (Status s = db.exec("BEGIN IMMEDIATE"); !s) return s.error();
  auto rollback = [&db](Error e) -> Error {
    (void)db.exec("ROLLBACK");
    return e;
  };
  auto insert = db.prepare(
      "INSERT INTO ceremony(id, election_id, trustees, threshold) "
      "VALUES(1, ?, ?, ?)");
  if (!insert) return rollback(insert.error());
  insert->bind(1, election_id);
  insert->bind(2, int64_t{n});
  insert->bind(3, int64_t{threshold});
  if (Status s = insert->run(); !s) {
    if (s.error().reason == urn::kStorageConstraint) {
      return rollback(fail("ceremony_exists", "a ceremony is open in this data directory already"));
    }
    return rollback(s.error());
  }
  auto member = db.prepare("INSERT INTO members(idx, name, token_hash) VALUES(?, ?, ?)");
  if (!member) return rollback(member.error());
  std::vector<std::string> tokens;
  for (uint32_t i = 1; i <= n; ++i) {
    tokens.push_back(new_token());
    const Digest32 h = digest_of(tokens.back());
    const StatementScope scope(*member);
    member->bind(1, int64_t{i});
    member->bind(2, names[i - 1]);
    member->bind_blob(3, h);
    if (Status s = member->run(); !s) return rollback(s.error());
  }
  if (Status s = db.exec("COMMIT"); !s) return rollback(s.error());
  return tokens;
}

Result<CeremonyState> CeremonyStore::State::read() const {
  auto head = prepared(db, "SELECT election_id, trustees, threshold FROM ceremony WHERE id = 1");
  if (!head) return head.error();
  auto row = head->step();
  if (!row) return row.error();
  if (!*row) return fail("no_ceremony", "no key ceremony is open");
  CeremonyState c;
  c.election_id = head->column_text(0);
  c.trustees = static_cast<uint32_t>(head->column_int(1));
  c.threshold = static_cast<uint32_t>(head->column_int(2));
  auto members = prepared(db, "SELECT idx, name FROM members ORDER BY idx");
  if (!members) return members.error();
  for (;;) {
    auto r = members->step();
    if (!r) return r.error();
    if (!*r) break;
    CeremonyTrusteeState m;
    m.index = static_cast<uint32_t>(members->column_int(0));
    m.name = members->column_text(1);
    c.members.push_back(std::move(m));
  }
  auto docs = prepared(db, "SELECT idx, round, body FROM documents");
  if (!docs) return docs.error();
  for (;;) {
    auto r = docs->step();
    if (!r) return r.error();
    if (!*r) break;
    const auto idx = static_cast<uint32_t>(docs->column_int(0));
    if (idx < 1 || idx > c.members.size()) continue;
    CeremonyTrusteeState& m = c.members[idx - 1];
    switch (docs->column_int(1)) {
      case 1:
        m.commitment = docs->column_text(2);
        break;
      case 2:
        m.shares = docs->column_text(2);
        break;
      default:
        m.verification_key = docs->column_text(2);
    }
  }
  return c;
}

Result<CeremonyState> CeremonyStore::state() const {
  const std::lock_guard lock(state_->mu);
  return state_->read();
}

Result<uint32_t> CeremonyStore::trustee_of(std::string_view token) const {
  const std::lock_guard lock(state_->mu);
  auto q = prepared(state_->db, "SELECT idx, spent FROM members WHERE token_hash = ?");
  if (!q) return q.error();
  q->bind_blob(1, digest_of(token));
  auto row = q->step();
  if (!row) return row.error();
  if (!*row) return fail("bad_token", "this link is not a trustee's link of this ceremony");
  if (q->column_int(1) != 0) {
    return fail("link_spent", "this link was used to the end of the ceremony already");
  }
  return static_cast<uint32_t>(q->column_int(0));
}

Status CeremonyStore::State::check(const CeremonyState& c, uint32_t index, CeremonyRound round,
                                   const Json& doc, std::string& canonical) const {
  const CeremonyTrusteeState& me = c.members[index - 1];
  auto wrong = [](const std::string& why) { return fail("wrong_document", why); };
  switch (round) {
    case CeremonyRound::kCommitment: {
      auto p = parse_commitment(doc);
      if (!p) return p.error();
      if (p->election_id != c.election_id) return wrong("another election's commitment");
      if (p->index != index) return wrong("the commitment of " + trustee(p->index) + ", not mine");
      if (p->trustees != c.trustees || p->threshold != c.threshold) {
        return wrong("the ceremony has " + std::to_string(c.threshold) + " of " +
                     std::to_string(c.trustees) + " trustees");
      }
      if (p->name != me.name) return wrong("this trustee's name is " + me.name);
      canonical = canonical_dump(commitment_to_json(*p));
      return Status::Ok();
    }
    case CeremonyRound::kShares: {
      if (me.commitment.empty()) return fail("not_yet", "the commitment comes first");
      auto p = parse_shares(doc);
      if (!p) return p.error();
      if (p->election_id != c.election_id) return wrong("another election's shares");
      if (p->from != index) return wrong("the shares of " + trustee(p->from) + ", not mine");
      if (p->shares.size() != c.trustees - 1 ||
          (!p->shares.empty() && p->shares.back().to > c.trustees)) {
        return wrong("one share to each other trustee of the " + std::to_string(c.trustees));
      }
      canonical = canonical_dump(shares_to_json(*p));
      return Status::Ok();
    }
    case CeremonyRound::kVerificationKey: {
      if (me.shares.empty()) return fail("not_yet", "the shares come first");
      auto p = parse_verification_key(doc);
      if (!p) return p.error();
      if (p->election_id != c.election_id) return wrong("another election's verification key");
      if (p->index != index) {
        return wrong("the verification key of " + trustee(p->index) + ", not mine");
      }
      canonical = canonical_dump(verification_key_to_json(*p));
      return Status::Ok();
    }
  }
  return fail("usage", "no such round");
}

Status CeremonyStore::post(uint32_t index, CeremonyRound round, std::string_view document) {
  auto doc = parse_json(document);
  if (!doc) return doc.error();
  const std::lock_guard lock(state_->mu);
  auto c = state_->read();
  if (!c) return c.error();
  if (index < 1 || index > c->members.size()) return fail("bad_token", "no such trustee");
  const CeremonyTrusteeState& me = c->members[index - 1];
  const std::string& existing = round == CeremonyRound::kCommitment ? me.commitment
                                : round == CeremonyRound::kShares   ? me.shares
                                                                    : me.verification_key;
  if (!existing.empty()) {
    return fail("already_posted", trustee(index) + " posted this round's document already");
  }
  std::string canonical;
  if (Status s = state_->check(*c, index, round, *doc, canonical); !s) return s;

  Database& db = state_->db;
  if (Status s = db.exec("BEGIN IMMEDIATE"); !s) return s;
  auto rollback = [&db](Error e) -> Status {
    (void)db.exec("ROLLBACK");
    return e;
  };
  auto insert = db.prepare("INSERT INTO documents(idx, round, body) VALUES(?, ?, ?)");
  if (!insert) return rollback(insert.error());
  insert->bind(1, int64_t{index});
  insert->bind(2, static_cast<int64_t>(round));
  insert->bind(3, canonical);
  if (Status s = insert->run(); !s) {
    if (s.error().reason == urn::kStorageConstraint) {
      return rollback(fail("already_posted", trustee(index) + " posted this document already"));
    }
    return rollback(s.error());
  }
  if (round == CeremonyRound::kVerificationKey) {
    auto spend = db.prepare("UPDATE members SET spent = 1 WHERE idx = ?");
    if (!spend) return rollback(spend.error());
    spend->bind(1, int64_t{index});
    if (Status s = spend->run(); !s) return rollback(s.error());
  }
  if (Status s = db.exec("COMMIT"); !s) return rollback(s.error());
  return Status::Ok();
}

Result<Trustees> CeremonyStore::assemble() const {
  auto c = state();
  if (!c) return c.error();
  std::vector<TrusteeCommitment> commitments;
  std::vector<TrusteeShares> shares;
  std::vector<TrusteeVerificationKey> keys;
  // A trustee whose commitment is wrong is named even though the rounds
  // after it could not be run: every commitment's proof first.
  for (const CeremonyTrusteeState& m : c->members) {
    if (m.commitment.empty()) {
      return fail("not_yet", trustee(m.index) + " (" + m.name + ") has not posted its commitment");
    }
    auto pc = parse_json(m.commitment);
    if (!pc) return fail("storage_error", "a stored document does not parse");
    auto cm = parse_commitment(*pc);
    if (!cm) return cm.error();
    commitments.push_back(std::move(*cm));
  }
  auto checked = check_commitments(commitments);
  if (!checked) return checked.error();
  commitments.clear();
  for (const CeremonyTrusteeState& m : c->members) {
    if (m.commitment.empty() || m.shares.empty() || m.verification_key.empty()) {
      return fail("not_yet", trustee(m.index) + " (" + m.name + ") has not posted every round");
    }
    auto pc = parse_json(m.commitment);
    auto ps = parse_json(m.shares);
    auto pv = parse_json(m.verification_key);
    if (!pc || !ps || !pv) return fail("storage_error", "a stored document does not parse");
    auto cm = parse_commitment(*pc);
    if (!cm) return cm.error();
    auto sh = parse_shares(*ps);
    if (!sh) return sh.error();
    auto vk = parse_verification_key(*pv);
    if (!vk) return vk.error();
    commitments.push_back(std::move(*cm));
    shares.push_back(std::move(*sh));
    keys.push_back(std::move(*vk));
  }
  return assemble_trustees(std::move(commitments), shares, keys);
}

// ---------------------------------------------------------------------------
// isoloir-admin ceremony open | finish

namespace {

constexpr int kOk = 0;
constexpr int kRefused = 1;
constexpr int kUsage = 2;

constexpr const char* kCeremonyUsage =
    "usage: isoloir-admin --data-dir DIR ceremony open --election-id ID --threshold T "
    "[--url PUBLIC_URL] NAME...\n"
    "       isoloir-admin --data-dir DIR ceremony finish --out TRUSTEES\n";

int ceremony_usage(const std::string& why) {
  std::fprintf(stderr, "isoloir-admin: %s\n%s", why.c_str(), kCeremonyUsage);
  return kUsage;
}

int ceremony_refused(const Error& e) {
  std::fprintf(stderr, "isoloir-admin: refused: %s\n", e.message().c_str());
  return kRefused;
}

int ceremony_open(const std::string& dir, const std::vector<std::string>& args) {
  std::string election_id;
  std::string threshold_text;
  std::string url;
  std::vector<std::string> names;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (a == "--election-id" || a == "--threshold" || a == "--url") {
      if (i + 1 >= args.size()) return ceremony_usage(a + " needs a value");
      std::string& to = a == "--election-id" ? election_id
                        : a == "--threshold" ? threshold_text
                                             : url;
      to = args[++i];
    } else if (a.starts_with("--")) {
      return ceremony_usage("unknown option " + a);
    } else {
      names.push_back(a);
    }
  }
  uint32_t threshold = 0;
  bool ok = !threshold_text.empty() && threshold_text.size() <= 2;
  for (const char ch : threshold_text) {
    ok = ok && ch >= '0' && ch <= '9';
    if (ok) threshold = threshold * 10 + static_cast<uint32_t>(ch - '0');
  }
  if (election_id.empty() || !ok) return ceremony_usage("--election-id and --threshold are needed");
  while (!url.empty() && url.back() == '/') url.pop_back();
  // The ceremony may come before anything else in a new data directory.
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return ceremony_usage("cannot create '" + dir + "': " + ec.message());
  auto store = CeremonyStore::open(dir + "/ceremony.sqlite");
  if (!store) return ceremony_refused(store.error());
  auto tokens = (*store)->open_ceremony(election_id, threshold, names);
  if (!tokens) {
    if (tokens.error().reason == "usage") return ceremony_usage(tokens.error().detail);
    return ceremony_refused(tokens.error());
  }
  std::printf("ceremony of election %s: %zu trustees, threshold %u\n", election_id.c_str(),
              names.size(), threshold);
  for (size_t i = 0; i < tokens->size(); ++i) {
    std::printf("trustee %zu (%s): %s/tresorier#%s\n", i + 1, names[i].c_str(), url.c_str(),
                (*tokens)[i].c_str());
  }
  return kOk;
}

int ceremony_finish(const std::string& dir, const std::vector<std::string>& args) {
  if (args.size() != 2 || args[0] != "--out" || args[1].empty()) {
    return ceremony_usage("ceremony finish needs --out TRUSTEES");
  }
  const std::string& out = args[1];
  std::error_code ec;
  if (std::filesystem::exists(std::filesystem::symlink_status(out, ec))) {
    return ceremony_usage("'" + out + "' exists: never overwritten");
  }
  if (!std::filesystem::exists(dir + "/ceremony.sqlite", ec)) {
    return ceremony_refused(fail("no_ceremony", "no key ceremony in " + dir));
  }
  auto store = CeremonyStore::open(dir + "/ceremony.sqlite");
  if (!store) return ceremony_refused(store.error());
  auto trustees = (*store)->assemble();
  if (!trustees) return ceremony_refused(trustees.error());
  const std::string text = canonical_dump(trustees_to_json(*trustees));
  const std::string tmp = out + ".tmp";
  {
    std::ofstream f(tmp, std::ios::binary | std::ios::trunc);
    f << text;
    if (!f.flush()) return ceremony_usage("cannot write '" + tmp + "'");
  }
  std::filesystem::rename(tmp, out, ec);
  if (ec) return ceremony_usage("cannot write '" + out + "': " + ec.message());
  std::printf("public_key: %s\nthreshold: %u of %zu\ntrustees: %s\n",
              trustees->public_key.to_base64url().c_str(), trustees->threshold,
              trustees->trustees.size(), out.c_str());
  return kOk;
}

}  // namespace

int ceremony_admin(const std::string& data_dir, const std::vector<std::string>& args) {
  if (args.size() >= 2 && args[0] == "ceremony" && args[1] == "open") {
    return ceremony_open(data_dir, {args.begin() + 2, args.end()});
  }
  if (args.size() >= 2 && args[0] == "ceremony" && args[1] == "finish") {
    return ceremony_finish(data_dir, {args.begin() + 2, args.end()});
  }
  return ceremony_usage("ceremony open | ceremony finish");
}

}  // namespace isoloir::server

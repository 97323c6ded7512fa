#include "urn/urn_close.h"

#include <archive.h>
#include <archive_entry.h>

#include <cstdint>
#include <limits>
#include <map>
#include <memory>
#include <utility>
#include <vector>

#include "isoloir/ballot.h"
#include "isoloir/closing.h"
#include "isoloir/merkle.h"
#include "isoloir/record_writer.h"
#include "isoloir/registry.h"
#include "isoloir/tree_head.h"

namespace isoloir::urn::closing {

// urn.sqlite, public like the rest of it: the trustees' transcript (stored
// at import), the close and the published count. One row each, never
// changed once written.
const std::string_view kSchema = R"sql(
CREATE TABLE IF NOT EXISTS main.trustees (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  document TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS main.close (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  closed_at TEXT NOT NULL,
  early INTEGER NOT NULL,
  document TEXT NOT NULL,
  tree_head TEXT NOT NULL,
  aggregates TEXT NOT NULL
);
CREATE TRIGGER IF NOT EXISTS main.close_no_update BEFORE UPDATE ON close
  BEGIN SELECT RAISE(ABORT, 'the close is final'); END;
CREATE TABLE IF NOT EXISTS main.published (
  name TEXT PRIMARY KEY,
  content BLOB NOT NULL
);
)sql";

const std::string_view kPostgresSchema = R"sql(
CREATE TABLE IF NOT EXISTS main.trustees (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  document TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS main.close (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  closed_at TEXT COLLATE "C" NOT NULL,
  early INTEGER NOT NULL,
  document TEXT NOT NULL,
  tree_head TEXT NOT NULL,
  aggregates TEXT NOT NULL
);
CREATE OR REPLACE TRIGGER close_no_update BEFORE UPDATE OR DELETE ON main.close
  FOR EACH ROW EXECUTE FUNCTION main.append_only();
CREATE TABLE IF NOT EXISTS main.published (
  name TEXT COLLATE "C" PRIMARY KEY,
  content BYTEA NOT NULL
);
)sql";

namespace {

Result<std::optional<CloseState>> read_close(SqlConnection& db) {
  auto st = db.prepare(
      "SELECT closed_at, early, document, tree_head, aggregates FROM main.close WHERE id = 1");
  if (!st) return st.error();
  auto row = st->step();
  if (!row) return row.error();
  if (!*row) return std::optional<CloseState>();
  CloseState c;
  c.closed_at = st->column_text(0);
  c.early = st->column_int(1) != 0;
  c.document = st->column_text(2);
  c.tree_head = st->column_text(3);
  c.aggregates = st->column_text(4);
  return std::optional<CloseState>(std::move(c));
}

// Every stored ballot in log order, handed to `each` (log index, received
// time, reference, bytes); the first failure stops.
template <typename F>
Status for_each_ballot(SqlConnection& db, F each) {
  auto st = db.prepare(
      "SELECT log_index, received_at, reference, ballot FROM main.ballots ORDER BY log_index");
  if (!st) return st.error();
  for (uint64_t expected = 0;; ++expected) {
    auto row = st->step();
    if (!row) return row.error();
    if (!*row) return Status::Ok();
    if (st->column_int(0) != static_cast<int64_t>(expected)) {
      return fail("corrupt_store", "ballots: log index " + std::to_string(expected) + " missing");
    }
    if (Status s = each(expected, st->column_text(1), st->column_text(2), st->column_text(3)); !s) {
      return s;
    }
  }
}

Result<std::string> stored_trustees(SqlConnection& db) {
  auto t = db.query_text("SELECT document FROM main.trustees WHERE id = 1");
  if (!t && t.error().reason == "not_found") {
    return fail("no_trustees", "no trustees' transcript was imported with the election");
  }
  return t;
}

Result<std::string> credentials(SqlConnection& db, const Manifest& m) {
  auto st = db.prepare(
      "SELECT v.pseudonym, c.credential, c.issued_at, c.revoked_at "
      "FROM emargement.credentials c JOIN emargement.voters v ON v.id = c.voter_id "
      "ORDER BY c.issued_at, c.rowid");
  if (!st) return st.error();
  std::vector<CredentialEvent> events;
  for (;;) {
    auto row = st->step();
    if (!row) return row.error();
    if (!*row) break;
    const std::string where = "credential of " + st->column_text(0);
    CredentialEvent e;
    e.voter = st->column_text(0);
    const Bytes key = st->column_blob(1);
    if (key.size() != e.credential.size()) return fail("corrupt_store", where);
    std::copy(key.begin(), key.end(), e.credential.begin());
    auto issued = Timestamp::parse(st->column_text(2), where);
    if (!issued) return fail("corrupt_store", issued.error().detail);
    e.issued_at = *issued;
    if (!st->column_is_null(3)) {
      auto revoked = Timestamp::parse(st->column_text(3), where);
      if (!revoked) return fail("corrupt_store", revoked.error().detail);
      e.revoked_at = *revoked;
    }
    events.push_back(std::move(e));
  }
  return credentials_file(m.hash_b64, events);
}

}  // namespace

Result<std::optional<CloseState>> read(SqlConnection& db) {
  return read_close(db);
}

Result<CloseState> close(SqlConnection& db, const SigningKey& key, const Manifest& m,
                         const Timestamp& closed_at, bool early) {
  return in_write<CloseState>(db, [&]() -> Result<CloseState> {
    auto existing = read_close(db);
    if (!existing) return existing.error();
    if (*existing) {
      if (early) {
        return fail("already_closed", "the election was closed at " + (*existing)->closed_at);
      }
      return std::move(**existing);
    }
    // The final log and the aggregates, from the ballots as stored: each
    // was verified when it was admitted, so only its ciphertexts are read.
    std::vector<merkle::Hash> leaves;
    Aggregates aggregates(m);
    Status read_all =
        for_each_ballot(db,
                        [&](uint64_t index, const std::string& /*received*/,
                            const std::string& reference, const std::string& bytes) -> Status {
                          const std::string where = "ballot " + std::to_string(index);
                          auto digest = base64url_decode_fixed<32>(reference, where);
                          if (!digest) return fail("corrupt_store", where + ": reference");
                          auto ballot = decode_stored_ballot(m, bytes);
                          if (!ballot || ballot->digest != *digest)
                            return fail("corrupt_store", where);
                          if (Status s = aggregates.add(*ballot); !s)
                            return fail("corrupt_store", where);
                          leaves.push_back(merkle::leaf_hash(*digest));
                          return Status::Ok();
                        });
    if (!read_all) return read_all.error();
    const SignedDocument head =
        sign_tree_head(key, m.hash_b64, leaves.size(), merkle::root(leaves), closed_at);
    auto document = close_document(m.hash_b64, closed_at, early, head.bytes, key);
    if (!document) return document.error();
    CloseState c;
    c.closed_at = closed_at.to_string();
    c.early = early;
    c.document = std::move(*document);
    c.tree_head = head.bytes;
    c.aggregates = aggregates_file(m, aggregates, head.bytes);
    auto st = db.prepare(
        "INSERT INTO main.close(id, closed_at, early, document, tree_head, aggregates) "
        "VALUES(1, ?, ?, ?, ?, ?)");
    if (!st) return st.error();
    st->bind(1, c.closed_at);
    st->bind(2, int64_t{early ? 1 : 0});
    st->bind(3, c.document);
    st->bind(4, c.tree_head);
    st->bind(5, c.aggregates);
    if (Status s = st->run(); !s) return s.error();
    return c;
  });
}

Result<RecordFiles> export_files(SqlConnection& db, const Manifest& m) {
  RecordFiles files;
  files.manifest = m.canonical;
  auto trustees = stored_trustees(db);
  if (trustees) {
    files.trustees = std::move(*trustees);
  } else if (trustees.error().reason != "no_trustees") {
    return trustees.error();
  }
  auto creds = credentials(db, m);
  if (!creds) return creds.error();
  files.credentials = std::move(*creds);
  Status lines =
      for_each_ballot(db,
                      [&](uint64_t index, const std::string& received_text,
                          const std::string& reference, const std::string& bytes) -> Status {
                        const std::string where = "ballot " + std::to_string(index);
                        if (ballot_reference(bytes) != reference)
                          return fail("corrupt_store", where);
                        auto received = Timestamp::parse(received_text, where);
                        if (!received) return fail("corrupt_store", received.error().detail);
                        auto line = ballot_line(index, *received, bytes);
                        if (!line)
                          return fail("corrupt_store", where + ": " + line.error().message());
                        files.ballots += *line;
                        return Status::Ok();
                      });
  if (!lines) return lines.error();
  auto c = read_close(db);
  if (!c) return c.error();
  if (*c) {
    files.tree_head = (*c)->tree_head;
  } else {
    auto head = db.query_text("SELECT document FROM main.tree_heads ORDER BY size DESC LIMIT 1");
    if (head) {
      files.tree_head = std::move(*head);
    } else if (head.error().reason != "not_found") {
      return head.error();
    }
  }
  for (const auto& [name, target] :
       {std::pair{"tally.json", &files.tally}, std::pair{"results.json", &files.results}}) {
    auto p = published(db, name);
    if (p) {
      *target = std::move(*p);
    } else if (p.error().reason != "not_published") {
      return p.error();
    }
  }
  return files;
}

Result<std::string> published(SqlConnection& db, std::string_view name) {
  auto st = db.prepare("SELECT content FROM main.published WHERE name = ?");
  if (!st) return st.error();
  st->bind(1, name);
  auto row = st->step();
  if (!row) return row.error();
  if (!*row) return fail("not_published", "the count is not published yet");
  const Bytes b = st->column_blob(0);
  return std::string(b.begin(), b.end());
}

Result<RecordReport> publish(SqlConnection& db, const Manifest& m, std::string_view tally,
                             std::string_view results) {
  return in_write<RecordReport>(db, [&]() -> Result<RecordReport> {
    auto c = read_close(db);
    if (!c) return c.error();
    if (!*c) return fail("not_closed", "the election is not closed: nothing can be counted");
    auto already = published(db, "results.json");
    if (already) return fail("already_published", "the count is already published");
    if (already.error().reason != "not_published") return already.error();
    auto files = export_files(db, m);
    if (!files) return files.error();
    if (files->trustees.empty()) {
      return fail("no_trustees", "no trustees' transcript was imported with the election");
    }
    files->tally = std::string(tally);
    files->results = std::string(results);
    auto report = verify_record(*files);
    if (!report) return report.error();
    auto closed_at = Timestamp::parse((*c)->closed_at, "close.closed_at");
    if (!closed_at) return fail("corrupt_store", closed_at.error().detail);
    auto tar = archive(*files, m.id, *closed_at);
    if (!tar) return tar.error();
    auto st = db.prepare("INSERT INTO main.published(name, content) VALUES(?, ?)");
    if (!st) return st.error();
    for (const auto& [name, content] :
         {std::pair<const char*, std::string_view>{"tally.json", tally},
          {"results.json", results},
          {"record.tar.gz", *tar}}) {
      st->bind(1, name);
      st->bind_blob(2, as_bytes(content));
      if (Status s = st->run(); !s) return s.error();
      st->reset();
    }
    return report;
  });
}

Result<std::string> archive(const RecordFiles& files, std::string_view election_id,
                            const Timestamp& at) {
  // libarchive writes through callbacks into our string.
  std::string out;
  std::unique_ptr<struct archive, int (*)(struct archive*)> a(archive_write_new(),
                                                              archive_write_free);
  if (!a) return fail("storage_error", "archive: out of memory");
  auto writer = [](struct archive* /*a*/, void* data, const void* buf, size_t n) -> la_ssize_t {
    static_cast<std::string*>(data)->append(static_cast<const char*>(buf), n);
    return static_cast<la_ssize_t>(n);
  };
  if (archive_write_set_format_ustar(a.get()) != ARCHIVE_OK ||
      archive_write_add_filter_gzip(a.get()) != ARCHIVE_OK ||
      // No time or name in the gzip header: the same record, the same bytes.
      archive_write_set_filter_option(a.get(), "gzip", "timestamp", nullptr) != ARCHIVE_OK ||
      archive_write_set_bytes_in_last_block(a.get(), 1) != ARCHIVE_OK ||
      archive_write_open(a.get(), &out, nullptr, writer, nullptr) != ARCHIVE_OK) {
    return fail("storage_error", std::string("archive: ") + archive_error_string(a.get()));
  }
  const std::string dir = std::string(election_id) + "-record/";
  const std::pair<const char*, const std::string*> parts[] = {
      {"manifest.json", &files.manifest},       {"trustees.json", &files.trustees},
      {"credentials.json", &files.credentials}, {"ballots.jsonl", &files.ballots},
      {"tree_head.json", &files.tree_head},     {"tally.json", &files.tally},
      {"results.json", &files.results}};
  for (const auto& [name, content] : parts) {
    std::unique_ptr<archive_entry, void (*)(archive_entry*)> e(archive_entry_new(),
                                                               archive_entry_free);
    archive_entry_set_pathname(e.get(), (dir + name).c_str());
    archive_entry_set_size(e.get(), static_cast<la_int64_t>(content->size()));
    archive_entry_set_filetype(e.get(), AE_IFREG);
    archive_entry_set_perm(e.get(), 0644);
    archive_entry_set_mtime(e.get(), at.seconds, 0);
    if (archive_write_header(a.get(), e.get()) != ARCHIVE_OK ||
        archive_write_data(a.get(), content->data(), content->size()) !=
            static_cast<la_ssize_t>(content->size())) {
      return fail("storage_error", std::string("archive: ") + archive_error_string(a.get()));
    }
  }
  if (archive_write_close(a.get()) != ARCHIVE_OK) {
    return fail("storage_error", std::string("archive: ") + archive_error_string(a.get()));
  }
  return out;
}

Result<std::vector<Turnout>> turnout(SqlConnection& db, const Manifest& m) {
  auto counts = [&](std::string_view sql) -> Result<std::map<std::string, uint64_t>> {
    auto st = db.prepare(sql);
    if (!st) return st.error();
    std::map<std::string, uint64_t> out;
    for (;;) {
      auto row = st->step();
      if (!row) return row.error();
      if (!*row) return out;
      out[st->column_text(0)] = static_cast<uint64_t>(st->column_int(1));
    }
  };
  auto registered =
      counts("SELECT scrutin, count(*) FROM emargement.voter_scrutins GROUP BY scrutin");
  if (!registered) return registered.error();
  auto votes = counts("SELECT scrutin, count(*) FROM emargement.emargements GROUP BY scrutin");
  if (!votes) return votes.error();
  std::vector<Turnout> out;
  for (const Scrutin& s : m.scrutins) {
    out.push_back(Turnout{s.id, (*registered)[s.id], (*votes)[s.id]});
  }
  return out;
}

}  // namespace isoloir::urn::closing

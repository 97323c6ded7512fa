// The end of an election in the urn's files (docs/election-end.md): the
// close, the record files the board serves after it, the count the admin
// publishes. Private to server/src. Every function takes a connection to
// the urn's database (urn.sqlite with emargement.sqlite attached, or
// PostgreSQL), so that the server (its own connection, under the urn's lock)
// and isoloir-admin (a connection of its own while the server runs) share
// one implementation; the database's write lock orders them.
#ifndef ISOLOIR_URN_URN_CLOSE_H_
#define ISOLOIR_URN_URN_CLOSE_H_

#include <optional>
#include <string>
#include <string_view>

#include "db/sql.h"
#include "isoloir/manifest.h"
#include "isoloir/record.h"
#include "isoloir/result.h"
#include "isoloir/signature.h"
#include "isoloir/timestamp.h"
#include "isoloir/urn/urn.h"

namespace isoloir::urn::closing {

// The tables of this module, created with the urn's schema (SQLite's and
// PostgreSQL's).
extern const std::string_view kSchema;
extern const std::string_view kPostgresSchema;

// The close, if the election is closed (in or out of a transaction).
Result<std::optional<CloseState>> read(SqlConnection& db);

// Closes the election at `closed_at` in one transaction: the final tree
// head signed at that time, the aggregates of every scrutin and option
// (from the stored ballots), the close document. A second close returns the
// first one ("already_closed" when `early` asks for another).
Result<CloseState> close(SqlConnection& db, const SigningKey& key, const Manifest& m,
                         const Timestamp& closed_at, bool early);

// The record files the urn holds (manifest, trustees, credentials, ballots,
// and the close's tree head once closed, else the latest one); tally and
// results from the published count if there is one.
Result<RecordFiles> export_files(SqlConnection& db, const Manifest& m);

// A published file (tally.json, results.json, record.tar.gz), or
// "not_published".
Result<std::string> published(SqlConnection& db, std::string_view name);

// Checks the count against the urn's own files (verify_record on the whole
// record) and stores tally.json, results.json and the archive, in one
// transaction. "not_closed", "already_published", verify_record's reasons.
Result<RecordReport> publish(SqlConnection& db, const Manifest& m, std::string_view tally,
                             std::string_view results);

// The seven files as one gzip-compressed tar archive "<election id>-record/FILE",
// every entry dated `at` (reproducible bytes).
Result<std::string> archive(const RecordFiles& files, std::string_view election_id,
                            const Timestamp& at);

// Per scrutin of the manifest, in its order: registered voters and votes.
Result<std::vector<Turnout>> turnout(SqlConnection& db, const Manifest& m);

}  // namespace isoloir::urn::closing

#endif  // ISOLOIR_URN_URN_CLOSE_H_

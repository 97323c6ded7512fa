// A data directory as the programs use it: the directory itself (created
// mode 0700 if missing), its server key `server.key` and the urn inside. The
// server and the admin command open a directory the same way, so the key the
// registrar puts in the manifest is the key the server signs with.
#ifndef ISOLOIR_URN_DATA_DIR_H_
#define ISOLOIR_URN_DATA_DIR_H_

#include <memory>
#include <optional>
#include <string>

#include "isoloir/result.h"
#include "isoloir/signature.h"
#include "isoloir/urn/urn.h"

namespace isoloir::urn {

// The key file's name inside a data directory.
inline constexpr const char* kServerKeyFile = "server.key";

// Creates `dir` if missing (mode 0700) and checks it is a directory we may
// write in ("bad_data_dir" otherwise, with the system's reason); then loads
// or creates its server key (load_or_create_server_key's errors).
Result<SigningKey> open_server_key(const std::string& dir);

// The PostgreSQL connection string `dir`'s file kPostgresFile names (its
// content without trailing blanks), or nothing when the directory keeps its
// election in its own SQLite files; "bad_data_dir" for an empty, unreadable
// or oversized file. The server's portal store follows the urn's choice.
Result<std::optional<std::string>> postgres_conninfo(const std::string& dir);

// open_server_key, then Urn::open with that key ("urn_locked" when another
// process owns the directory).
Result<std::unique_ptr<Urn>> open_data_dir(const std::string& dir);

}  // namespace isoloir::urn

#endif  // ISOLOIR_URN_DATA_DIR_H_

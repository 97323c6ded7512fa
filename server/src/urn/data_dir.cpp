#include "isoloir/urn/data_dir.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <optional>
#include <utility>

#include "isoloir/urn/server_key.h"

namespace isoloir::urn {

Result<SigningKey> open_server_key(const std::string& dir) {
  if (dir.empty()) return fail("bad_data_dir", "no data directory given");
  if (mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST) {
    return fail("bad_data_dir", dir + ": " + std::strerror(errno));
  }
  struct stat st {};
  if (stat(dir.c_str(), &st) != 0) return fail("bad_data_dir", dir + ": " + std::strerror(errno));
  if (!S_ISDIR(st.st_mode)) return fail("bad_data_dir", dir + ": not a directory");
  // Checked up front so that a read-only directory is named as such, not as
  // a failure deep inside SQLite.
  if (access(dir.c_str(), R_OK | W_OK | X_OK) != 0) {
    return fail("bad_data_dir", dir + ": " + std::strerror(errno));
  }
  return load_or_create_server_key(dir + "/" + kServerKeyFile);
}

Result<std::optional<std::string>> postgres_conninfo(const std::string& dir) {
  const std::string path = dir + "/" + kPostgresFile;
  if (access(path.c_str(), F_OK) != 0) return std::optional<std::string>();
  std::ifstream in(path, std::ios::binary);
  std::string conninfo(4097, '\0');
  in.read(conninfo.data(), static_cast<std::streamsize>(conninfo.size()));
  if (in.bad()) return fail("bad_data_dir", path + ": cannot be read");
  conninfo.resize(static_cast<size_t>(in.gcount()));
  if (conninfo.size() > 4096) return fail("bad_data_dir", path + " is over 4096 bytes");
  while (!conninfo.empty() && (conninfo.back() == '\n' || conninfo.back() == '\r' ||
                               conninfo.back() == ' ' || conninfo.back() == '\t')) {
    conninfo.pop_back();
  }
  if (conninfo.empty()) return fail("bad_data_dir", path + " is empty");
  return std::optional<std::string>(std::move(conninfo));
}

Result<std::unique_ptr<Urn>> open_data_dir(const std::string& dir) {
  Result<SigningKey> key = open_server_key(dir);
  if (!key) return key.error();
  return Urn::open(dir, std::move(key).value());
}

}  // namespace isoloir::urn

#include "isoloir/urn/server_key.h"

#include <fcntl.h>
#include <sodium.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>

namespace isoloir::urn {
namespace {

Error io_error(const std::string& path, const char* what) {
  return fail("storage_error", path + ": " + what + ": " + std::strerror(errno));
}

// The directory entry of a new file is durable only once its directory is synced.
void sync_parent(const std::string& path) {
  const size_t slash = path.rfind('/');
  const std::string dir = slash == std::string::npos ? "." : path.substr(0, slash);
  const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd >= 0) {
    (void)fsync(fd);
    close(fd);
  }
}

Result<SigningKey> create(const std::string& path) {
  SigningKey key = SigningKey::generate();
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) return io_error(path, "create");
  const auto& sk = key.secret_bytes();
  const ssize_t n = write(fd, sk.data(), sk.size());
  const bool ok = n == static_cast<ssize_t>(sk.size()) && fsync(fd) == 0;
  close(fd);
  if (!ok) {
    unlink(path.c_str());
    return fail("storage_error", path + ": could not write the key");
  }
  sync_parent(path);
  return key;
}

}  // namespace

Result<SigningKey> load_or_create_server_key(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0) {
    if (errno == ENOENT) return create(path);
    return io_error(path, "open");
  }
  struct stat st {};
  if (fstat(fd, &st) != 0) {
    close(fd);
    return io_error(path, "stat");
  }
  if ((st.st_mode & 077) != 0) {
    close(fd);
    return fail("bad_server_key", path + ": group or others have access; chmod 600");
  }
  // One byte more than a key, to tell a longer file from a key.
  std::array<uint8_t, 65> buf{};
  size_t got = 0;
  for (;;) {
    const ssize_t n = read(fd, buf.data() + got, buf.size() - got);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    got += static_cast<size_t>(n);
    if (got == buf.size()) break;
  }
  close(fd);
  Result<SigningKey> key = got == 64 ? SigningKey::from_secret_bytes(ByteView(buf.data(), 64))
                                     : Result<SigningKey>(fail("bad_server_key", ""));
  sodium_memzero(buf.data(), buf.size());
  if (!key) return fail("bad_server_key", path + ": not a 64-byte Ed25519 secret key");
  return key;
}

}  // namespace isoloir::urn

#include "net/mail_outbox_dir.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <mutex>
#include <new>
#include <utility>

namespace isoloir::server {
namespace {

// A name taken by another process writing the same directory (or by this one
// before a restart with the clock set back) is retried under the next name.
constexpr int kNameAttempts = 16;

Error disk_error(const char* reason, const std::string& what) {
  return fail(reason, what + ": " + std::strerror(errno));
}

std::string padded(uint64_t value, size_t width) {
  std::string digits = std::to_string(value);
  if (digits.size() < width) digits.insert(0, width - digits.size(), '0');
  return digits;
}

int64_t now_unix_ms() {
  const auto since_epoch = std::chrono::system_clock::now().time_since_epoch();
  return std::max<int64_t>(
      0, std::chrono::duration_cast<std::chrono::milliseconds>(since_epoch).count());
}

// write(2) until everything is written: it may write less than asked.
bool write_all(int fd, const std::string& text) {
  size_t done = 0;
  while (done < text.size()) {
    const ssize_t n = write(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    done += static_cast<size_t>(n);
  }
  return true;
}

// Closes a file descriptor on every path.
class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  Fd(Fd&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  Fd& operator=(Fd&&) = delete;
  ~Fd() {
    if (fd_ >= 0) close(fd_);
  }
  int get() const { return fd_; }
  // Closes now, reporting the error close(2) may carry for delayed writes.
  bool close_now() {
    const int fd = fd_;
    fd_ = -1;
    return close(fd) == 0;
  }

 private:
  int fd_;
};

class Outbox final : public OutboxDir {
 public:
  Outbox(std::string dir, Fd dir_fd) : dir_(std::move(dir)), dir_fd_(std::move(dir_fd)) {}

  Status store(const std::string& content, const std::string& extension,
               const char* reason) override {
    try {
      return store_named(content, extension, reason);
    } catch (const std::bad_alloc&) {
      return fail(reason, "out of memory");
    }
  }
  const std::string& path() const override { return dir_; }

 private:
  // The name of the next file: the time in milliseconds, made monotonic so
  // that names keep sorting in send order if the clock steps back, and a
  // counter for mails within the same millisecond.
  std::string next_name() {
    const std::lock_guard<std::mutex> lock(mutex_);
    last_ms_ = std::max(last_ms_, now_unix_ms());
    return padded(static_cast<uint64_t>(last_ms_), 13) + "-" + padded(counter_++, 10);
  }

  Status store_named(const std::string& text, const std::string& extension, const char* reason) {
    std::string name = next_name();
    // Dot-prefixed and without the extension: readers listing files skip it.
    const std::string temp = "." + name + "." + std::to_string(getpid()) + ".tmp";
    if (Status s = write_synced(temp, text, reason); !s) return s;
    Status published = publish(temp, name, extension, reason);
    (void)unlinkat(dir_fd_.get(), temp.c_str(), 0);
    if (!published) return published;
    // The new directory entry is durable only once the directory is synced.
    (void)fsync(dir_fd_.get());
    return {};
  }

  Status write_synced(const std::string& temp, const std::string& text, const char* reason) {
    Fd fd(openat(dir_fd_.get(), temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW,
                 0600));
    if (fd.get() < 0) return disk_error(reason, dir_ + "/" + temp + ": create");
    // The messages carry password-reset links: the owner only, whatever the umask.
    const bool ok = fchmod(fd.get(), 0600) == 0 && write_all(fd.get(), text) &&
                    fsync(fd.get()) == 0 && fd.close_now();
    if (!ok) {
      const Error error = disk_error(reason, dir_ + "/" + temp + ": write");
      (void)unlinkat(dir_fd_.get(), temp.c_str(), 0);
      return error;
    }
    return {};
  }

  // link(2) rather than rename(2): same atomicity for readers, but it never
  // replaces an existing file. The caller removes the temporary name.
  Status publish(const std::string& temp, std::string& name, const std::string& extension,
                 const char* reason) {
    for (int attempt = 0; attempt < kNameAttempts; ++attempt) {
      const std::string file = name + extension;
      if (linkat(dir_fd_.get(), temp.c_str(), dir_fd_.get(), file.c_str(), 0) == 0) return {};
      if (errno != EEXIST) return disk_error(reason, dir_ + "/" + file + ": link");
      name = next_name();
    }
    return fail(reason, dir_ + ": no free file name");
  }

  const std::string dir_;
  const Fd dir_fd_;
  std::mutex mutex_;
  int64_t last_ms_ = 0;
  uint64_t counter_ = 0;
};

// Opens `dir`, creating it mode 0700 when missing (one level: a missing
// parent is a configuration mistake worth reporting).
Result<Fd> open_outbox_dir(const std::string& dir) {
  if (dir.empty()) return fail("bad_config", "outbox: empty directory name");
  if (mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST) {
    return fail("bad_config", dir + ": cannot create the outbox: " + std::strerror(errno));
  }
  Fd fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (fd.get() < 0) {
    return fail("bad_config", dir + ": cannot open the outbox: " + std::strerror(errno));
  }
  // Checked now so that a mistake shows at start-up, not at the first mail.
  if (faccessat(fd.get(), ".", W_OK | X_OK, AT_EACCESS) != 0) {
    return fail("bad_config", dir + ": the outbox is not writable: " + std::strerror(errno));
  }
  return fd;
}

}  // namespace

Result<std::unique_ptr<OutboxDir>> OutboxDir::open(const std::string& dir) {
  try {
    Result<Fd> fd = open_outbox_dir(dir);
    if (!fd) return fd.error();
    return std::unique_ptr<OutboxDir>(std::make_unique<Outbox>(dir, std::move(*fd)));
  } catch (const std::bad_alloc&) {
    return fail("bad_config", "out of memory");
  }
}

}  // namespace isoloir::server

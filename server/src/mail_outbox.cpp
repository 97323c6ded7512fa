// The outbox mailer: one RFC 5322 file per mail in a directory, for the demo
// and the tests, where whoever reads the directory plays the elector.
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

#include "isoloir/server/mailer.h"
#include "mail_message.h"

namespace isoloir::server {
namespace {

// A name taken by another process writing the same directory (or by this one
// before a restart with the clock set back) is retried under the next name.
constexpr int kNameAttempts = 16;

Error disk_error(const std::string& what) {
  return fail("mail_failed", what + ": " + std::strerror(errno));
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

class OutboxMailer final : public Mailer {
 public:
  OutboxMailer(std::string dir, Fd dir_fd, std::string from)
      : dir_(std::move(dir)), dir_fd_(std::move(dir_fd)), from_(std::move(from)) {}

  Status send(const Mail& mail) override {
    if (Status s = check_mail(mail); !s) return s;
    try {
      return store(mail);
    } catch (const std::bad_alloc&) {
      return fail("mail_failed", "out of memory");
    }
  }

 private:
  // The name of the next mail: the time in milliseconds, made monotonic so
  // that names keep sorting in send order if the clock steps back, and a
  // counter for mails within the same millisecond.
  std::string next_name() {
    const std::lock_guard<std::mutex> lock(mutex_);
    last_ms_ = std::max(last_ms_, now_unix_ms());
    return padded(static_cast<uint64_t>(last_ms_), 13) + "-" + padded(counter_++, 10);
  }

  Status store(const Mail& mail) {
    std::string name = next_name();
    const std::string text = format_message(mail, from_, now_unix_ms() / 1000);
    // Dot-prefixed and not ending in ".eml": readers listing mails skip it.
    const std::string temp = "." + name + "." + std::to_string(getpid()) + ".tmp";
    if (Status s = write_synced(temp, text); !s) return s;
    Status published = publish(temp, name);
    (void)unlinkat(dir_fd_.get(), temp.c_str(), 0);
    if (!published) return published;
    // The new directory entry is durable only once the directory is synced.
    (void)fsync(dir_fd_.get());
    return {};
  }

  Status write_synced(const std::string& temp, const std::string& text) {
    Fd fd(openat(dir_fd_.get(), temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW,
                 0600));
    if (fd.get() < 0) return disk_error(dir_ + "/" + temp + ": create");
    // The mails carry password-reset links: the owner only, whatever the umask.
    const bool ok = fchmod(fd.get(), 0600) == 0 && write_all(fd.get(), text) &&
                    fsync(fd.get()) == 0 && fd.close_now();
    if (!ok) {
      const Error error = disk_error(dir_ + "/" + temp + ": write");
      (void)unlinkat(dir_fd_.get(), temp.c_str(), 0);
      return error;
    }
    return {};
  }

  // link(2) rather than rename(2): same atomicity for readers, but it never
  // replaces an existing mail. The caller removes the temporary name.
  Status publish(const std::string& temp, std::string& name) {
    for (int attempt = 0; attempt < kNameAttempts; ++attempt) {
      const std::string file = name + ".eml";
      if (linkat(dir_fd_.get(), temp.c_str(), dir_fd_.get(), file.c_str(), 0) == 0) return {};
      if (errno != EEXIST) return disk_error(dir_ + "/" + file + ": link");
      name = next_name();
    }
    return fail("mail_failed", dir_ + ": no free file name");
  }

  const std::string dir_;
  const Fd dir_fd_;
  const std::string from_;
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

Result<std::unique_ptr<Mailer>> make_outbox_mailer(const std::string& dir,
                                                   const std::string& from) {
  if (!valid_address(from)) return fail("bad_config", "from: not a single plain address");
  try {
    Result<Fd> fd = open_outbox_dir(dir);
    if (!fd) return fd.error();
    return std::unique_ptr<Mailer>(std::make_unique<OutboxMailer>(dir, std::move(*fd), from));
  } catch (const std::bad_alloc&) {
    return fail("bad_config", "out of memory");
  }
}

}  // namespace isoloir::server

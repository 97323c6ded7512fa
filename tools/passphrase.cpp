#include "passphrase.h"

#include <fcntl.h>
#include <sodium.h>
#include <termios.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>

namespace isoloir::cli {
namespace {

// One line from `fd`, byte by byte (nothing past the line is consumed), into
// a buffer allocated once. Stops at '\n' or the end of the input.
Result<SecretBuffer> read_line(int fd) {
  SecretBuffer buf(kMaxPassphraseBytes + 1);
  size_t len = 0;
  for (;;) {
    char c = 0;
    const ssize_t n = ::read(fd, &c, 1);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0)
      return fail("unreadable", std::string("cannot read the passphrase: ") + std::strerror(errno));
    if (n == 0 || c == '\n') break;
    if (len == buf.size()) {
      sodium_memzero(&c, 1);
      return fail("too_long",
                  "the passphrase is over " + std::to_string(kMaxPassphraseBytes) + " bytes");
    }
    buf.data()[len++] = static_cast<uint8_t>(c);
    sodium_memzero(&c, 1);
  }
  if (len > 0 && buf.data()[len - 1] == '\r') --len;
  if (len > kMaxPassphraseBytes) {
    return fail("too_long",
                "the passphrase is over " + std::to_string(kMaxPassphraseBytes) + " bytes");
  }
  buf.truncate(len);
  if (buf.empty()) return fail("empty", "an empty passphrase");
  return buf;
}

void say(int fd, std::string_view text) {
  while (!text.empty()) {
    const ssize_t n = ::write(fd, text.data(), text.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;
    text.remove_prefix(static_cast<size_t>(n));
  }
}

// Echo off on the terminal for as long as it lives.
class NoEcho {
 public:
  explicit NoEcho(int fd) : fd_(fd) {
    if (::tcgetattr(fd_, &saved_) != 0) return;
    termios quiet = saved_;
    quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
    quiet.c_lflag |= ECHONL;
    active_ = ::tcsetattr(fd_, TCSAFLUSH, &quiet) == 0;
  }
  NoEcho(const NoEcho&) = delete;
  NoEcho& operator=(const NoEcho&) = delete;
  ~NoEcho() {
    if (active_) ::tcsetattr(fd_, TCSAFLUSH, &saved_);
  }

 private:
  int fd_;
  termios saved_{};
  bool active_ = false;
};

Result<SecretBuffer> ask(int tty, std::string_view prompt) {
  say(tty, prompt);
  const NoEcho quiet(tty);
  return read_line(tty);
}

Result<SecretBuffer> from_terminal(std::string_view prompt, bool confirm) {
  const int tty = ::open("/dev/tty", O_RDWR | O_NOCTTY | O_CLOEXEC);
  if (tty < 0) {
    return fail("unreadable", std::string("cannot open the terminal: ") + std::strerror(errno));
  }
  Result<SecretBuffer> first = ask(tty, prompt);
  if (first && confirm) {
    Result<SecretBuffer> again = ask(tty, "Again, to confirm: ");
    if (!again) {
      first = again.error();
    } else if (again->size() != first->size() ||
               sodium_memcmp(again->data(), first->data(), first->size()) != 0) {
      first = fail("mismatch", "the two passphrases differ");
    }
  }
  ::close(tty);
  return first;
}

}  // namespace

Result<SecretBuffer> read_passphrase(std::string_view prompt, bool confirm) {
  if (::isatty(STDIN_FILENO) == 1) return from_terminal(prompt, confirm);
  return read_line(STDIN_FILENO);
}

}  // namespace isoloir::cli

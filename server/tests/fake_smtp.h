// A real SMTP listener on 127.0.0.1 for the tests: one thread per
// connection, enough SMTP for libcurl (EHLO, AUTH PLAIN/LOGIN, MAIL, RCPT,
// DATA, QUIT), recording the envelope and the un-dot-stuffed message;
// modes to refuse a recipient, refuse AUTH or hang up mid-message. Used by
// the mail layer's tests and by the server's black-box tests.
#ifndef ISOLOIR_SERVER_TESTS_FAKE_SMTP_H_
#define ISOLOIR_SERVER_TESTS_FAKE_SMTP_H_

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sodium.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <cctype>
#include <cerrno>
#include <condition_variable>
#include <cstring>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace isoloir::server::test {

inline std::optional<std::string> base64_decode(std::string_view text) {
  std::string out(text.size(), '\0');
  size_t len = 0;
  if (sodium_base642bin(reinterpret_cast<unsigned char*>(out.data()), out.size(), text.data(),
                        text.size(), nullptr, &len, nullptr, sodium_base64_VARIANT_ORIGINAL) != 0) {
    return std::nullopt;
  }
  out.resize(len);
  return out;
}

// ---------------------------------------------------------------------------
// A real SMTP listener on 127.0.0.1, one thread per connection.
// ---------------------------------------------------------------------------

struct Received {
  std::string auth;  // decoded AUTH credentials "\0user\0password"
  std::string mail_from;
  std::vector<std::string> rcpt;
  std::vector<std::string> wire_lines;  // DATA lines as sent, dot-stuffed
  std::string data;                     // the message, un-dot-stuffed
};

// Lines of an SMTP connection, CRLF stripped.
class SmtpConnection {
 public:
  explicit SmtpConnection(int fd) : fd_(fd) {}
  bool read_line(std::string& line) {
    for (;;) {
      const size_t crlf = buffer_.find("\r\n");
      if (crlf != std::string::npos) {
        line = buffer_.substr(0, crlf);
        buffer_.erase(0, crlf + 2);
        return true;
      }
      std::array<char, 4096> chunk{};
      const ssize_t n = recv(fd_, chunk.data(), chunk.size(), 0);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return false;
      buffer_.append(chunk.data(), static_cast<size_t>(n));
    }
  }
  void reply(const std::string& text) {
    const std::string wire = text + "\r\n";
    size_t done = 0;
    while (done < wire.size()) {
      const ssize_t n = ::send(fd_, wire.data() + done, wire.size() - done, MSG_NOSIGNAL);
      if (n <= 0) return;
      done += static_cast<size_t>(n);
    }
  }

 private:
  int fd_;
  std::string buffer_;
};

inline bool starts_with_ci(const std::string& line, std::string_view prefix) {
  if (line.size() < prefix.size()) return false;
  for (size_t i = 0; i < prefix.size(); ++i) {
    if (std::toupper(static_cast<unsigned char>(line[i])) != prefix[i]) return false;
  }
  return true;
}

// "MAIL FROM:<a@b> SIZE=123" -> "a@b".
inline std::string angle_address(const std::string& line) {
  const size_t open = line.find('<');
  const size_t close = line.find('>', open);
  if (open == std::string::npos || close == std::string::npos) return "<malformed: " + line + ">";
  return line.substr(open + 1, close - open - 1);
}

class FakeSmtpServer {
 public:
  enum class Mode { kAccept, kRefuseRcpt, kCloseInData, kRefuseAuth };

  explicit FakeSmtpServer(Mode mode = Mode::kAccept) : mode_(mode) {
    listen_fd_ = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof addr;
    if (listen_fd_ < 0 || bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), len) != 0 ||
        listen(listen_fd_, 64) != 0 ||
        getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
      ADD_FAILURE() << "fake SMTP server: " << std::strerror(errno);
      return;
    }
    port_ = ntohs(addr.sin_port);
    acceptor_ = std::thread([this] { accept_loop(); });
  }
  FakeSmtpServer(const FakeSmtpServer&) = delete;
  FakeSmtpServer& operator=(const FakeSmtpServer&) = delete;

  ~FakeSmtpServer() {
    release();
    // On Linux, shutting a listening socket down wakes the blocked accept().
    if (listen_fd_ >= 0) shutdown(listen_fd_, SHUT_RDWR);
    if (acceptor_.joinable()) acceptor_.join();
    for (std::thread& t : workers_) t.join();
    if (listen_fd_ >= 0) close(listen_fd_);
  }

  std::string url() const { return "smtp://127.0.0.1:" + std::to_string(port_); }
  // While held, a connection is accepted but not greeted: the client waits
  // (a relay that is slow or stuck), until release.
  void hold() {
    const std::lock_guard<std::mutex> lock(mutex_);
    held_ = true;
  }
  void release() {
    {
      const std::lock_guard<std::mutex> lock(mutex_);
      held_ = false;
    }
    unheld_.notify_all();
  }
  int connections() const { return connections_.load(); }
  std::vector<Received> received() const {
    const std::lock_guard<std::mutex> lock(mutex_);
    return received_;
  }

 private:
  void accept_loop() {
    for (;;) {
      const int fd = accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
      if (fd < 0 && (errno == EINTR || errno == ECONNABORTED)) continue;
      if (fd < 0) return;
      ++connections_;
      workers_.emplace_back([this, fd] {
        serve(fd);
        close(fd);
      });
    }
  }

  void serve(int fd) {
    timeval timeout{10, 0};  // a stuck client must not hang the test forever
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
    {
      std::unique_lock<std::mutex> lock(mutex_);
      unheld_.wait(lock, [this] { return !held_; });
    }
    SmtpConnection c(fd);
    c.reply("220 fake.test ESMTP");
    Received r;
    for (std::string line; c.read_line(line);) {
      if (starts_with_ci(line, "EHLO")) {
        c.reply("250-fake.test\r\n250-AUTH PLAIN LOGIN\r\n250 8BITMIME");
      } else if (starts_with_ci(line, "HELO")) {
        c.reply("250 fake.test");
      } else if (starts_with_ci(line, "AUTH ")) {
        if (!authenticate(c, line, r)) return;
      } else if (starts_with_ci(line, "MAIL FROM:")) {
        r.mail_from = angle_address(line);
        c.reply("250 2.1.0 Ok");
      } else if (starts_with_ci(line, "RCPT TO:")) {
        if (mode_ == Mode::kRefuseRcpt) {
          c.reply("550 5.1.1 <" + angle_address(line) + ">: Recipient address rejected");
        } else {
          r.rcpt.push_back(angle_address(line));
          c.reply("250 2.1.5 Ok");
        }
      } else if (starts_with_ci(line, "DATA")) {
        c.reply("354 End data with <CR><LF>.<CR><LF>");
        if (!read_data(c, r)) return;
        record(r);
        c.reply("250 2.0.0 Ok: queued");
      } else if (starts_with_ci(line, "QUIT")) {
        c.reply("221 2.0.0 Bye");
        return;
      } else if (starts_with_ci(line, "RSET") || starts_with_ci(line, "NOOP")) {
        c.reply("250 2.0.0 Ok");
      } else {
        c.reply("502 5.5.2 Error: command not recognized");
      }
    }
  }

  // AUTH PLAIN [initial-response] or AUTH LOGIN; records what was sent.
  bool authenticate(SmtpConnection& c, const std::string& line, Received& r) {
    std::string response;
    if (starts_with_ci(line, "AUTH PLAIN")) {
      response = line.size() > 11 ? line.substr(11) : "";
      if (response.empty()) {
        c.reply("334 ");
        if (!c.read_line(response)) return false;
      }
      r.auth = base64_decode(response).value_or("<bad base64>");
    } else if (starts_with_ci(line, "AUTH LOGIN")) {
      std::string user;
      std::string password;
      c.reply("334 VXNlcm5hbWU6");
      if (!c.read_line(user)) return false;
      c.reply("334 UGFzc3dvcmQ6");
      if (!c.read_line(password)) return false;
      r.auth = std::string(1, '\0') + base64_decode(user).value_or("?") + std::string(1, '\0') +
               base64_decode(password).value_or("?");
    } else {
      c.reply("504 5.5.4 Unrecognized authentication type");
      return true;
    }
    c.reply(mode_ == Mode::kRefuseAuth ? "535 5.7.8 Error: authentication failed"
                                       : "235 2.7.0 Authentication successful");
    return true;
  }

  // The DATA section up to the lone ".", un-dot-stuffed (RFC 5321 4.5.2).
  bool read_data(SmtpConnection& c, Received& r) {
    for (std::string line; c.read_line(line);) {
      if (line == ".") return true;
      if (mode_ == Mode::kCloseInData) return false;
      r.wire_lines.push_back(line);
      if (!line.empty() && line[0] == '.') line.erase(0, 1);
      r.data += line + "\r\n";
    }
    return false;
  }

  void record(const Received& r) {
    const std::lock_guard<std::mutex> lock(mutex_);
    received_.push_back(r);
  }

  const Mode mode_;
  int listen_fd_ = -1;
  uint16_t port_ = 0;
  std::thread acceptor_;
  std::vector<std::thread> workers_;  // only the acceptor touches it until it is joined
  std::atomic<int> connections_{0};
  mutable std::mutex mutex_;
  std::condition_variable unheld_;
  bool held_ = false;  // under mutex_
  std::vector<Received> received_;
};

}  // namespace isoloir::server::test

#endif  // ISOLOIR_SERVER_TESTS_FAKE_SMTP_H_

// The attacks of issue 9 against the real isoloir-server on 127.0.0.1,
// each as an attacker sent it: a deeply nested ballot, a chunked body past
// the limit, thousands of headers, slow clients holding connections, header
// syntax the RFC forbids, bodies that only look like JSON. Each test first
// reproduced the finding against the cpp-httplib server; now the server
// refuses with a clear status, stays up, its memory stays bounded, and the
// other voters are still served.
#include <gtest/gtest.h>
#include <httplib.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "http/http_internal.h"
#include "http_harness.h"
#include "isoloir/server/http_server.h"
#include "portal_harness.h"

namespace isoloir::server::test {
namespace {

// A raw TCP client: bytes in, bytes out, nothing checked.
class Raw {
 public:
  explicit Raw(int port) : fd_(socket(AF_INET, SOCK_STREAM, 0)) {
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = htons(static_cast<uint16_t>(port));
    connected_ = connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
  }
  Raw(const Raw&) = delete;
  Raw& operator=(const Raw&) = delete;
  ~Raw() { close(fd_); }

  bool connected() const { return connected_; }
  // False once the peer no longer takes bytes.
  bool send_all(const std::string& bytes) {
    size_t done = 0;
    while (done < bytes.size()) {
      const ssize_t n = ::send(fd_, bytes.data() + done, bytes.size() - done, MSG_NOSIGNAL);
      if (n <= 0) return false;
      done += static_cast<size_t>(n);
    }
    return true;
  }
  // Whether an answer (or the end) is waiting, without blocking.
  bool readable() const {
    pollfd p{fd_, POLLIN, 0};
    return poll(&p, 1, 0) == 1;
  }
  // Everything until the peer closes or `seconds` pass without a byte.
  std::string read_all(int seconds = 10) {
    timeval tv{seconds, 0};
    setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    std::string out;
    char buf[4096];
    for (ssize_t n; (n = ::recv(fd_, buf, sizeof buf, 0)) > 0;) {
      out.append(buf, static_cast<size_t>(n));
    }
    return out;
  }
  // True if the peer closed (read returns 0 or a reset) within `seconds`.
  bool closed_within(int seconds) {
    timeval tv{seconds, 0};
    setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    char buf[4096];
    for (;;) {
      const ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
      if (n == 0) return true;
      if (n < 0) return errno == ECONNRESET;
      got_.append(buf, static_cast<size_t>(n));
    }
  }
  const std::string& got() const { return got_; }

 private:
  int fd_;
  bool connected_ = false;
  std::string got_;
};

// The server's resident memory in KiB (VmRSS of /proc/PID/status).
long resident_kib(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::stol(line.substr(6));
  }
  return -1;
}

int status_of(const std::string& answer) {
  if (answer.rfind("HTTP/1.1 ", 0) != 0 || answer.size() < 12) return 0;
  return std::stoi(answer.substr(9, 3));
}

class Hostile : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    e_ = std::make_unique<Election>(
        staff(3), -3600, 86'400, ", \"request_timeout_seconds\": 2, \"idle_timeout_seconds\": 3");
  }
  static void TearDownTestSuite() {
    if (e_) {
      EXPECT_EQ(e_->stop(), 0);
    }
    e_.reset();
  }
  static pid_t pid() { return e_->pid(); }
  // The board answers: the server is up and serving.
  static bool serving() {
    httplib::Client c("127.0.0.1", e_->port());
    auto r = c.Get("/api/v1/board/manifest");
    return r && r->status == 200;
  }
  static std::unique_ptr<Election> e_;
};
std::unique_ptr<Election> Hostile::e_;

TEST_F(Hostile, ADeeplyNestedBallotIsRefusedAndTheServerStaysUp) {
  Browser b = e_->activated(0);
  const std::string nested = std::string(26'000, '[') + std::string(26'000, ']');
  for (int i = 0; i < 3; ++i) {
    auto r = b.post_raw("/api/v1/ballots", nested, "application/json");
    ASSERT_TRUE(r) << "no answer: the server fell";
    EXPECT_EQ(r->status, 400) << r->body;
  }
  EXPECT_TRUE(serving());
}

TEST_F(Hostile, AChunkedBodyStopsAtTheBodyLimit) {
  ASSERT_GT(pid(), 0);
  const long before = resident_kib(pid());
  Raw raw(e_->port());
  ASSERT_TRUE(raw.connected());
  ASSERT_TRUE(
      raw.send_all("POST /api/v1/account/link-status HTTP/1.1\r\nHost: x\r\nContent-Type: "
                   "application/json\r\nTransfer-Encoding: chunked\r\n\r\n"));
  const std::string chunk = "10000\r\n" + std::string(0x10000, 'a') + "\r\n";
  size_t sent = 0;
  // Up to 100 MB, as the attacker sent; the server must answer long before.
  while (sent < size_t{100} << 20 && !raw.readable() && raw.send_all(chunk)) sent += 0x10000;
  const std::string answer = raw.read_all();
  EXPECT_EQ(status_of(answer), 413) << answer.substr(0, 200);
  EXPECT_NE(answer.find("\"body_too_large\""), std::string::npos);
  // The limit is 64 KiB; what the sockets' buffers took in flight is the rest.
  EXPECT_LT(sent, size_t{32} << 20);
  EXPECT_LT(resident_kib(pid()) - before, 32 * 1024);
  EXPECT_TRUE(serving());
}

TEST_F(Hostile, ThousandsOfHeadersAreRefusedWithoutGrowing) {
  ASSERT_GT(pid(), 0);
  const long before = resident_kib(pid());
  {
    Raw raw(e_->port());
    ASSERT_TRUE(raw.send_all("GET /api/v1/board/manifest HTTP/1.1\r\nHost: x\r\n"));
    const std::string pad(8192, 'p');
    for (int i = 0; i < 20'000 && !raw.readable(); ++i) {
      if (!raw.send_all("X-Pad-" + std::to_string(i) + ": " + pad + "\r\n")) break;
    }
    const std::string answer = raw.read_all();
    EXPECT_EQ(status_of(answer), 431) << answer.substr(0, 200);
    EXPECT_NE(answer.find("\"headers_too_large\""), std::string::npos);
  }
  {
    // Many small headers, within the byte limit: their number is bounded too.
    Raw raw(e_->port());
    std::string request = "GET /api/v1/board/manifest HTTP/1.1\r\nHost: x\r\n";
    for (int i = 0; i < 200; ++i) request += "a" + std::to_string(i) + ": b\r\n";
    ASSERT_TRUE(raw.send_all(request + "\r\n"));
    EXPECT_EQ(status_of(raw.read_all()), 431);
  }
  EXPECT_LT(resident_kib(pid()) - before, 16 * 1024);
  EXPECT_TRUE(serving());
}

TEST_F(Hostile, SlowClientsLoseTheirConnectionNotOtherVotersTheirs) {
  // More slow clients than cpp-httplib had threads (64), each dripping one
  // header line every 500 ms; the request deadline here is 2 s.
  constexpr int kSlow = 100;
  std::vector<std::unique_ptr<Raw>> slow;
  for (int i = 0; i < kSlow; ++i) {
    slow.push_back(std::make_unique<Raw>(e_->port()));
    ASSERT_TRUE(slow.back()->send_all("GET /api/v1/board/manifest HTTP/1.1\r\nHost: x\r\n"));
  }
  int served = 0;
  for (int round = 0; round < 8; ++round) {
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
    for (auto& s : slow) (void)s->send_all("X-Slow-" + std::to_string(round) + ": 1\r\n");
    served += serving() ? 1 : 0;
  }
  EXPECT_EQ(served, 8) << "a voter went unserved while slow clients held connections";
  for (auto& s : slow) {
    // The deadline passed long ago: each was told 408, then closed.
    EXPECT_TRUE(s->closed_within(10));
    EXPECT_EQ(status_of(s->got()), 408) << s->got().substr(0, 100);
  }
}

TEST_F(Hostile, AnIdleConnectionIsClosedAndAPartialRequestGetsNoThread) {
  Raw idle(e_->port());
  ASSERT_TRUE(idle.connected());
  EXPECT_TRUE(idle.closed_within(15));
  EXPECT_EQ(idle.got(), "");  // nothing was asked, nothing answered
}

TEST_F(Hostile, HeaderSyntaxTheRfcForbidsIsRefused) {
  const std::string start = "POST /api/v1/account/link-status HTTP/1.1\r\nHost: x\r\n";
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"space before the colon", start + "Transfer-Encoding : chunked\r\n\r\n0\r\n\r\n"},
      {"two lengths", start + "Content-Length: 2\r\nContent-Length: 3\r\n\r\n{}"},
      {"NUL in a value", start + "X-A: a" + std::string(1, '\0') + "b\r\n\r\n"},
      {"a bad chunk size", start + "Transfer-Encoding: chunked\r\n\r\nzz\r\n"},
      {"HTTP/2.0 request line", "GET / HTTP/2.0\r\nHost: x\r\n\r\n"},
      {"no path", "GET api HTTP/1.1\r\nHost: x\r\n\r\n"},
      {"two question marks", "GET /api/v1/board/manifest?a=1?b=2 HTTP/1.1\r\nHost: x\r\n\r\n"},
  };
  for (const auto& [what, request] : cases) {
    Raw raw(e_->port());
    ASSERT_TRUE(raw.send_all(request)) << what;
    const std::string answer = raw.read_all();
    EXPECT_EQ(status_of(answer), 400) << what << ": " << answer.substr(0, 200);
  }
  Raw raw(e_->port());
  ASSERT_TRUE(raw.send_all("GET /" + std::string(5000, 'a') + " HTTP/1.1\r\nHost: x\r\n\r\n"));
  EXPECT_EQ(status_of(raw.read_all()), 414);
  EXPECT_TRUE(serving());
}

TEST_F(Hostile, OnlyJsonBodiesAreRead) {
  Browser b(e_->port());
  Json body = Json::object();
  body["token"] = std::string(43, 'A');
  for (const char* type : {"application/jsonp", "application/json-seq", "text/json",
                           "application/json; charset=latin1"}) {
    auto r = b.post_raw("/api/v1/account/link-status", body.dump(), type, false);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 415) << type;
  }
  auto bom = b.post_raw("/api/v1/account/link-status", "\xEF\xBB\xBF" + body.dump(),
                        "application/json", false);
  ASSERT_TRUE(bom);
  EXPECT_EQ(bom->status, 400);
  EXPECT_EQ(error_of(bom), "invalid_json");
  auto nul = b.post_raw("/api/v1/account/link-status", body.dump() + std::string(1, '\0') + "{{{",
                        "application/json", false);
  ASSERT_TRUE(nul);
  EXPECT_EQ(nul->status, 400);
  EXPECT_EQ(error_of(nul), "invalid_json") << nul->body;
  auto ok = b.post_raw("/api/v1/account/link-status", body.dump(),
                       "Application/JSON; charset=UTF-8", false);
  ASSERT_TRUE(ok);
  EXPECT_NE(ok->status, 415);
}

TEST_F(Hostile, PipelinedAndKeptAliveRequestsAreAnsweredInOrder) {
  Raw raw(e_->port());
  const std::string get = "GET /api/v1/board/manifest HTTP/1.1\r\nHost: x\r\n\r\n";
  ASSERT_TRUE(
      raw.send_all(get + get + "GET /nowhere HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"));
  const std::string all = raw.read_all();
  size_t first = all.find("HTTP/1.1 200");
  size_t second = all.find("HTTP/1.1 200", first + 1);
  size_t third = all.find("HTTP/1.1 404", second + 1);
  EXPECT_NE(first, std::string::npos);
  EXPECT_NE(second, std::string::npos);
  EXPECT_NE(third, std::string::npos) << all;
}

TEST(HostileTls, HstsIsSentOnlyWhenServedOverTls) {
  Election plain(staff(1), -3600, 86'400);
  Election tls(staff(1), -3600, 86'400, ", \"tls\": true");
  httplib::Client a("127.0.0.1", plain.port());
  httplib::Client b("127.0.0.1", tls.port());
  auto ra = a.Get("/api/v1/board/manifest");
  auto rb = b.Get("/api/v1/board/manifest");
  ASSERT_TRUE(ra && rb);
  EXPECT_FALSE(ra->has_header("Strict-Transport-Security"));
  EXPECT_EQ(rb->get_header_value("Strict-Transport-Security"), "max-age=63072000");
  EXPECT_EQ(plain.stop(), 0);
  EXPECT_EQ(tls.stop(), 0);
}

TEST(ClientAddress, TheLastEntryOfTheLastForwardedLineIsTheProxys) {
  httplib::Request req;
  req.remote_addr = "10.0.0.1";
  EXPECT_EQ(client_address(req, true), "10.0.0.1");
  req.headers.emplace("X-Forwarded-For", "203.0.113.7, 198.51.100.2");
  EXPECT_EQ(client_address(req, true), "198.51.100.2");
  EXPECT_EQ(client_address(req, false), "10.0.0.1");
  // The client's own line first, then the proxy's: the client's varying
  // line must not choose the address.
  req.headers.clear();
  req.headers.emplace("X-Forwarded-For", "1.2.3.4");
  req.headers.emplace("X-Forwarded-For", "1.2.3.4, 192.0.2.9 ");
  EXPECT_EQ(client_address(req, true), "192.0.2.9");
}

TEST(ReadRequest, TheConnectionsParserInOneCall) {
  HttpLimits limits;
  httplib::Request req;
  ASSERT_EQ(read_request("GET /api/v1/scrutins/capn%2D2d/electors?name=Du+pont&from=3 HTTP/1.1\r\n"
                         "Host: x\r\nX-Forwarded-For: a\r\nX-Forwarded-For: b\r\n\r\n",
                         limits, 100, req),
            0);
  EXPECT_EQ(req.method, "GET");
  EXPECT_EQ(req.path, "/api/v1/scrutins/capn-2d/electors");
  EXPECT_EQ(req.get_param_value("name"), "Du pont");
  EXPECT_EQ(req.get_header_value_count("X-Forwarded-For"), 2u);
  const std::string post = "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n";
  httplib::Request body;
  EXPECT_EQ(read_request(post + "3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n", limits, 5, body), 0);
  EXPECT_EQ(body.body, "abcde");
  EXPECT_EQ(read_request(post + "3\r\nabc\r\n3\r\ndef\r\n0\r\n\r\n", limits, 5, body), 413);
  EXPECT_EQ(read_request("POST / HTTP/1.1\r\nContent-Length: 6\r\n\r\nabcdef", limits, 5, body),
            413);
  EXPECT_EQ(read_request(post + "3\r\nab", limits, 5, body), 400);  // cut short
  std::string many = "GET / HTTP/1.1\r\n";
  for (int i = 0; i < 65; ++i) many += "h" + std::to_string(i) + ": v\r\n";
  EXPECT_EQ(read_request(many + "\r\n", limits, 5, body), 431);
  EXPECT_EQ(read_request("GET /" + std::string(limits.max_target_bytes, 'a') + " HTTP/1.1\r\n\r\n",
                         limits, 5, body),
            414);
}

}  // namespace
}  // namespace isoloir::server::test

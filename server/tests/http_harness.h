// The harness of the HTTP black-box tests: temporary directories, the real
// programs run as processes, free ports, raw requests, and the test election
// (the vectors' manifest with a data directory's server key and a window
// around now; voters with fresh codes in a CSV the admin imports).
#ifndef ISOLOIR_SERVER_TESTS_HTTP_HARNESS_H_
#define ISOLOIR_SERVER_TESTS_HTTP_HARNESS_H_

#include <arpa/inet.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <httplib.h>
#include <netinet/in.h>
#include <signal.h>  // NOLINT(modernize-deprecated-headers): kill
#include <stdlib.h>  // NOLINT(modernize-deprecated-headers): mkdtemp
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "isoloir/bytes.h"
#include "isoloir/canonical_json.h"
#include "isoloir/credential.h"
#include "isoloir/manifest.h"
#include "isoloir/merkle.h"
#include "isoloir/timestamp.h"
#include "isoloir/urn/urn.h"
#include "pg_scratch.h"
#include "vectors.h"

namespace isoloir::server::test {

// ---------------------------------------------------------------------------
// Processes, files and ports.

inline std::string make_temp_dir() {
  const char* tmp = std::getenv("TMPDIR");
  std::string templ = std::string(tmp != nullptr ? tmp : "/tmp") + "/isoloir-http-XXXXXX";
  if (mkdtemp(templ.data()) == nullptr) std::abort();
  return templ;
}

struct TempDir {
  std::string path = make_temp_dir();
  TempDir() = default;
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path, ec);
  }
};

inline void write_file(const std::string& path, const std::string& content) {
  std::ofstream(path, std::ios::binary) << content;
}

// The HTTP suite's second run (ISOLOIR_URN_BACKEND=postgres, see
// server/server.cmake): the data directory `data_dir` (created if missing)
// names a database of its own in its postgres.conninfo, so that the server
// and isoloir-admin keep the election there. Null in the first run; the
// database is dropped with the returned object.
inline std::unique_ptr<urn::test::ScratchDatabase> postgres_data_dir(const std::string& data_dir) {
  if (!urn::test::postgres_backend()) return nullptr;
  std::filesystem::create_directories(data_dir);
  auto db = std::make_unique<urn::test::ScratchDatabase>();
  write_file(data_dir + "/" + urn::kPostgresFile, db->conninfo());
  return db;
}

inline std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream buf;
  buf << in.rdbuf();
  return buf.str();
}

// A process with its standard output and error sent to files.
class Process {
 public:
  Process(const std::string& program, const std::vector<std::string>& args,
          const std::string& out_dir) {
    static int counter = 0;
    const std::string stem = out_dir + "/proc" + std::to_string(counter++);
    out_path_ = stem + ".out";
    err_path_ = stem + ".err";
    pid_ = fork();
    if (pid_ == 0) {
      const int out = ::open(out_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
      const int err = ::open(err_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
      dup2(out, 1);
      dup2(err, 2);
      std::vector<char*> argv;
      std::vector<std::string> all = {program};
      all.insert(all.end(), args.begin(), args.end());
      for (std::string& a : all) argv.push_back(a.data());
      argv.push_back(nullptr);
      execv(program.c_str(), argv.data());
      _exit(127);
    }
  }
  Process(const Process&) = delete;
  Process& operator=(const Process&) = delete;
  ~Process() {
    if (pid_ > 0 && !exited_) {
      kill(pid_, SIGKILL);
      wait();
    }
  }

  // The exit status (128 + signal when killed).
  int wait() {
    if (exited_) return status_;
    int st = 0;
    waitpid(pid_, &st, 0);
    exited_ = true;
    status_ = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
    return status_;
  }
  bool running() {
    if (exited_) return false;
    int st = 0;
    if (waitpid(pid_, &st, WNOHANG) == pid_) {
      exited_ = true;
      status_ = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
      return false;
    }
    return true;
  }
  void signal(int sig) const { kill(pid_, sig); }
  pid_t pid() const { return pid_; }
  std::string out() const { return slurp(out_path_); }
  std::string err() const { return slurp(err_path_); }

 private:
  pid_t pid_ = -1;
  bool exited_ = false;
  int status_ = -1;
  std::string out_path_, err_path_;
};

struct Ran {
  int code;
  std::string out, err;
};

inline Ran admin(const std::string& scratch, const std::vector<std::string>& args) {
  Process p(ISOLOIR_ADMIN, args, scratch);
  const int code = p.wait();
  return Ran{code, p.out(), p.err()};
}

// A port nobody listens on now: bound to port 0, read back, closed.
inline int free_port() {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  socklen_t len = sizeof addr;
  if (bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
      getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    std::abort();
  }
  close(fd);
  return ntohs(addr.sin_port);
}

// Sends `request` as is to 127.0.0.1:port and returns all the answer.
inline std::string raw_request(int port, const std::string& request) {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(static_cast<uint16_t>(port));
  std::string out;
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0 &&
      write(fd, request.data(), request.size()) == static_cast<ssize_t>(request.size())) {
    char buf[4096];
    for (ssize_t n; (n = read(fd, buf, sizeof buf)) > 0;) out.append(buf, static_cast<size_t>(n));
  }
  close(fd);
  return out;
}

// isoloir-server on 127.0.0.1:port, ready once it answers HTTP.
class Server {
 public:
  Server(const std::string& scratch, std::vector<std::string> args)
      : port_(free_port()), process_(ISOLOIR_SERVER, with_port(std::move(args), port_), scratch) {}

  // Waits until the server answers (true) or has exited (false).
  bool ready() {
    for (int i = 0; i < 200; ++i) {
      if (!process_.running()) return false;
      httplib::Client c("127.0.0.1", port_);
      if (c.Get("/api/v1/board/tree-head")) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(25));
    }
    return false;
  }
  int stop() {
    process_.signal(SIGTERM);
    return process_.wait();
  }
  int port() const { return port_; }
  Process& process() { return process_; }

 private:
  static std::vector<std::string> with_port(std::vector<std::string> args, int port) {
    args.emplace_back("--port");
    args.push_back(std::to_string(port));
    return args;
  }
  int port_;
  Process process_;
};

// ---------------------------------------------------------------------------
// The election: the vectors' manifest with this directory's server key and a
// window around now; voters with fresh codes, in a CSV the admin imports.

struct Voter {
  std::string code;
  std::string identifier;
};

inline std::string make_manifest(const std::string& server_key_b64, int64_t opens_in = -3600,
                                 int64_t closes_in = 86'400) {
  Json doc = isoloir::test::load_vector("manifest.json")["manifest"];
  const int64_t now = Timestamp::now().seconds;
  doc["server_key"] = server_key_b64;
  doc["opens_at"] = Timestamp::from_unix(now + opens_in).to_string();
  doc["closes_at"] = Timestamp::from_unix(now + closes_in).to_string();
  return doc.dump(2);  // not canonical on purpose: the board serves the canonical bytes
}

inline std::string make_voter_csv(const Manifest& m, const std::vector<Voter>& voters) {
  std::string scrutins;
  for (const Scrutin& s : m.scrutins) scrutins += (scrutins.empty() ? "" : " ") + s.id;
  std::string csv = "identifier,name,scrutins,credential,pseudonym,numen,challenge,phone\n";
  for (size_t i = 0; i < voters.size(); ++i) {
    const auto key = credential_key(m.id, voters[i].code);
    csv += voters[i].identifier + ",\"Voter, number " + std::to_string(i) + "\"," + scrutins + "," +
           base64url_encode(key->public_key()) + ",p-" + std::to_string(i) + ",,,\n";
  }
  return csv;
}

inline Json parse(const std::string& body) {
  Result<Json> j = parse_json(body);
  EXPECT_TRUE(j.ok()) << body;
  return j ? *j : Json();
}

inline std::vector<merkle::Hash> hashes(const Json& list) {
  std::vector<merkle::Hash> out;
  for (const Json& h : list) {
    out.push_back(*base64url_decode_fixed<32>(h.get<std::string>(), "hash"));
  }
  return out;
}

inline void expect_security_headers(const httplib::Result& r) {
  EXPECT_EQ(r->get_header_value("Content-Security-Policy").rfind("default-src 'none'", 0), 0u);
  EXPECT_EQ(r->get_header_value("X-Content-Type-Options"), "nosniff");
  EXPECT_EQ(r->get_header_value("Cache-Control"), "no-store");
  EXPECT_EQ(r->get_header_value("Referrer-Policy"), "no-referrer");
}

}  // namespace isoloir::server::test

#endif  // ISOLOIR_SERVER_TESTS_HTTP_HARNESS_H_

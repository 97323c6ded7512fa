// isoloir_urn_load: the HTTP load generator for casting. Figures, not
// pass/fail: recorded in docs/benchmarks.md. Three modes:
//
// - Alone (no --prepare, no --server): builds an election of N voters served
//   by a real isoloir-server on 127.0.0.1 (the black-box tests' harness),
//   loads it, then stops it; a second, small election's server then runs
//   at the portal's real Argon2id cost ("interactive") for the login measure.
// - --prepare DIR: writes such an election into DIR (data directory
//   imported, config.json, the voters' vote codes, the outbox) and prints the
//   command that starts isoloir-server on it, for a server run by hand (or
//   several behind a proxy, later).
// - --server HOST:PORT --prepared DIR: loads that running server.
//
// The load, in every mode: every voter is activated and logged in over HTTP
// (asking for a link, reading it from the outbox, solving the proof of work
// the server asks, as the booth does), one valid ballot per voter is made
// with the core, then all are cast from C keep-alive connections, timed
// (casts per second, latency percentiles); the board is checked afterwards
// with the core (the tree head's signature with the manifest's server key,
// its size). Then K voters log in, timed, their proofs of work solved
// beforehand and timed apart. The exit status is 1 if any request failed
// or the board is wrong, 2 on bad arguments or an unusable DIR.
#include <gtest/gtest.h>
#include <httplib.h>
#include <libpq-fe.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <filesystem>
#include <fstream>
#include <latch>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <regex>
#include <string>
#include <thread>
#include <vector>

#include "http_harness.h"
#include "isoloir/portal/password.h"
#include "isoloir/pow.h"
#include "isoloir/tree_head.h"
#include "pg_scratch.h"
#include "portal_harness.h"

namespace isoloir::server::test {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

// The bench must never be locked out by the per-address throttle: every
// request comes from one address. (Past address_free_failures the address
// would also be served challenges 3 bits harder: not what a voter pays.)
constexpr const char* kThrottles =
    ", \"address_free_failures\": 100000, \"address_lock_after\": 1000000";

// Connections for the setup (activation, login), which is not measured:
// fewer than cpp-httplib 0.11's listen backlog of 5, so that no connection
// is dropped before the server accepts it (see "Casting over HTTP" in
// docs/benchmarks.md). The measures use --clients.
constexpr size_t kSetupClients = 4;

// A prepared election stays open this long: time to start a server on it
// and run the load, with margin.
constexpr int64_t kPreparedOpenSeconds = 7 * 86'400;

enum class Mode { kAlone, kPrepare, kServer };

// Where a server under load listens.
struct Endpoint {
  std::string host;
  int port = 0;
  bool tls = false;  // https://: through a TLS proxy (deploy/nginx)
  std::string text() const {
    const std::string h = host.find(':') != std::string::npos ? "[" + host + "]" : host;
    return (tls ? "https://" : "") + h + ":" + std::to_string(port);
  }
};

// A client of `at`. Over https the certificate is not checked: the proxy
// under load is on this machine, with a certificate made for the run
// (bench/nginx_load.mjs); what is measured is the proxy's work, TLS
// included, not the trust.
std::unique_ptr<httplib::Client> client_of(const Endpoint& at) {
  auto c = std::make_unique<httplib::Client>(at.text());
  if (at.tls) c->enable_server_certificate_verification(false);
  return c;
}

struct Options {
  Mode mode = Mode::kAlone;
  size_t voters = 2000;
  size_t clients = 32;
  std::string scrutin;  // empty: the manifest's first
  std::string password_cost = "minimum";
  size_t logins = 40;
  size_t rate = 0;                // casts offered per second; 0: each client sends when answered
  std::string dir;                // --prepare DIR or --prepared DIR
  std::vector<Endpoint> servers;  // --server: connections spread over them in turn
};

const char* const kUsage =
    "usage: isoloir_urn_load [--voters N] [--clients C] [--rate R] [--scrutin ID]\n"
    "                        [--password-cost NAME] [--logins K]\n"
    "       isoloir_urn_load --prepare DIR [--voters N] [--password-cost NAME]\n"
    "       isoloir_urn_load --server HOST:PORT[,HOST:PORT...] --prepared DIR [--clients C]\n"
    "                        [--rate R] [--scrutin ID] [--logins K]\n"
    "The first form builds the election, starts isoloir-server on 127.0.0.1, loads\n"
    "it and stops it. --prepare writes the election into DIR (new or empty: data/,\n"
    "config.json, manifest.json, voters.json with the vote codes, outbox/) and prints\n"
    "the command that starts isoloir-server on it; --server then loads that running\n"
    "server, once per prepared DIR, reading the links it mails from DIR/outbox.\n"
    "With ISOLOIR_URN_BACKEND=postgres (and ISOLOIR_PG_URL) the election is kept in a\n"
    "PostgreSQL database (--prepare keeps it, named in DIR/data/postgres.conninfo),\n"
    "so that several servers can serve it: give --server each of them.\n"
    "  --voters N          voters who each cast one ballot (default 2000)\n"
    "  --clients C         concurrent keep-alive connections (default 32)\n"
    "  --rate R            offer R casts per second, cast i at i/R s from the start\n"
    "                      (open loop; its latency counts from that time, waiting\n"
    "                      for a free connection included); default: closed loop,\n"
    "                      each connection sends its next cast when answered\n"
    "  --scrutin ID        the scrutin voted in (default: the manifest's first)\n"
    "  --password-cost N   the casting server's Argon2id cost (default minimum:\n"
    "                      this measures casting, not password hashing)\n"
    "  --logins K          voters logged in again, a separate measure (default 40;\n"
    "                      0 skips it): alone, at the interactive cost in a second\n"
    "                      election; with --server, K of the prepared voters at\n"
    "                      the server's cost\n"
    "  --prepare DIR       write an election of N voters into DIR for --server\n"
    "  --server HOST:PORT  load the server listening there (http://HOST:PORT too,\n"
    "                      https://HOST:PORT for a TLS proxy in front of them);\n"
    "                      several, comma-separated: the connections (and the\n"
    "                      voters they take) are spread over them in turn\n"
    "  --prepared DIR      the directory --prepare wrote, which that server serves\n";

std::optional<size_t> parse_count(const std::string& s, size_t least) {
  if (s.empty() || s.size() > 9 || s.find_first_not_of("0123456789") != std::string::npos) {
    return std::nullopt;
  }
  const auto v = static_cast<size_t>(std::stoul(s));
  if (v < least) return std::nullopt;
  return v;
}

// "HOST:PORT", "http://HOST:PORT" or "http://HOST:PORT/"; "[::1]:PORT" for
// IPv6; "https://HOST:PORT" for a TLS proxy in front of the servers.
bool parse_endpoint(std::string s, Options& o) {
  bool tls = false;
  if (s.rfind("http://", 0) == 0) {
    s = s.substr(7);
  } else if (s.rfind("https://", 0) == 0) {
    s = s.substr(8);
    tls = true;
  }
  if (!s.empty() && s.back() == '/') s.pop_back();
  const size_t colon = s.rfind(':');
  if (colon == std::string::npos || colon == 0) return false;
  std::string host = s.substr(0, colon);
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  const std::optional<size_t> port = parse_count(s.substr(colon + 1), 1);
  if (host.find_first_of("/[]@ ") != std::string::npos || !port || *port > 65535) return false;
  o.servers.push_back(Endpoint{host, static_cast<int>(*port), tls});
  return true;
}

// One endpoint or several, comma-separated.
bool parse_server(const std::string& list, Options& o) {
  if (!o.servers.empty()) return false;  // one --server
  for (size_t begin = 0;;) {
    const size_t comma = list.find(',', begin);
    if (!parse_endpoint(list.substr(begin, comma - begin), o)) return false;
    if (comma == std::string::npos) return true;
    begin = comma + 1;
  }
}

std::optional<Options> parse_options(const std::vector<std::string>& args) {
  Options o;
  std::map<std::string, bool> given;
  std::string prepare, prepared;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& flag = args[i];
    if (i + 1 >= args.size()) return std::nullopt;
    const std::string& value = args[++i];
    given[flag] = true;
    std::optional<size_t> n;
    if (flag == "--voters" && (n = parse_count(value, 1))) {
      o.voters = *n;
    } else if (flag == "--clients" && (n = parse_count(value, 1))) {
      o.clients = *n;
    } else if (flag == "--rate" && (n = parse_count(value, 1))) {
      o.rate = *n;
    } else if (flag == "--logins" && (n = parse_count(value, 0))) {
      o.logins = *n;
    } else if (flag == "--scrutin" && !value.empty()) {
      o.scrutin = value;
    } else if (flag == "--password-cost" && portal::parse_cost(value).ok()) {
      o.password_cost = value;
    } else if (flag == "--prepare" && !value.empty()) {
      prepare = value;
    } else if (flag == "--prepared" && !value.empty()) {
      prepared = value;
    } else if (flag == "--server" && parse_server(value, o)) {
      // o.servers set
    } else {
      return std::nullopt;
    }
  }
  // Each mode takes only the options it uses, so that none is silently
  // ignored (a --voters given to --server would not be the prepared count).
  auto only = [&](std::initializer_list<const char*> allowed) {
    // Not a structured binding: clang 14 cannot capture one in the lambda.
    for (const auto& entry : given) {
      const std::string& flag = entry.first;
      if (std::find_if(allowed.begin(), allowed.end(), [&](const char* a) { return flag == a; }) ==
          allowed.end()) {
        return false;
      }
    }
    return true;
  };
  if (!prepare.empty()) {
    if (!only({"--prepare", "--voters", "--password-cost"})) return std::nullopt;
    o.mode = Mode::kPrepare;
    o.dir = prepare;
  } else if (given.count("--server") != 0 || !prepared.empty()) {
    if (o.servers.empty() || prepared.empty() ||
        !only({"--server", "--prepared", "--clients", "--rate", "--scrutin", "--logins"})) {
      return std::nullopt;
    }
    o.mode = Mode::kServer;
    o.dir = prepared;
  }
  return o;
}

double ms_since(Clock::time_point t0) {
  return std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
}

// The 1-, 5- and 15-minute load averages (/proc/loadavg), for the report:
// the machine is shared, and the figures follow its load.
std::string load_average() {
  std::ifstream in("/proc/loadavg");
  std::string one, five, fifteen;
  if (!(in >> one >> five >> fifteen)) return "unknown";
  return one + " " + five + " " + fifteen;
}

// A keep-alive connection to the server, as a browser opens: TCP_NODELAY
// too (browsers set it; without it cpp-httplib's two writes per request,
// headers then body, wait for the server's delayed ACK, about 40 ms).
std::unique_ptr<httplib::Client> open_connection(const Endpoint& at) {
  auto c = client_of(at);
  c->set_keep_alive(true);
  c->set_tcp_nodelay(true);
  c->set_read_timeout(120, 0);
  return c;
}

// Runs fn(i) for i in [0, count) on `threads` threads taking indices from a
// shared counter; fn(i, client) gets the thread's own keep-alive client,
// thread k's to server k modulo their number.
template <typename Fn>
void parallel(size_t count, size_t threads, const std::vector<Endpoint>& at, Fn fn) {
  std::atomic<size_t> next{0};
  std::vector<std::thread> workers;
  for (size_t t = 0; t < std::min(threads, count); ++t) {
    workers.emplace_back([&, t] {
      const auto client = open_connection(at[t % at.size()]);
      for (size_t i; (i = next.fetch_add(1)) < count;) fn(i, *client);
    });
  }
  for (std::thread& w : workers) w.join();
}

// "201", "409 already_voted", "no answer (Connection)": how a request ended.
std::string outcome(const httplib::Result& r) {
  if (!r) return "no answer (" + httplib::to_string(r.error()) + ")";
  const std::string error = error_of(r);
  return std::to_string(r->status) + (error.empty() ? "" : " " + error);
}

// Counts of each outcome other than the expected one, from many threads.
class Failures {
 public:
  void add(const std::string& what) {
    std::lock_guard lock(mu_);
    ++counts_[what];
  }
  size_t total() const {
    size_t n = 0;
    for (const auto& [what, count] : counts_) n += count;
    return n;
  }
  void print(const char* what) const {
    for (const auto& [result, count] : counts_) {
      std::printf("  FAILED %s: %zu x %s\n", what, count, result.c_str());
    }
  }

 private:
  std::mutex mu_;
  std::map<std::string, size_t> counts_;
};

struct Session {
  std::string cookie, csrf;
};

Json json_of(const std::map<std::string, std::string>& fields) {
  Json j = Json::object();
  for (const auto& [k, v] : fields) j[k] = v;
  return j;
}

// A solved proof-of-work challenge and how long the search took.
struct SolvedPow {
  std::string challenge;
  uint64_t nonce = 0;
  int difficulty = 0;
  double solve_ms = 0;
};

// GET /api/v1/pow?purpose=..., then the nonce searched here with the core's
// pow_search, as the booth does in the voter's browser; with difficulty 0
// (the server's proof of work off) nothing is searched, as the booth's
// solvedPow does. Nothing on failure (counted).
std::optional<SolvedPow> solve_pow(httplib::Client& c, const char* purpose, Failures& failures) {
  auto r = c.Get((std::string("/api/v1/pow?purpose=") + purpose).c_str());
  const Json j = body_of(r);
  if (!r || r->status != 200 || !j.is_object() || !j.contains("challenge") ||
      !j["challenge"].is_string() || !j.contains("difficulty") ||
      !j["difficulty"].is_number_integer()) {
    failures.add(std::string("pow ") + purpose + " " + outcome(r));
    return std::nullopt;
  }
  SolvedPow pow{j["challenge"].get<std::string>(), 0, j["difficulty"].get<int>(), 0};
  if (pow.difficulty > 0) {
    const auto t0 = Clock::now();
    const std::optional<uint64_t> nonce =
        pow_search(pow.challenge, pow.difficulty, 0, kMaxPowNonce);
    pow.solve_ms = ms_since(t0);
    if (!nonce) {
      failures.add(std::string("pow ") + purpose + ": no nonce found");
      return std::nullopt;
    }
    pow.nonce = *nonce;
  }
  return pow;
}

// `fields` with the solved challenge, as the booth's withPow sends it.
Json with_pow(const std::map<std::string, std::string>& fields, const SolvedPow& pow) {
  Json j = json_of(fields);
  j["pow_challenge"] = pow.challenge;
  j["pow_nonce"] = std::to_string(pow.nonce);
  return j;
}

// POST /api/v1/session with a solved login challenge: the session cookie
// and CSRF token, or nothing.
std::optional<Session> login(httplib::Client& c, const std::string& identifier,
                             const SolvedPow& pow, Failures& failures) {
  auto r = c.Post("/api/v1/session",
                  with_pow({{"identifier", identifier}, {"password", kPassword}}, pow).dump(),
                  "application/json");
  const Json j = body_of(r);
  if (!r || r->status != 201 || !j.is_object() || !j.contains("csrf_token") ||
      !j["csrf_token"].is_string()) {
    failures.add("login " + outcome(r));
    return std::nullopt;
  }
  const std::string set_cookie = r->get_header_value("Set-Cookie");
  return Session{set_cookie.substr(0, set_cookie.find(';')), j["csrf_token"].get<std::string>()};
}

// The time spent searching nonces, summed over threads, and the
// difficulty the server asked (the highest seen).
class SolveTime {
 public:
  void add(const SolvedPow& pow) {
    std::lock_guard lock(mu_);
    ms_ += pow.solve_ms;
    ++count_;
    difficulty_ = std::max(difficulty_, pow.difficulty);
  }
  std::string text() const {
    char buf[128];
    std::snprintf(buf, sizeof buf, "%zu proofs of work at difficulty %d, %.1f s of search", count_,
                  difficulty_, ms_ / 1000);
    return buf;
  }

 private:
  std::mutex mu_;
  double ms_ = 0;
  size_t count_ = 0;
  int difficulty_ = 0;
};

// What the load needs to know of the election: the server, the outbox its
// mails go to, the manifest (to make ballots and check the tree head with
// its server key) and the voters with their vote codes.
struct Target {
  std::vector<Endpoint> servers;  // connection k goes to servers[k % size]
  std::string outbox;
  Manifest manifest;
  std::vector<PortalVoter> voters;
  std::string password_cost;  // as configured, for the report
};

Target target_of(const Election& e, size_t voters, const std::string& cost) {
  Target t{{Endpoint{"127.0.0.1", e.port()}}, e.outbox(), e.manifest(), {}, cost};
  for (size_t i = 0; i < voters; ++i) t.voters.push_back(e.voter(i));
  return t;
}

// The activation token mailed to each voter, from one pass over the outbox
// (the harness's latest_token reads every mail per voter: O(N^2) for N voters).
std::map<std::string, std::string> activation_tokens(const std::string& outbox) {
  static const std::regex kTo("(^|\r\n)To: ([^\r]+)\r\n");
  static const std::regex kLink("/activation#([A-Za-z0-9_-]{43})");
  std::vector<std::string> files;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(outbox, ec)) {
    if (e.path().extension() == ".eml") files.push_back(e.path().string());
  }
  std::sort(files.begin(), files.end());  // the latest link wins
  std::map<std::string, std::string> out;
  for (const std::string& f : files) {
    const std::string text = slurp(f);
    const size_t split = text.find("\r\n\r\n");
    if (split == std::string::npos) continue;
    const std::string headers = text.substr(0, split + 2);
    const std::string body = decode_quoted_printable(text.substr(split + 4));
    std::smatch to, link;
    if (std::regex_search(headers, to, kTo) && std::regex_search(body, link, kLink)) {
      out[to[2]] = link[1];
    }
  }
  return out;
}

// Waits until the outbox holds `target` mails. Gives up when none has come
// for 30 s (a server whose mail goes elsewhere: the missing links are then
// reported) or after 5 minutes in all.
void wait_for_mails(const std::string& outbox, size_t target) {
  const auto end = Clock::now() + std::chrono::minutes(5);
  size_t seen = count_mails(outbox);
  auto last_change = Clock::now();
  while (seen < target && Clock::now() < end &&
         Clock::now() - last_change < std::chrono::seconds(30)) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
    if (const size_t n = count_mails(outbox); n != seen) {
      seen = n;
      last_change = Clock::now();
    }
  }
}

// Rewrites the election's config with another password cost and restarts
// its server (the harness always starts at "minimum", with the proof of work
// off). The new config leaves "pow_difficulty" out on purpose: the server's
// default, which a voter's browser pays and this generator solves.
void restart_with_cost(Election& e, const std::string& cost) {
  if (cost == "minimum") return;
  if (e.stop() != 0) std::fprintf(stderr, "warning: the server did not stop cleanly\n");
  write_file(e.scratch() + "/config.json",
             "{\"data_dir\": \"" + e.data() + "\", \"password_cost\": \"" + cost +
                 "\", \"mail\": {\"outbox\": \"" + e.outbox() + "\"}" + kThrottles + "}");
  e.start();
}

// The first `voters` voters of `t` activated over HTTP with kPassword and
// logged in once: all links asked for first, the outbox read once, then
// activation and login. Empty on any failure (printed). Prints how long
// each step took.
std::vector<Session> activate_all(const Target& t, size_t voters) {
  const size_t clients = kSetupClients;
  Failures failures;
  SolveTime solving;
  const size_t mails_before = count_mails(t.outbox);
  const auto t0 = Clock::now();
  parallel(voters, clients, t.servers, [&](size_t i, httplib::Client& c) {
    const std::optional<SolvedPow> pow = solve_pow(c, "link", failures);
    if (!pow) return;
    solving.add(*pow);
    auto r =
        c.Post("/api/v1/account/activation-link",
               with_pow({{"identifier", t.voters[i].identifier}}, *pow).dump(), "application/json");
    if (!r || r->status != 202) failures.add("activation-link " + outcome(r));
  });
  // The links are mailed after the answers (issue 9, finding 5).
  wait_for_mails(t.outbox, mails_before + voters);
  const double links_s = ms_since(t0) / 1000;
  const auto t1 = Clock::now();
  const std::map<std::string, std::string> tokens = activation_tokens(t.outbox);
  const double outbox_s = ms_since(t1) / 1000;
  const auto t2 = Clock::now();
  std::vector<Session> sessions(voters);
  parallel(voters, clients, t.servers, [&](size_t i, httplib::Client& c) {
    const auto token = tokens.find(t.voters[i].identifier);
    if (token == tokens.end()) return failures.add("no activation mail in " + t.outbox);
    auto r = c.Post("/api/v1/account/activate",
                    json_of({{"token", token->second},
                             {"password", kPassword},
                             {"question", "Ville de naissance ?"},
                             {"answer", "Saint-Étienne"}})
                        .dump(),
                    "application/json");
    if (!r || r->status != 201) return failures.add("activate " + outcome(r));
    const std::optional<SolvedPow> pow = solve_pow(c, "login", failures);
    if (!pow) return;
    solving.add(*pow);
    if (auto s = login(c, t.voters[i].identifier, *pow, failures)) sessions[i] = std::move(*s);
  });
  std::printf(
      "  setup: %zu activation links asked for and mailed in %.1f s, the outbox read in %.1f s,\n"
      "         activation and login in %.1f s (%zu connections; %s; not measured)\n",
      voters, links_s, outbox_s, ms_since(t2) / 1000, clients, solving.text().c_str());
  if (failures.total() != 0) {
    failures.print("during activation");
    return {};
  }
  return sessions;
}

struct Percentiles {
  double p50 = 0, p90 = 0, p99 = 0, max = 0;
};

// Nearest-rank percentiles of the latencies (ms).
Percentiles percentiles(std::vector<double> v) {
  if (v.empty()) return {};
  std::sort(v.begin(), v.end());
  auto rank = [&](double q) {
    const auto k = static_cast<size_t>(q * static_cast<double>(v.size()) + 0.999999);
    return v[std::clamp<size_t>(k, 1, v.size()) - 1];
  };
  return Percentiles{rank(0.50), rank(0.90), rank(0.99), v.back()};
}

void print_rate(const char* what, size_t done, double seconds, const std::vector<double>& ms) {
  const Percentiles p = percentiles(ms);
  std::printf("  wall time          %.2f s\n", seconds);
  std::printf("  %-18s %.1f\n", what, static_cast<double>(done) / seconds);
  std::printf("  latency p50        %.1f ms\n", p.p50);
  std::printf("  latency p90        %.1f ms\n", p.p90);
  std::printf("  latency p99        %.1f ms\n", p.p99);
  std::printf("  latency max        %.1f ms\n", p.max);
}

bool harness_failed() {
  return ::testing::UnitTest::GetInstance()->Failed();
}

// A ballot of voter i for `option`, made with the core as the booth makes
// it; empty on failure (printed).
std::string make_ballot(const Target& t, size_t i, const Scrutin& scrutin, size_t option) {
  Result<SigningKey> key = credential_key(t.manifest.id, t.voters[i].code);
  if (!key) {
    std::fprintf(stderr, "voter %zu's credential: %s\n", i, key.error().message().c_str());
    return {};
  }
  SystemScalarSource rng;
  auto created = create_ballot(t.manifest, scrutin.id, {scrutin.options[option].id}, *key, rng);
  if (!created) {
    std::fprintf(stderr, "voter %zu's ballot: %s\n", i, created.error().message().c_str());
    return {};
  }
  return created->bytes;
}

// The board's size from GET /api/v1/board/ballots, or nothing.
std::optional<uint64_t> board_size(const Endpoint& at) {
  auto r = client_of(at)->Get("/api/v1/board/ballots?limit=1");
  const Json j = body_of(r);
  if (!r || r->status != 200 || !j.is_object() || !j.contains("size") ||
      !j["size"].is_number_integer() || j["size"].get<int64_t>() < 0) {
    return std::nullopt;
  }
  return static_cast<uint64_t>(j["size"].get<int64_t>());
}

// The latest tree head of the server at `at`, checked with the core:
// signed by the manifest's server key for this election. Its size, or
// nothing (printed).
std::optional<uint64_t> verified_tree_head(const Target& t, const Endpoint& at) {
  auto head = client_of(at)->Get("/api/v1/board/tree-head");
  if (!head || head->status != 200) {
    std::printf("  FAILED tree head: %s\n", outcome(head).c_str());
    return std::nullopt;
  }
  auto h = verify_tree_head(head->body, t.manifest.server_key, t.manifest.hash_b64);
  if (!h) {
    std::printf("  FAILED tree head: %s\n", h.error().message().c_str());
    return std::nullopt;
  }
  return h->size;
}

// Casting: every voter of `t` activated, then one ballot each cast from C
// connections, timed. True when every cast answered 201 and the board
// verifies with `board_before` + N ballots.
bool measure_casting(const Target& t, const Options& o, uint64_t board_before) {
  const size_t voters = t.voters.size();
  const Scrutin* scrutin =
      o.scrutin.empty() ? &t.manifest.scrutins.front() : t.manifest.find_scrutin(o.scrutin);
  if (scrutin == nullptr) {
    std::fprintf(stderr, "no scrutin \"%s\" in the manifest\n", o.scrutin.c_str());
    return false;
  }
  std::string servers;
  for (const Endpoint& at : t.servers) servers += (servers.empty() ? "" : ", ") + at.text();
  std::printf("casting: scrutin %s (%zu options), password cost %s, server%s %s\n",
              scrutin->id.c_str(), scrutin->options.size(), t.password_cost.c_str(),
              t.servers.size() > 1 ? "s" : "", servers.c_str());
  std::fflush(stdout);
  const std::vector<Session> sessions = activate_all(t, voters);
  if (sessions.empty()) return false;

  // One valid ballot per voter, created by the core on every core, outside
  // the measurement.
  const auto b0 = Clock::now();
  std::vector<std::string> ballots(voters);
  {
    std::atomic<size_t> next{0};
    std::vector<std::thread> workers;
    for (unsigned w = 0; w < std::max(1u, std::thread::hardware_concurrency()); ++w) {
      workers.emplace_back([&] {
        for (size_t i; (i = next.fetch_add(1)) < voters;) {
          ballots[i] = make_ballot(t, i, *scrutin, i % scrutin->options.size());
        }
      });
    }
    for (std::thread& w : workers) w.join();
  }
  if (std::any_of(ballots.begin(), ballots.end(), [](const auto& b) { return b.empty(); })) {
    return false;
  }
  const double ballots_s = ms_since(b0) / 1000;
  std::printf("  setup: %zu ballots of %zu bytes created in %.1f s (not measured)\n", voters,
              ballots[0].size(), ballots_s);
  std::fflush(stdout);

  // The measurement: C threads, each with its own keep-alive connection,
  // started together, taking voters from a shared counter. With --rate,
  // cast i is due at origin + i/R whatever the answers, and its latency
  // counts from then: a cast that waits for a free connection waits as a
  // voter would (no coordinated omission).
  const size_t clients = std::min(o.clients, voters);
  const auto origin = Clock::now() + std::chrono::milliseconds(500);
  auto due = [&](size_t i) {
    return origin + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(
                        static_cast<double>(i) / static_cast<double>(o.rate)));
  };
  std::vector<std::vector<double>> latencies(clients);
  Failures failures;
  std::atomic<size_t> next{0};
  std::latch start(static_cast<std::ptrdiff_t>(clients) + 1);
  std::vector<std::thread> workers;
  for (size_t w = 0; w < clients; ++w) {
    workers.emplace_back([&, w] {
      const auto c = open_connection(t.servers[w % t.servers.size()]);
      latencies[w].reserve(voters / clients + 1);
      start.arrive_and_wait();
      for (size_t i; (i = next.fetch_add(1)) < voters;) {
        const httplib::Headers headers = {{"Cookie", sessions[i].cookie},
                                          {"X-CSRF-Token", sessions[i].csrf}};
        auto c0 = Clock::now();
        if (o.rate > 0) {
          c0 = due(i);
          std::this_thread::sleep_until(c0);
        }
        auto r = c->Post("/api/v1/ballots", headers, ballots[i], "application/json");
        latencies[w].push_back(ms_since(c0));
        if (!r || r->status != 201) failures.add(outcome(r));
      }
    });
  }
  const std::string load_before = load_average();
  start.arrive_and_wait();
  const auto t0 = o.rate > 0 ? origin : Clock::now();
  for (std::thread& w : workers) w.join();
  const double seconds = ms_since(t0) / 1000;
  const std::string load_after = load_average();
  std::vector<double> all;
  for (const auto& v : latencies) all.insert(all.end(), v.begin(), v.end());

  std::printf("  voters             %zu\n", voters);
  std::printf("  clients            %zu keep-alive connections\n", clients);
  if (o.rate > 0) std::printf("  offered            %zu casts per second (open loop)\n", o.rate);
  std::printf("  load average       %s before, %s after (1, 5, 15 min)\n", load_before.c_str(),
              load_after.c_str());
  print_rate("casts per second", voters, seconds, all);
  std::printf("  failed casts       %zu\n", failures.total());
  failures.print("casts");

  // The board of every server: its size, and the latest tree head checked
  // with the core.
  const uint64_t expected = board_before + voters;
  bool boards_ok = true;
  for (const Endpoint& at : t.servers) {
    const std::optional<uint64_t> size = board_size(at);
    std::printf("  board size after   %s (expected %llu)%s\n",
                size ? std::to_string(*size).c_str() : "unknown",
                static_cast<unsigned long long>(expected),
                t.servers.size() > 1 ? (", on " + at.text()).c_str() : "");
    const std::optional<uint64_t> head = verified_tree_head(t, at);
    if (head) {
      std::printf("  tree head          signature verified, size %llu%s\n",
                  static_cast<unsigned long long>(*head), *head == expected ? "" : "  WRONG SIZE");
    }
    boards_ok = boards_ok && size == expected && head == expected;
  }
  return failures.total() == 0 && boards_ok;
}

// Logins of the first K voters of `t`, already activated. Each voter's
// login challenge is fetched and solved first, on every core, and timed
// apart: a voter solves it on their own device, so what is the server's
// (the logins per second and the latencies of POST /api/v1/session) is
// measured without the search, which would otherwise take these cores from
// the server. Challenges live 5 minutes (pow_issuer.h), far more than K
// solves take here.
bool measure_logins(const Target& t, size_t logins, size_t max_clients) {
  Failures failures;
  std::vector<SolvedPow> pows(logins);
  const unsigned cores = std::max(1u, std::thread::hardware_concurrency());
  const auto s0 = Clock::now();
  parallel(logins, cores, t.servers, [&](size_t i, httplib::Client& c) {
    if (auto pow = solve_pow(c, "login", failures)) pows[i] = std::move(*pow);
  });
  const double solve_s = ms_since(s0) / 1000;
  std::vector<double> solve_ms;
  double total_ms = 0;
  for (const SolvedPow& p : pows) {
    solve_ms.push_back(p.solve_ms);
    total_ms += p.solve_ms;
  }
  const Percentiles sp = percentiles(solve_ms);
  std::printf("  proof of work      difficulty %d, %zu challenges fetched and solved in %.1f s\n",
              pows[0].difficulty, logins, solve_s);
  std::printf(
      "                     on %u threads; one solve (one core of this machine): mean %.0f ms,\n"
      "                     p50 %.0f ms, p90 %.0f ms, max %.0f ms\n",
      cores, total_ms / static_cast<double>(logins), sp.p50, sp.p90, sp.max);
  if (failures.total() != 0) {
    failures.print("proofs of work");
    return false;
  }

  const size_t clients = std::min(max_clients, logins);
  std::vector<std::vector<double>> latencies(clients);
  std::atomic<size_t> next{0};
  std::latch start(static_cast<std::ptrdiff_t>(clients) + 1);
  std::vector<std::thread> workers;
  for (size_t w = 0; w < clients; ++w) {
    workers.emplace_back([&, w] {
      const auto c = open_connection(t.servers[w % t.servers.size()]);
      start.arrive_and_wait();
      for (size_t i; (i = next.fetch_add(1)) < logins;) {
        const auto c0 = Clock::now();
        (void)login(*c, t.voters[i].identifier, pows[i], failures);
        latencies[w].push_back(ms_since(c0));
      }
    });
  }
  const std::string load_before = load_average();
  start.arrive_and_wait();
  const auto t0 = Clock::now();
  for (std::thread& w : workers) w.join();
  const double seconds = ms_since(t0) / 1000;
  const std::string load_after = load_average();
  std::vector<double> all;
  for (const auto& v : latencies) all.insert(all.end(), v.begin(), v.end());

  std::printf("  voters             %zu\n", logins);
  std::printf("  clients            %zu keep-alive connections\n", clients);
  std::printf("  load average       %s before, %s after (1, 5, 15 min)\n", load_before.c_str(),
              load_after.c_str());
  print_rate("logins per second", logins, seconds, all);
  std::printf("  failed logins      %zu\n", failures.total());
  failures.print("logins");
  return failures.total() == 0;
}

// Stops the harness's server; false (printed) unless it exited cleanly.
bool stopped_cleanly(Election& e) {
  const int status = e.stop();
  if (status != 0) std::printf("  FAILED: the server exited with status %d\n", status);
  return status == 0;
}

// Alone: N voters cast into an election served by the harness's server;
// then K voters of a second election log in at the interactive Argon2id
// cost and the server's default proof of work (activated at that cost, so
// that no login rehashes).
bool run_alone(const Options& o) {
  bool ok = false;
  {
    const auto s0 = Clock::now();
    Election e(staff(o.voters), -3600, 86'400, kThrottles);
    const double import_s = ms_since(s0) / 1000;
    if (harness_failed()) return false;
    restart_with_cost(e, o.password_cost);
    if (harness_failed()) return false;
    std::printf("setup: the election and %zu voters imported (isoloir-admin) in %.1f s\n", o.voters,
                import_s);
    ok = measure_casting(target_of(e, o.voters, o.password_cost), o, 0);
    ok = stopped_cleanly(e) && ok;
  }
  std::fflush(stdout);
  if (o.logins == 0) return ok;
  Election e(staff(o.logins), -3600, 86'400, kThrottles);
  if (harness_failed()) return false;
  restart_with_cost(e, "interactive");
  if (harness_failed()) return false;
  std::printf(
      "logins: password cost interactive (Argon2id, 2 passes, 64 MiB per hash;\n"
      "        the server runs at most one hash per core), the server's default proof of work\n");
  std::fflush(stdout);
  const Target t = target_of(e, o.logins, "interactive");
  const bool logged_in =
      !activate_all(t, o.logins).empty() && measure_logins(t, o.logins, o.clients);
  return stopped_cleanly(e) && logged_in && ok;
}

// Writes `content` to `path`, checked.
bool write_checked(const std::string& path, const std::string& content) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << content;
  out.close();
  if (!out) std::fprintf(stderr, "cannot write %s\n", path.c_str());
  return static_cast<bool>(out);
}

// With ISOLOIR_URN_BACKEND=postgres the harness keeps its election in a
// scratch database, dropped with the Election: a copy of it (CREATE DATABASE
// ... TEMPLATE, its server stopped) outlives this program, and
// `conninfo_file` (the copied data directory's postgres.conninfo) is
// rewritten to name it. Its name, or empty on failure (printed).
std::string keep_database(const std::string& conninfo_file) {
  static const std::regex kDbname("dbname='([a-z0-9_]+)'");
  const std::string conninfo = slurp(conninfo_file);
  std::smatch m;
  if (!std::regex_search(conninfo, m, kDbname)) {
    std::fprintf(stderr, "isoloir_urn_load: %s names no database\n", conninfo_file.c_str());
    return {};
  }
  const std::string scratch = m[1];
  std::random_device random;
  char kept[32];
  std::snprintf(kept, sizeof kept, "isoloir_load_%08x%08x", random(), random());
  const std::string admin = std::regex_replace(conninfo, kDbname, "dbname='postgres'");
  std::unique_ptr<PGconn, void (*)(PGconn*)> c(PQconnectdb(admin.c_str()), PQfinish);
  const std::string sql = std::string("CREATE DATABASE ") + kept + " TEMPLATE " + scratch;
  std::unique_ptr<PGresult, void (*)(PGresult*)> r(
      PQstatus(c.get()) == CONNECTION_OK ? PQexec(c.get(), sql.c_str()) : nullptr, PQclear);
  if (!r || PQresultStatus(r.get()) != PGRES_COMMAND_OK) {
    std::fprintf(stderr, "isoloir_urn_load: %s: %s\n", sql.c_str(), PQerrorMessage(c.get()));
    return {};
  }
  write_file(conninfo_file,
             std::regex_replace(conninfo, kDbname, std::string("dbname='") + kept + "'"));
  return kept;
}

// --prepare DIR: an election of N voters imported by the harness's Election
// (the one way the tests build it), whose server is stopped at once; its
// data directory is copied into DIR, since the harness keeps its own in a
// temporary directory it removes. Beside it: the manifest, the voters'
// identifiers and vote codes (what the generator needs to make ballots;
// mode 0600, though these are a test election's), and a config for
// isoloir-server with the outbox in DIR and the server's default proof of
// work. 0 on success, 1 on failure, 2 when DIR is not new or empty.
int prepare(const Options& o) {
  std::error_code ec;
  const fs::path dir = fs::absolute(o.dir, ec);
  if (ec || (fs::exists(dir) && !fs::is_empty(dir, ec))) {
    std::fprintf(stderr, "isoloir_urn_load: --prepare %s: not a new or empty directory\n",
                 o.dir.c_str());
    return 2;
  }
  if (fs::create_directories(dir / "outbox", ec); ec) {
    std::fprintf(stderr, "isoloir_urn_load: %s: %s\n", (dir / "outbox").c_str(),
                 ec.message().c_str());
    return 2;
  }
  const auto s0 = Clock::now();
  Election e(staff(o.voters), -3600, kPreparedOpenSeconds, kThrottles);
  if (harness_failed() || !stopped_cleanly(e)) return 1;
  fs::copy(e.data(), dir / "data", fs::copy_options::recursive, ec);
  if (ec) {
    std::fprintf(stderr, "isoloir_urn_load: copying %s to %s: %s\n", e.data().c_str(),
                 (dir / "data").c_str(), ec.message().c_str());
    return 1;
  }
  std::string database;
  if (urn::test::postgres_backend()) {
    database = keep_database((dir / "data" / urn::kPostgresFile).string());
    if (database.empty()) return 1;
  }
  Json voters = Json::array();
  for (size_t i = 0; i < o.voters; ++i) {
    Json v = Json::object();
    v["identifier"] = e.voter(i).identifier;
    v["code"] = e.voter(i).code;
    v["scrutins"] = e.voter(i).scrutins;
    voters.push_back(std::move(v));
  }
  Json listed = Json::object();
  listed["election"] = e.manifest().id;
  listed["voters"] = std::move(voters);
  // The same throttles as the harness's elections (kThrottles), and no
  // "pow_difficulty": the server's default, which the generator solves.
  Result<Json> config = parse_json(std::string("{") + (kThrottles + 1) + "}");
  if (!config) return 1;
  (*config)["data_dir"] = (dir / "data").string();
  (*config)["password_cost"] = o.password_cost;
  (*config)["mail"] = Json::object({{"outbox", (dir / "outbox").string()}});
  const std::string voters_path = (dir / "voters.json").string();
  if (!write_checked((dir / "manifest.json").string(), slurp(e.scratch() + "/manifest.json")) ||
      !write_checked(voters_path, listed.dump(1) + "\n") ||
      !write_checked((dir / "config.json").string(), config->dump(2) + "\n")) {
    return 1;
  }
  fs::permissions(voters_path, fs::perms::owner_read | fs::perms::owner_write, ec);
  // This program's own path, for the command printed below.
  fs::path self = fs::read_symlink("/proc/self/exe", ec);
  if (ec) self = "isoloir_urn_load";
  std::printf(
      "prepared %s: election %s, %zu voters, password cost %s, open until %s,\n"
      "  the server's default proof of work. Start the server (any free port):\n"
      "    %s --config %s --port 8090\n"
      "  then load it, once (a second run finds the voters active and the board full):\n"
      "    %s --server 127.0.0.1:8090 --prepared %s\n"
      "  (made in %.1f s)\n",
      dir.c_str(), e.manifest().id.c_str(), o.voters, o.password_cost.c_str(),
      e.manifest().closes_at.to_string().c_str(), ISOLOIR_SERVER, (dir / "config.json").c_str(),
      self.c_str(), dir.c_str(), ms_since(s0) / 1000);
  if (!database.empty()) {
    std::printf(
        "  The election is in the PostgreSQL database %s (DIR/data/postgres.conninfo;\n"
        "  drop it afterwards). Another server on it: a data directory of its own with\n"
        "  DIR/data/server.key and DIR/data/postgres.conninfo copied in, and a copy of\n"
        "  config.json naming it; then --server 127.0.0.1:8090,127.0.0.1:8091.\n",
        database.c_str());
  }
  return 0;
}

// A prepared directory read back: the manifest, the voters with their
// codes, the outbox and password cost from its config.json.
Result<Target> load_prepared(const std::string& dir, const std::vector<Endpoint>& servers) {
  auto json_file = [&](const char* name) -> Result<Json> {
    const std::string path = dir + "/" + name;
    if (!fs::is_regular_file(path)) return fail("bad_prepared", path + ": no such file");
    Result<Json> j = parse_json(slurp(path));
    if (!j || !j->is_object()) return fail("bad_prepared", path + ": not a JSON object");
    return j;
  };
  Result<Json> config = json_file("config.json");
  if (!config) return config.error();
  Result<Json> listed = json_file("voters.json");
  if (!listed) return listed.error();
  Result<Manifest> manifest = parse_manifest(slurp(dir + "/manifest.json"));
  if (!manifest) {
    return fail("bad_prepared", dir + "/manifest.json: " + manifest.error().message());
  }
  Target t;
  t.servers = servers;
  t.manifest = std::move(manifest).value();
  const Json& c = *config;
  if (!c.contains("mail") || !c["mail"].is_object() || !c["mail"].contains("outbox") ||
      !c["mail"]["outbox"].is_string()) {
    return fail("bad_prepared", dir + "/config.json: no mail.outbox (the generator reads it)");
  }
  t.outbox = c["mail"]["outbox"].get<std::string>();
  t.password_cost = c.contains("password_cost") && c["password_cost"].is_string()
                        ? c["password_cost"].get<std::string>()
                        : "the server's default";
  const Json& l = *listed;
  if (!l.contains("voters") || !l["voters"].is_array() || l["voters"].empty()) {
    return fail("bad_prepared", dir + "/voters.json: no voters");
  }
  for (const Json& v : l["voters"]) {
    if (!v.is_object() || !v.contains("identifier") || !v["identifier"].is_string() ||
        !v.contains("code") || !v["code"].is_string()) {
      return fail("bad_prepared", dir + "/voters.json: a voter without identifier or code");
    }
    PortalVoter p;
    p.identifier = v["identifier"].get<std::string>();
    p.code = v["code"].get<std::string>();
    t.voters.push_back(std::move(p));
  }
  return t;
}

// --server HOST:PORT --prepared DIR: the load against a running server.
// Refused (exit 2) unless it serves DIR's election (the same canonical
// manifest) with an empty board: the voters of a prepared election vote
// once. (An empty board has no tree head yet: 404 empty_log.)
int run_against_server(const Options& o) {
  Result<Target> loaded = load_prepared(o.dir, o.servers);
  if (!loaded) {
    std::fprintf(stderr, "isoloir_urn_load: --prepared: %s\n", loaded.error().message().c_str());
    return 2;
  }
  const Target& t = *loaded;
  if (o.logins > t.voters.size()) {
    std::fprintf(stderr, "isoloir_urn_load: --logins %zu: only %zu voters prepared\n", o.logins,
                 t.voters.size());
    return 2;
  }
  for (const Endpoint& at : o.servers) {
    std::printf("server %s, prepared %s: election %s, %zu voters\n", at.text().c_str(),
                o.dir.c_str(), t.manifest.id.c_str(), t.voters.size());
    auto served = client_of(at)->Get("/api/v1/board/manifest");
    if (!served || served->status != 200 || served->body != t.manifest.canonical) {
      std::fprintf(stderr,
                   "isoloir_urn_load: the server at %s does not serve the election in %s "
                   "(GET /api/v1/board/manifest: %s)\n",
                   at.text().c_str(), o.dir.c_str(),
                   served && served->status == 200 ? "another manifest" : outcome(served).c_str());
      return 2;
    }
    const std::optional<uint64_t> before = board_size(at);
    if (before != uint64_t{0}) {
      std::fprintf(stderr,
                   "isoloir_urn_load: the board of %s holds %s ballots: a prepared election "
                   "serves one run; prepare another\n",
                   at.text().c_str(),
                   before ? std::to_string(*before).c_str() : "an unknown number of");
      return 2;
    }
  }
  bool ok = measure_casting(t, o, 0);
  std::fflush(stdout);
  if (o.logins > 0) {
    std::printf(
        "logins: %zu of the voters again, password cost %s (DIR/config.json),\n"
        "        the server's proof of work\n",
        o.logins, t.password_cost.c_str());
    std::fflush(stdout);
    ok = measure_logins(t, o.logins, o.clients) && ok;
  }
  return ok ? 0 : 1;
}

int run(const std::vector<std::string>& args) {
  if (std::find(args.begin(), args.end(), "--help") != args.end()) {
    std::fputs(kUsage, stdout);
    return 0;
  }
  const std::optional<Options> options = parse_options(args);
  if (!options) {
    std::fputs(kUsage, stderr);
    return 2;
  }
  if (options->mode == Mode::kPrepare) return prepare(*options);
  std::printf("isoloir_urn_load: %u cores; %s\n", std::thread::hardware_concurrency(),
              options->mode == Mode::kAlone
                  ? "the server and this load generator share them"
                  : "the cores of this load generator, which the server shares if it runs here");
  std::printf("  load average %s (1, 5, 15 min)%s\n", load_average().c_str(),
              options->mode == Mode::kAlone
                  ? (urn::test::postgres_backend() ? "; the urn on PostgreSQL (ISOLOIR_URN_BACKEND)"
                                                   : "; the urn on SQLite")
                  : "");
  std::fflush(stdout);
  if (options->mode == Mode::kServer) return run_against_server(*options);
  return run_alone(*options) ? 0 : 1;
}

}  // namespace
}  // namespace isoloir::server::test

int main(int argc, char** argv) {
  // No exception leaves: one from a library (a filesystem or JSON error not
  // foreseen above) ends the run with its message and status 1.
  try {
    return isoloir::server::test::run(std::vector<std::string>(argv + 1, argv + argc));
  } catch (const std::exception& e) {
    std::fprintf(stderr, "isoloir_urn_load: %s\n", e.what());
    return 1;
  }
}

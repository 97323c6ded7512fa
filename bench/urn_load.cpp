// isoloir_urn_load: the HTTP load generator for casting. Builds an election
// of N voters served by a real isoloir-server on 127.0.0.1 (the black-box
// tests' harness), activates and logs every voter in over HTTP, creates one
// valid ballot per voter with the core, then casts them all from C
// keep-alive connections and prints casts per second and latency
// percentiles; the board is checked afterwards with the core (signed tree
// head, size N). A second measure logs K voters in at the portal's real
// Argon2id cost ("interactive"). Figures, not pass/fail: recorded in
// docs/benchmarks.md. The exit status is 1 if any request failed or the
// board is wrong, 2 on bad arguments.
#include <gtest/gtest.h>
#include <httplib.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <latch>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <regex>
#include <string>
#include <thread>
#include <vector>

#include "http_harness.h"
#include "isoloir/portal/password.h"
#include "isoloir/pow.h"
#include "isoloir/tree_head.h"
#include "portal_harness.h"

namespace isoloir::server::test {
namespace {

using Clock = std::chrono::steady_clock;

// The bench must never be locked out by the per-address throttle: every
// request comes from 127.0.0.1.
constexpr const char* kThrottles =
    ", \"address_free_failures\": 100000, \"address_lock_after\": 1000000";

// Connections for the setup (activation, login), which is not measured:
// fewer than cpp-httplib 0.11's listen backlog of 5, so that no connection
// is dropped before the server accepts it (see "Casting over HTTP" in
// docs/benchmarks.md). The measures use --clients.
constexpr size_t kSetupClients = 4;

struct Options {
  size_t voters = 2000;
  size_t clients = 32;
  std::string scrutin;  // empty: the manifest's first
  std::string password_cost = "minimum";
  size_t logins = 40;
};

const char* const kUsage =
    "usage: isoloir_urn_load [--voters N] [--clients C] [--scrutin ID]\n"
    "                        [--password-cost NAME] [--logins K]\n"
    "  --voters N          voters who each cast one ballot (default 2000)\n"
    "  --clients C         concurrent keep-alive connections (default 32)\n"
    "  --scrutin ID        the scrutin voted in (default: the manifest's first)\n"
    "  --password-cost N   the casting server's Argon2id cost (default minimum:\n"
    "                      this measures casting, not password hashing)\n"
    "  --logins K          voters logged in at the interactive cost, a separate\n"
    "                      measure (default 40; 0 skips it)\n";

std::optional<size_t> parse_count(const std::string& s, size_t least) {
  if (s.empty() || s.size() > 9 || s.find_first_not_of("0123456789") != std::string::npos) {
    return std::nullopt;
  }
  const auto v = static_cast<size_t>(std::stoul(s));
  if (v < least) return std::nullopt;
  return v;
}

std::optional<Options> parse_options(const std::vector<std::string>& args) {
  Options o;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& flag = args[i];
    if (i + 1 >= args.size()) return std::nullopt;
    const std::string& value = args[++i];
    std::optional<size_t> n;
    if (flag == "--voters" && (n = parse_count(value, 1))) {
      o.voters = *n;
    } else if (flag == "--clients" && (n = parse_count(value, 1))) {
      o.clients = *n;
    } else if (flag == "--logins" && (n = parse_count(value, 0))) {
      o.logins = *n;
    } else if (flag == "--scrutin" && !value.empty()) {
      o.scrutin = value;
    } else if (flag == "--password-cost" && portal::parse_cost(value).ok()) {
      o.password_cost = value;
    } else {
      return std::nullopt;
    }
  }
  return o;
}

double ms_since(Clock::time_point t0) {
  return std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
}

// A keep-alive connection to the server, as a browser opens: TCP_NODELAY
// too (browsers set it; without it cpp-httplib's two writes per request,
// headers then body, wait for the server's delayed ACK, about 40 ms).
std::unique_ptr<httplib::Client> open_connection(int port) {
  auto c = std::make_unique<httplib::Client>("127.0.0.1", port);
  c->set_keep_alive(true);
  c->set_tcp_nodelay(true);
  c->set_read_timeout(120, 0);
  return c;
}

// Runs fn(i) for i in [0, count) on `threads` threads taking indices from a
// shared counter; fn(i, client) gets the thread's own keep-alive client.
template <typename Fn>
void parallel(size_t count, size_t threads, int port, Fn fn) {
  std::atomic<size_t> next{0};
  std::vector<std::thread> workers;
  for (size_t t = 0; t < std::min(threads, count); ++t) {
    workers.emplace_back([&] {
      const auto client = open_connection(port);
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

// The time spent searching nonces, summed over threads.
class SolveTime {
 public:
  void add(double ms) {
    std::lock_guard lock(mu_);
    ms_ += ms;
    ++count_;
  }
  std::string text() const {
    char buf[96];
    std::snprintf(buf, sizeof buf, "%zu proofs of work solved, %.1f s of search", count_,
                  ms_ / 1000);
    return buf;
  }

 private:
  std::mutex mu_;
  double ms_ = 0;
  size_t count_ = 0;
};

// The activation token mailed to each voter, from one pass over the outbox
// (the harness's latest_token reads every mail per voter: O(N^2) for N voters).
std::map<std::string, std::string> activation_tokens(const std::string& outbox) {
  static const std::regex kTo("(^|\r\n)To: ([^\r]+)\r\n");
  static const std::regex kLink("/activation#([A-Za-z0-9_-]{43})");
  std::vector<std::string> files;
  for (const auto& e : std::filesystem::directory_iterator(outbox)) {
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

// Every voter of `e` activated over HTTP with kPassword and logged in once:
// all links asked for first, the outbox read once, then activation and
// login. Empty on any failure (printed). Prints how long each step took.
std::vector<Session> activate_all(Election& e, size_t voters) {
  const size_t clients = kSetupClients;
  Failures failures;
  SolveTime solving;
  const auto t0 = Clock::now();
  parallel(voters, clients, e.port(), [&](size_t i, httplib::Client& c) {
    const std::optional<SolvedPow> pow = solve_pow(c, "link", failures);
    if (!pow) return;
    solving.add(pow->solve_ms);
    auto r =
        c.Post("/api/v1/account/activation-link",
               with_pow({{"identifier", e.voter(i).identifier}}, *pow).dump(), "application/json");
    if (!r || r->status != 202) failures.add("activation-link " + outcome(r));
  });
  // The links are mailed after the answers (issue 9, finding 5): wait for
  // them all (the bound only keeps a broken server from hanging the run).
  (void)wait_until([&] { return count_mails(e.outbox()) >= voters; }, std::chrono::minutes(5));
  const double links_s = ms_since(t0) / 1000;
  const auto t1 = Clock::now();
  const std::map<std::string, std::string> tokens = activation_tokens(e.outbox());
  const double outbox_s = ms_since(t1) / 1000;
  const auto t2 = Clock::now();
  std::vector<Session> sessions(voters);
  parallel(voters, clients, e.port(), [&](size_t i, httplib::Client& c) {
    const auto token = tokens.find(e.voter(i).identifier);
    if (token == tokens.end()) return failures.add("no activation mail");
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
    solving.add(pow->solve_ms);
    if (auto s = login(c, e.voter(i).identifier, *pow, failures)) sessions[i] = std::move(*s);
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

// Casting: N voters, C connections. True when every cast answered 201 and
// the board verifies with N ballots.
bool measure_casting(const Options& o) {
  const auto s0 = Clock::now();
  Election e(staff(o.voters), -3600, 86'400, kThrottles);
  const double import_s = ms_since(s0) / 1000;
  if (harness_failed()) return false;
  restart_with_cost(e, o.password_cost);
  if (harness_failed()) return false;
  const Scrutin* scrutin =
      o.scrutin.empty() ? &e.manifest().scrutins.front() : e.manifest().find_scrutin(o.scrutin);
  if (scrutin == nullptr) {
    std::fprintf(stderr, "no scrutin \"%s\" in the manifest\n", o.scrutin.c_str());
    return false;
  }
  std::printf("casting: scrutin %s (%zu options), password cost %s\n", scrutin->id.c_str(),
              scrutin->options.size(), o.password_cost.c_str());
  std::printf("  setup: the election and %zu voters imported (isoloir-admin) in %.1f s\n", o.voters,
              import_s);
  std::fflush(stdout);
  const std::vector<Session> sessions = activate_all(e, o.voters);
  if (sessions.empty()) return false;

  // One valid ballot per voter, created by the core on every core, outside
  // the measurement.
  const auto b0 = Clock::now();
  std::vector<std::string> ballots(o.voters);
  {
    std::atomic<size_t> next{0};
    std::vector<std::thread> workers;
    for (unsigned t = 0; t < std::max(1u, std::thread::hardware_concurrency()); ++t) {
      workers.emplace_back([&] {
        for (size_t i; (i = next.fetch_add(1)) < o.voters;) {
          ballots[i] = e.ballot(i, scrutin->id, i % scrutin->options.size());
        }
      });
    }
    for (std::thread& w : workers) w.join();
  }
  if (harness_failed()) return false;
  const double ballots_s = ms_since(b0) / 1000;
  std::printf("  setup: %zu ballots of %zu bytes created in %.1f s (not measured)\n", o.voters,
              ballots[0].size(), ballots_s);
  std::fflush(stdout);

  // The measurement: C threads, each with its own keep-alive connection,
  // started together, taking voters from a shared counter.
  const size_t clients = std::min(o.clients, o.voters);
  std::vector<std::vector<double>> latencies(clients);
  Failures failures;
  std::atomic<size_t> next{0};
  std::latch start(static_cast<std::ptrdiff_t>(clients) + 1);
  std::vector<std::thread> workers;
  for (size_t t = 0; t < clients; ++t) {
    workers.emplace_back([&, t] {
      const auto c = open_connection(e.port());
      latencies[t].reserve(o.voters / clients + 1);
      start.arrive_and_wait();
      for (size_t i; (i = next.fetch_add(1)) < o.voters;) {
        const httplib::Headers headers = {{"Cookie", sessions[i].cookie},
                                          {"X-CSRF-Token", sessions[i].csrf}};
        const auto c0 = Clock::now();
        auto r = c->Post("/api/v1/ballots", headers, ballots[i], "application/json");
        latencies[t].push_back(ms_since(c0));
        if (!r || r->status != 201) failures.add(outcome(r));
      }
    });
  }
  start.arrive_and_wait();
  const auto t0 = Clock::now();
  for (std::thread& w : workers) w.join();
  const double seconds = ms_since(t0) / 1000;
  std::vector<double> all;
  for (const auto& v : latencies) all.insert(all.end(), v.begin(), v.end());

  std::printf("  voters             %zu\n", o.voters);
  std::printf("  clients            %zu keep-alive connections\n", clients);
  print_rate("casts per second", o.voters, seconds, all);
  std::printf("  failed casts       %zu\n", failures.total());
  failures.print("casts");

  // The board, checked with the core: its size, and the latest tree head
  // signed by the manifest's server key for this election.
  const uint64_t size = e.board_size();
  std::printf("  board size after   %llu (expected %zu)\n", static_cast<unsigned long long>(size),
              o.voters);
  httplib::Client c("127.0.0.1", e.port());
  auto head = c.Get("/api/v1/board/tree-head");
  bool head_ok = false;
  if (!head || head->status != 200) {
    std::printf("  FAILED tree head: %s\n", outcome(head).c_str());
  } else if (auto h = verify_tree_head(head->body, e.server_key(), e.manifest().hash_b64); !h) {
    std::printf("  FAILED tree head: %s\n", h.error().message().c_str());
  } else {
    head_ok = h->size == o.voters;
    std::printf("  tree head          signature verified, size %llu%s\n",
                static_cast<unsigned long long>(h->size), head_ok ? "" : "  WRONG SIZE");
  }
  const int stopped = e.stop();
  if (stopped != 0) std::printf("  FAILED: the server exited with status %d\n", stopped);
  return failures.total() == 0 && size == o.voters && head_ok && stopped == 0;
}

// Logins at the interactive Argon2id cost and the server's default proof
// of work: K voters activated at that cost (so that no login rehashes),
// then logged in from C threads. Each voter's login challenge is fetched
// and solved first, on every core, and timed apart: a voter solves it on
// their own device, so what is the server's (the logins per second and
// the latencies of POST /api/v1/session) is measured without the search,
// which would otherwise take these cores from the server.
bool measure_logins(const Options& o) {
  Election e(staff(o.logins), -3600, 86'400, kThrottles);
  if (harness_failed()) return false;
  restart_with_cost(e, "interactive");
  if (harness_failed()) return false;
  std::printf(
      "logins: password cost interactive (Argon2id, 2 passes, 64 MiB per hash;\n"
      "        the server runs at most one hash per core), the server's default proof of work\n");
  std::fflush(stdout);
  if (activate_all(e, o.logins).empty()) return false;

  Failures failures;
  std::vector<SolvedPow> pows(o.logins);
  const unsigned cores = std::max(1u, std::thread::hardware_concurrency());
  const auto s0 = Clock::now();
  parallel(o.logins, cores, e.port(), [&](size_t i, httplib::Client& c) {
    if (auto pow = solve_pow(c, "login", failures)) pows[i] = std::move(*pow);
  });
  const double solve_s = ms_since(s0) / 1000;
  std::vector<double> solve_ms;
  for (const SolvedPow& p : pows) solve_ms.push_back(p.solve_ms);
  const Percentiles sp = percentiles(solve_ms);
  std::printf("  proof of work      difficulty %d, %zu challenges fetched and solved in %.1f s\n",
              pows[0].difficulty, o.logins, solve_s);
  std::printf(
      "                     on %u threads; one solve p50 %.0f ms, p90 %.0f ms, max %.0f ms\n",
      cores, sp.p50, sp.p90, sp.max);
  if (failures.total() != 0) {
    failures.print("proofs of work");
    (void)e.stop();
    return false;
  }

  const size_t clients = std::min(o.clients, o.logins);
  std::vector<std::vector<double>> latencies(clients);
  std::atomic<size_t> next{0};
  std::latch start(static_cast<std::ptrdiff_t>(clients) + 1);
  std::vector<std::thread> workers;
  for (size_t t = 0; t < clients; ++t) {
    workers.emplace_back([&, t] {
      const auto c = open_connection(e.port());
      start.arrive_and_wait();
      for (size_t i; (i = next.fetch_add(1)) < o.logins;) {
        const auto c0 = Clock::now();
        (void)login(*c, e.voter(i).identifier, pows[i], failures);
        latencies[t].push_back(ms_since(c0));
      }
    });
  }
  start.arrive_and_wait();
  const auto t0 = Clock::now();
  for (std::thread& w : workers) w.join();
  const double seconds = ms_since(t0) / 1000;
  std::vector<double> all;
  for (const auto& v : latencies) all.insert(all.end(), v.begin(), v.end());

  std::printf("  voters             %zu\n", o.logins);
  std::printf("  clients            %zu keep-alive connections\n", clients);
  print_rate("logins per second", o.logins, seconds, all);
  std::printf("  failed logins      %zu\n", failures.total());
  failures.print("logins");
  const int stopped = e.stop();
  if (stopped != 0) std::printf("  FAILED: the server exited with status %d\n", stopped);
  return failures.total() == 0 && stopped == 0;
}

}  // namespace
}  // namespace isoloir::server::test

int main(int argc, char** argv) {
  namespace t = isoloir::server::test;
  const std::vector<std::string> args(argv + 1, argv + argc);
  if (std::find(args.begin(), args.end(), "--help") != args.end()) {
    std::fputs(t::kUsage, stdout);
    return 0;
  }
  const std::optional<t::Options> options = t::parse_options(args);
  if (!options) {
    std::fputs(t::kUsage, stderr);
    return 2;
  }
  std::printf("isoloir_urn_load: %u cores; the server and this load generator share them\n",
              std::thread::hardware_concurrency());
  std::fflush(stdout);
  bool ok = t::measure_casting(*options);
  std::fflush(stdout);
  if (options->logins > 0) ok = t::measure_logins(*options) && ok;
  return ok ? 0 : 1;
}

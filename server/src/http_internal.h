// What the HTTP layer's files share (private to server/src): the API's
// state, the JSON answers and errors, query and body parsing, the session
// check. Each http_*.cpp installs one group of routes.
#ifndef ISOLOIR_SERVER_HTTP_INTERNAL_H_
#define ISOLOIR_SERVER_HTTP_INTERNAL_H_

#include <httplib.h>

#include <atomic>
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <semaphore>
#include <string>
#include <string_view>
#include <vector>

#include "isoloir/canonical_json.h"
#include "isoloir/portal/account_store.h"
#include "isoloir/portal/oidc_flows.h"
#include "isoloir/portal/password.h"
#include "isoloir/portal/portal_state.h"
#include "isoloir/portal/pow_issuer.h"
#include "isoloir/portal/throttle.h"
#include "isoloir/result.h"
#include "isoloir/server/config.h"
#include "isoloir/server/http_api.h"
#include "isoloir/server/mailer.h"
#include "isoloir/server/oidc_client.h"
#include "isoloir/server/sms.h"
#include "isoloir/urn/urn.h"

namespace isoloir::server {

inline constexpr const char* kJson = "application/json";
inline constexpr const char* kSessionCookie = "isoloir_session";
inline constexpr const char* kCsrfHeader = "X-CSRF-Token";

// A file of the voter pages, read at start.
struct WebFile {
  std::string content;
  std::string type;  // Content-Type
};

// The system's clock, in Unix seconds: the Api's unless Services gives one.
int64_t system_seconds();

// Jobs run one after another on one background thread, in the order
// posted; at most `capacity` wait (post answers false beyond, and the job is
// not taken). The destructor (or drain) runs every job already posted, so a
// graceful stop sends every link asked for.
class WorkQueue {
 public:
  explicit WorkQueue(size_t capacity);
  ~WorkQueue();
  WorkQueue(const WorkQueue&) = delete;
  WorkQueue& operator=(const WorkQueue&) = delete;

  bool post(std::function<void()> job);
  size_t pending() const;
  // Waits for every job posted so far; no job may be posted afterwards.
  void drain();

 private:
  struct Pool;
  std::unique_ptr<Pool> pool_;
  const size_t capacity_;
  std::atomic<size_t> pending_{0};
};

// Everything a handler may use. Built once, then shared by the worker
// threads: the throttles and the stores lock inside.
struct Api {
  // `state`: where the throttles, the proof of work and the OpenID flows
  // keep theirs (HttpApi::create's choice, from the data directory).
  Api(const Services& services, portal::HashCost cost, std::unique_ptr<portal::PortalState> state);

  urn::Urn& urn;
  portal::AccountStore& accounts;
  Mailer& mailer;
  SmsSender& sms;
  ServerConfig config;
  portal::HashCost cost;
  std::string public_url;          // no trailing slash
  std::function<int64_t()> clock;  // Services::clock; see now()
  // A hash of nothing anybody knows, verified against when the identifier
  // has no account, so that a login takes as long either way.
  std::string dummy_hash;
  // This server's memory, or the PostgreSQL database that several servers
  // share when the data directory names one (portal_state.h): then a
  // failure on any server counts on all, a proof of work is spent once
  // for all, and an OpenID callback may land on any of them.
  std::unique_ptr<portal::PortalState> state;
  // Failures per account (identifier) and per client address (login,
  // links); link requests per identifier, every request counted.
  std::unique_ptr<portal::ThrottleStore> login_accounts, login_addresses, link_requests;
  // Wrong challenge answers or NUMEN in code re-issue requests, per account.
  std::unique_ptr<portal::ThrottleStore> reissue_accounts;
  // Ballots cast with a code not the voter's (wrong or invalidated), per account.
  std::unique_ptr<portal::ThrottleStore> code_entries;
  // Argon2id takes 64 MiB and a core per hash at the interactive cost: at
  // most this many at once, the others wait their turn.
  std::counting_semaphore<> hash_slots;
  // Anti-bot: login, link and re-issue requests carry a solved challenge.
  std::unique_ptr<portal::PowIssuer> pow;
  // Logins so far: every kPurgeEvery-th one also forgets expired sessions
  // and links, so the portal's file does not grow with dead rows.
  std::atomic<uint64_t> logins{0};
  static constexpr uint64_t kPurgeEvery = 256;
  // The FranceConnect route of the re-issue (null when not configured) and
  // its flows in progress, by state.
  std::unique_ptr<OidcClient> oidc;
  std::unique_ptr<portal::OidcFlowStore> oidc_flows;
  static constexpr size_t kMaxOidcFlows = 100'000;
  // The key ceremony's relay, or null (Services::ceremonies).
  CeremonyStore* ceremonies = nullptr;
  // The voter pages by URL path ("/portal/app.js"); empty without web_root.
  std::map<std::string, WebFile> web;
  // Link requests, resolved and mailed off the request path (issue 9,
  // finding 5). Last member: destroyed first, so its jobs still find the
  // stores, and every link asked for before a stop is sent.
  WorkQueue links{kLinkQueue};
  static constexpr size_t kLinkQueue = 4096;

  // The client's address: the socket's, or with trust_proxy the last
  // X-Forwarded-For entry (the one our own proxy appended).
  std::string client_address(const httplib::Request& req) const;
  // Now, in Unix seconds, by the portal's clock (Services::clock).
  int64_t now() const { return clock ? clock() : system_seconds(); }
  // A hash or a verify under hash_slots.
  Result<std::string> hash(std::string_view secret);
  bool verify(std::string_view stored, std::string_view secret);
};

// The client's address: the socket's, or with `trust_proxy` the last entry
// of the last X-Forwarded-For line (the one our own proxy appended).
std::string client_address(const httplib::Request& req, bool trust_proxy);

// A route and the methods it answers, for 405 and the Allow header.
struct Route {
  const char* pattern;
  const char* methods;  // "GET", "POST", "GET, DELETE" ...
};

// --- answers ---------------------------------------------------------------

void send_error(httplib::Response& res, int status, const std::string& reason,
                const std::string& detail);
void send_json(httplib::Response& res, const Json& body, int status = 200);
// A refusal from the core or the stores, mapped to its status (docs/api.md).
void send_refusal(httplib::Response& res, const Error& e);
// 429 with Retry-After.
void send_throttled(httplib::Response& res, const portal::ThrottleVerdict& v,
                    const std::string& what);
// Whether `throttle` lets `key` try now; false after answering 429, or the
// store's failure when it cannot tell (a database down: refused, not let
// through unthrottled).
bool throttle_allows(Api& api, httplib::Response& res, portal::ThrottleStore& throttle,
                     std::string_view key, const std::string& what);

// --- requests --------------------------------------------------------------

// The query parameters, checked: only `allowed` names, each at most once,
// short values. False after answering 400.
bool check_params(const httplib::Request& req, httplib::Response& res,
                  std::initializer_list<std::string_view> allowed);
// A decimal index 0..2^53-1; `fallback` when absent. nullopt after 400.
std::optional<uint64_t> index_param(const httplib::Request& req, httplib::Response& res,
                                    const std::string& name, std::optional<uint64_t> fallback);

// A JSON object body with exactly the string members `keys` (each at most
// `max_bytes`). nullopt after answering 400/415.
struct BodyField {
  const char* name;
  size_t max_bytes;
  bool optional = false;  // may be absent (field() then gives "")
};
std::optional<Json> json_body(const httplib::Request& req, httplib::Response& res,
                              std::initializer_list<BodyField> keys);
std::string field(const Json& body, const char* name);
// Content-Type is application/json, with at most charset=utf-8 (no
// application/jsonp, application/json-seq...).
bool json_content_type(const httplib::Request& req);

// The request's proof of work (members "pow_challenge" and "pow_nonce" of
// `body`) for `purpose`; false after answering 400/403/429.
bool pow_ok(Api& api, const Json& body, httplib::Response& res, portal::PowPurpose purpose);

// The logged-in voter, or nullopt after answering 401 (no or dead session)
// or, when `changes_state`, 403 (missing or wrong CSRF token).
std::optional<portal::Session> require_session(Api& api, const httplib::Request& req,
                                               httplib::Response& res, bool changes_state);
// The session cookie's value, if the request has one.
std::optional<std::string> session_cookie(const httplib::Request& req);

// An address shown back to the voter, recognisable but not readable over a
// shoulder: "j***@example.net".
std::string masked_email(const std::string& email);

// --- route groups ----------------------------------------------------------

using Handler = std::function<void(Api&, const httplib::Request&, httplib::Response&)>;
// Wraps a handler so that nothing thrown below crosses into httplib.
Router::Handler guarded(Api& api, Handler f);

void install_board(Router& server, Api& api, std::vector<Route>& routes);
void install_portal(Router& server, Api& api, std::vector<Route>& routes);
void install_voter(Router& server, Api& api, std::vector<Route>& routes);
void install_web(Router& server, Api& api, std::vector<Route>& routes);
void install_reissue(Router& server, Api& api, std::vector<Route>& routes);
void install_oidc(Router& server, Api& api, std::vector<Route>& routes);
void install_record(Router& server, Api& api, std::vector<Route>& routes);
void install_ceremony(Router& server, Api& api, std::vector<Route>& routes);

// The files under `root`/portal and `root`/booth ("bad_config" when there is
// no portal/index.html); none for an empty root.
Result<std::map<std::string, WebFile>> load_web_root(const std::string& root);

}  // namespace isoloir::server

#endif  // ISOLOIR_SERVER_HTTP_INTERNAL_H_

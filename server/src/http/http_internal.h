// What the HTTP layer's files share (private to server/src): the API's
// state, the JSON answers and errors, query and body parsing, the session
// check. Each http_*.cpp installs one group of routes.
#ifndef ISOLOIR_SERVER_HTTP_INTERNAL_H_
#define ISOLOIR_SERVER_HTTP_INTERNAL_H_

#include <httplib.h>

#include <cstdint>
#include <functional>
#include <initializer_list>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "isoloir/canonical_json.h"
#include "isoloir/portal/account_store.h"
#include "isoloir/portal/portal.h"
#include "isoloir/portal/pow_issuer.h"
#include "isoloir/result.h"
#include "isoloir/server/config.h"
#include "isoloir/server/http_api.h"
#include "isoloir/server/oidc_client.h"
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

// Everything a handler may use. Built once, then shared by the worker
// threads. The portal's flows are portal::Portal's (isoloir/portal/portal.h):
// the handlers parse, call it and translate its results.
struct Api {
  explicit Api(const Services& services);

  urn::Urn& urn;
  portal::AccountStore& accounts;
  ServerConfig config;
  // The FranceConnect client the portal uses (null when not configured);
  // declared first, so that it outlives the portal.
  std::unique_ptr<OidcClient> oidc;
  std::unique_ptr<portal::Portal> portal;
  // The key ceremony's relay, or null (Services::ceremonies).
  CeremonyStore* ceremonies = nullptr;
  // The voter pages by URL path ("/portal/app.js"); empty without web_root.
  std::map<std::string, WebFile> web;

  // The client's address: the socket's, or with trust_proxy the last
  // X-Forwarded-For entry (the one our own proxy appended).
  std::string client_address(const httplib::Request& req) const;
  // Now, in Unix seconds, by the portal's clock (Services::clock).
  int64_t now() const { return portal->now(); }
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
// The one table from a refusal's reason to its status (docs/api.md); a
// reason not listed is a bad request (400): the protocol's ballot refusals
// and every other bad input.
int status_of(std::string_view reason);
// A refusal from the core, the stores or the portal, with status_of's
// status; storage failures said without their detail (500 internal_error,
// 503 unavailable), Retry-After when the refusal says when to try again.
void send_refusal(httplib::Response& res, const Error& e);

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
// The refusal of a bad request's member, in the API's words.
inline Error malformed(std::string detail) {
  return fail("malformed", std::move(detail));
}

// The logged-in voter, or nullopt after answering 401 (no or dead session)
// or, when `changes_state`, 403 (missing or wrong CSRF token).
std::optional<portal::Session> require_session(Api& api, const httplib::Request& req,
                                               httplib::Response& res, bool changes_state);
// The session cookie's value, if the request has one.
std::optional<std::string> session_cookie(const httplib::Request& req);

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

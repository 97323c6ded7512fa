#include "isoloir/server/http_api.h"

#include <exception>
#include <optional>
#include <regex>
#include <string>
#include <vector>

#include "http/http_internal.h"
#include "isoloir/urn/data_dir.h"

namespace isoloir::server {
namespace {

// Our routes and their methods, for the 405 answers (filled by install).
struct RouteTable {
  std::vector<Route> routes;
  std::vector<std::regex> patterns;

  const Route* find(const std::string& path) const {
    for (size_t i = 0; i < routes.size(); ++i) {
      if (std::regex_match(path, patterns[i])) return &routes[i];
    }
    return nullptr;
  }
};

// Any method a route does not answer: 405 with Allow on a known route, 404
// elsewhere.
void method_not_allowed(const RouteTable& table, const httplib::Request& req,
                        httplib::Response& res) {
  if (const Route* r = table.find(req.path); r != nullptr) {
    res.set_header("Allow", r->methods);
    send_error(res, 405, "method_not_allowed",
               req.method + " is not allowed here; use " + std::string(r->methods));
  } else {
    send_error(res, 404, "not_found", "no such route");
  }
}

// The portal's rules, from the configuration.
portal::PortalPolicy portal_policy(const Services& services) {
  const ServerConfig& c = services.config;
  portal::PortalPolicy p;
  p.login_free_failures = c.login_free_failures;
  p.login_lock_after = c.login_lock_after;
  p.login_lock_seconds = c.login_lock_seconds;
  p.address_free_failures = c.address_free_failures;
  p.address_lock_after = c.address_lock_after;
  p.activation_link_seconds = c.activation_link_seconds;
  p.reset_link_seconds = c.reset_link_seconds;
  p.reissue_link_seconds = c.reissue_link_seconds;
  p.session_idle_seconds = c.session_idle_seconds;
  p.pow_difficulty = static_cast<int>(c.pow_difficulty);
  p.public_url = services.public_url;
  return p;
}

// The portal's short-lived state follows the urn and the accounts: in the
// PostgreSQL database the data directory names, shared with the other
// servers there, else in this server's memory.
Result<std::unique_ptr<portal::PortalState>> open_portal_state(const ServerConfig& config) {
  Result<std::optional<std::string>> conninfo = urn::postgres_conninfo(config.data_dir);
  if (!conninfo) return conninfo.error();
  if (!conninfo->has_value()) return portal::PortalState::in_memory();
  return portal::PortalState::open_postgres(**conninfo);
}

}  // namespace

HttpApi::HttpApi(std::unique_ptr<Api> api) : api_(std::move(api)) {}
HttpApi::~HttpApi() = default;

Result<std::unique_ptr<HttpApi>> HttpApi::create(const Services& services) {
  Result<portal::HashCost> cost = portal::parse_cost(services.config.password_cost);
  if (!cost) return cost.error();
  Result<std::unique_ptr<portal::PortalState>> state = open_portal_state(services.config);
  if (!state) return state.error();
  auto api = std::make_unique<Api>(services);
  Result<std::map<std::string, WebFile>> web = load_web_root(services.config.web_root);
  if (!web) return web.error();
  api->web = std::move(*web);
  api->ceremonies = services.ceremonies;
  if (!services.config.oidc_issuer.empty()) {
    Result<std::unique_ptr<OidcClient>> oidc = OidcClient::make(OidcConfig{
        services.config.oidc_issuer, services.config.oidc_client_id,
        services.config.oidc_client_secret, services.public_url + "/api/v1/code/oidc/callback"});
    if (!oidc) return oidc.error();
    api->oidc = std::move(*oidc);
  }
  Result<std::unique_ptr<portal::Portal>> portal = portal::Portal::create(
      portal::PortalServices{services.urn, services.accounts, services.mailer, services.sms,
                             api->oidc.get(), services.clock},
      portal_policy(services), *cost, std::move(*state));
  if (!portal) return portal.error();
  api->portal = std::move(*portal);
  return std::unique_ptr<HttpApi>(new HttpApi(std::move(api)));
}

void HttpApi::install(Router& server) {
  Api& api = *api_;
  // On every response, errors included. The API serves only JSON that no
  // browser should render, run or frame, and nothing may be cached: the
  // board changes with every cast and the portal's answers are personal.
  httplib::Headers headers = {
      {"Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'"},
      {"X-Content-Type-Options", "nosniff"},
      {"Cache-Control", "no-store"},
      {"Referrer-Policy", "no-referrer"},
      {"X-Frame-Options", "DENY"},
  };
  // Served over https (TLS ends at our proxy): browsers must never try plain
  // http for this origin again. No includeSubDomains: the election does not
  // own its parent domain's other hosts.
  if (api.config.tls) headers.emplace("Strict-Transport-Security", "max-age=63072000");
  server.set_default_headers(std::move(headers));
  server.set_payload_max_length(api.config.max_body_bytes);

  auto table = std::make_shared<RouteTable>();
  install_board(server, api, table->routes);
  install_portal(server, api, table->routes);
  install_voter(server, api, table->routes);
  install_web(server, api, table->routes);
  install_reissue(server, api, table->routes);
  install_oidc(server, api, table->routes);
  install_record(server, api, table->routes);
  install_ceremony(server, api, table->routes);
  for (const Route& r : table->routes) table->patterns.emplace_back(r.pattern);

  const Router::Handler other = [table](const httplib::Request& req, httplib::Response& res) {
    method_not_allowed(*table, req, res);
  };
  server.Get(".*", other).Post(".*", other).Put(".*", other).Patch(".*", other);
  server.Delete(".*", other).Options(".*", other);

  // The transport's own refusals (404 unrouted, 400 unparsable, 408 too
  // slow, 413 body too large, 414 URI too long, 431 headers too large, 503
  // busy) come here with an empty body: give them the API's JSON error
  // shape. Bodies set by our handlers are kept.
  const Router::ErrorHandler on_error = [table](const httplib::Request& req,
                                                httplib::Response& res) {
    if (!res.body.empty() || res.status == 204) return Router::HandlerResponse::Unhandled;
    // An unknown method is 400 before routing; on a known route the answer
    // that helps is 405.
    if (res.status == 400 && req.method != "GET" && req.method != "HEAD") {
      if (const Route* r = table->find(req.path);
          r != nullptr && std::string(r->methods).find(req.method) == std::string::npos) {
        method_not_allowed(*table, req, res);
        return Router::HandlerResponse::Handled;
      }
    }
    switch (res.status) {
      case 404:
        send_error(res, 404, "not_found", "no such route");
        break;
      case 405:
        send_error(res, 405, "method_not_allowed", "this method is not allowed here");
        break;
      case 408:
        send_error(res, 408, "request_timeout", "the request did not arrive in time");
        break;
      case 413:
        send_error(res, 413, "body_too_large", "the request body is too large");
        break;
      case 431:
        send_error(res, 431, "headers_too_large", "too many or too large request headers");
        break;
      case 503:
        send_error(res, 503, "busy", "the server is busy; try again in a moment");
        break;
      case 414:
        send_error(res, 414, "uri_too_long", "the request line is too long");
        break;
      case 500:
        send_error(res, 500, "internal_error", "the server failed to answer");
        break;
      default:
        send_error(res, res.status, "bad_request", "the request could not be read");
    }
    return Router::HandlerResponse::Handled;
  };
  server.set_error_handler(on_error);
  server.set_exception_handler(
      [](const httplib::Request&, httplib::Response& res, const std::exception_ptr&) {
        send_error(res, 500, "internal_error", "the server failed to answer");
      });
}

}  // namespace isoloir::server

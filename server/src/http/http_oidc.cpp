// The FranceConnect route of the code re-issue (issue 5): instead of the
// challenge answer and the NUMEN, the logged-in voter proves who they are at
// an OpenID Connect provider; the re-issue link then goes to the e-mail the
// provider returns. Two browser navigations, so both answer redirects to
// the portal's /reassort page, whose query says what happened.
#include <string>

#include "http/http_internal.h"

namespace isoloir::server {
namespace {

void redirect(httplib::Response& res, const std::string& where) {
  res.status = 302;
  res.set_header("Location", where);
}

void redirect_error(httplib::Response& res, const std::string& reason) {
  redirect(res, "/reassort?error=" + reason);
}

// GET /api/v1/code/oidc/start: the logged-in voter goes to the provider.
// The session first: 401 without one, whether a provider is configured or
// not (docs/api.md).
void start(Api& api, const httplib::Request& req, httplib::Response& res) {
  if (!check_params(req, res, {})) return;
  auto session = require_session(api, req, res, false);
  if (!session) return;
  if (!api.portal->has_oidc()) {
    return send_refusal(res, fail("oidc_not_configured", "no identity provider here"));
  }
  Result<std::string> url = api.portal->oidc_start(*session);
  if (!url) return redirect_error(res, url.error().reason);
  redirect(res, *url);
}

// GET /api/v1/code/oidc/callback?code=&state=: back from the provider.
void callback(Api& api, const httplib::Request& req, httplib::Response& res) {
  if (!api.portal->has_oidc()) {
    return send_refusal(res, fail("oidc_not_configured", "no identity provider here"));
  }
  std::optional<std::string> code;
  if (!req.has_param("error") && req.has_param("code")) code = req.get_param_value("code");
  Result<std::string> to = api.portal->oidc_finish(req.get_param_value("state"), code);
  if (!to) return redirect_error(res, to.error().reason);
  redirect(res, "/reassort?sent=email&to=" + httplib::detail::encode_query_param(*to));
}

// GET /api/v1/code/reissue-options: which ways of re-issuing a code this
// server offers, so the page shows only those.
void options(Api& api, const httplib::Request& req, httplib::Response& res) {
  if (!check_params(req, res, {})) return;
  Json out = Json::object();
  out["franceconnect"] = api.portal->has_oidc();
  out["start"] = "/api/v1/code/oidc/start";
  send_json(res, out);
}

}  // namespace

void install_oidc(Router& server, Api& api, std::vector<Route>& routes) {
  server.Get("/api/v1/code/oidc/start", guarded(api, start));
  server.Get("/api/v1/code/oidc/callback", guarded(api, callback));
  routes.push_back(Route{"/api/v1/code/oidc/start", "GET"});
  routes.push_back(Route{"/api/v1/code/oidc/callback", "GET"});
  server.Get("/api/v1/code/reissue-options", guarded(api, options));
  routes.push_back(Route{"/api/v1/code/reissue-options", "GET"});
}

}  // namespace isoloir::server

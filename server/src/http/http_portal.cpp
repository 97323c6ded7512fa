// The voter portal's account routes: activation and password links, the
// activation itself, the password reset, login and logout (docs/api.md).
#include <algorithm>
#include <string>
#include <utility>

#include "http/http_internal.h"

namespace isoloir::server {
namespace {

constexpr size_t kMaxIdentifier = 254;  // an e-mail address
constexpr size_t kMaxPassword = 128;    // password.h refuses longer ones
constexpr size_t kMaxQuestion = 200;
constexpr size_t kMaxAnswer = 200;
constexpr size_t kMaxToken = 64;     // 43 base64url characters
constexpr size_t kMaxPowField = 96;  // a 76-character challenge, a 16-digit nonce

// A refusal; weak_password also says which classes the password has, so
// that the page can say what is missing.
void send_account_refusal(httplib::Response& res, const Error& e, std::string_view password) {
  if (e.reason != "weak_password") return send_refusal(res, e);
  const portal::PasswordCheck c = portal::classify_password(password);
  Json body = Json::object();
  body["error"] = e.reason;
  body["detail"] = e.detail;
  Json classes = Json::object();
  classes["length"] = c.length_ok;
  classes["upper"] = c.upper;
  classes["lower"] = c.lower;
  classes["digit"] = c.digit;
  classes["special"] = c.special;
  body["classes"] = std::move(classes);
  res.status = 400;
  res.set_content(body.dump(), kJson);
}

Json identifier_json(const std::string& identifier) {
  Json ok = Json::object();
  ok["identifier"] = identifier;
  return ok;
}

// POST /api/v1/account/activation-link and /password-link {identifier}.
// The same answer whether the identifier is known or not (Portal::request_link).
void request_link(Api& api, const httplib::Request& req, httplib::Response& res,
                  portal::LinkKind kind) {
  auto body = json_body(req, res,
                        {{"identifier", kMaxIdentifier},
                         {"pow_challenge", kMaxPowField, true},
                         {"pow_nonce", kMaxPowField, true}});
  if (!body) return;
  if (!pow_ok(api, *body, res, portal::PowPurpose::kLink)) return;
  const Status s =
      api.portal->request_link(field(*body, "identifier"), api.client_address(req), kind);
  if (!s) return send_refusal(res, s.error());
  Json ok = Json::object();
  ok["status"] = "sent_if_applicable";
  ok["detail"] = kind == portal::LinkKind::kActivation
                     ? "if this identifier is registered and not yet active, a link is on its way"
                     : "if this identifier has an active account, a link is on its way";
  send_json(res, ok, 202);
}

// POST /api/v1/account/link-status {token, purpose}: lets the page say at
// once that a link is dead, before the voter types a password or asks for
// a new code. Purposes: activation, password, reissue.
void link_status(Api& api, const httplib::Request& req, httplib::Response& res) {
  auto body = json_body(req, res, {{"token", kMaxToken}, {"purpose", 16}});
  if (!body) return;
  const std::string purpose = field(*body, "purpose");
  portal::TokenPurpose p = portal::TokenPurpose::kActivation;
  if (purpose == "password") {
    p = portal::TokenPurpose::kPasswordReset;
  } else if (purpose == "reissue") {
    p = portal::TokenPurpose::kCodeReissue;
  } else if (purpose != "activation") {
    return send_refusal(res, malformed("purpose: activation, password or reissue"));
  }
  Result<std::string> who = api.portal->link_owner(field(*body, "token"), p);
  if (!who) return send_refusal(res, who.error());
  send_json(res, identifier_json(*who));
}

// POST /api/v1/account/activate {token, password, question, answer}
void activate(Api& api, const httplib::Request& req, httplib::Response& res) {
  auto body = json_body(req, res,
                        {{"token", kMaxToken},
                         {"password", kMaxPassword * 2},
                         {"question", kMaxQuestion},
                         {"answer", kMaxAnswer}});
  if (!body) return;
  std::string password = field(*body, "password");
  std::string answer = field(*body, "answer");
  Result<std::string> who =
      api.portal->activate(field(*body, "token"), password, field(*body, "question"), answer);
  portal::wipe_secret(answer);
  if (!who) {
    send_account_refusal(res, who.error(), password);
    return portal::wipe_secret(password);
  }
  portal::wipe_secret(password);
  send_json(res, identifier_json(*who), 201);
}

// POST /api/v1/account/password {token, password}
void reset_password(Api& api, const httplib::Request& req, httplib::Response& res) {
  auto body = json_body(req, res, {{"token", kMaxToken}, {"password", kMaxPassword * 2}});
  if (!body) return;
  std::string password = field(*body, "password");
  Result<std::string> who = api.portal->reset_password(field(*body, "token"), password);
  if (!who) {
    send_account_refusal(res, who.error(), password);
    return portal::wipe_secret(password);
  }
  portal::wipe_secret(password);
  send_json(res, identifier_json(*who));
}

std::string session_cookie_header(const Api& api, const std::string& value, int64_t max_age) {
  return std::string(kSessionCookie) + "=" + value +
         "; Path=/api; Max-Age=" + std::to_string(max_age) + "; HttpOnly; SameSite=Strict" +
         (api.config.tls ? "; Secure" : "");
}

Json session_json(const std::string& identifier, const std::string& csrf, int64_t expires_at) {
  Json out = Json::object();
  out["identifier"] = identifier;
  out["csrf_token"] = csrf;
  out["expires_at"] = Timestamp::from_unix(expires_at).to_string();
  return out;
}

// POST /api/v1/session {identifier, password}: login.
void login(Api& api, const httplib::Request& req, httplib::Response& res) {
  auto body = json_body(req, res,
                        {{"identifier", kMaxIdentifier},
                         {"password", kMaxPassword * 2},
                         {"pow_challenge", kMaxPowField, true},
                         {"pow_nonce", kMaxPowField, true}});
  if (!body) return;
  if (!pow_ok(api, *body, res, portal::PowPurpose::kLogin)) return;
  std::string password = field(*body, "password");
  Result<portal::Login> login =
      api.portal->login(field(*body, "identifier"), password, api.client_address(req));
  portal::wipe_secret(password);
  if (!login) return send_refusal(res, login.error());
  res.set_header("Set-Cookie", session_cookie_header(api, login->session.id,
                                                     login->session.expires_at - api.now()));
  send_json(res, session_json(login->identifier, login->session.csrf, login->shown_expires_at),
            201);
}

// GET /api/v1/pow?purpose=login|link|reissue: a challenge to solve before
// that request (docs/api.md).
void get_pow(Api& api, const httplib::Request& req, httplib::Response& res) {
  if (!check_params(req, res, {"purpose"})) return;
  const std::string purpose = req.get_param_value("purpose");
  portal::PowPurpose p = portal::PowPurpose::kLogin;
  if (purpose == "link") {
    p = portal::PowPurpose::kLink;
  } else if (purpose == "reissue") {
    p = portal::PowPurpose::kReissue;
  } else if (purpose != "login") {
    return send_error(res, 400, "bad_parameter", "purpose: login, link or reissue");
  }
  const portal::PowChallenge c = api.portal->pow_challenge(p, api.client_address(req));
  Json out = Json::object();
  out["challenge"] = c.challenge;
  out["difficulty"] = c.difficulty;
  out["expires_in"] = c.expires_in;
  send_json(res, out);
}

// GET /api/v1/session: who is logged in, with the CSRF token (a page that
// was reloaded needs it again).
void whoami(Api& api, const httplib::Request& req, httplib::Response& res) {
  if (!check_params(req, res, {})) return;
  auto session = require_session(api, req, res, false);
  if (!session) return;
  send_json(res, session_json(session->identifier, session->csrf, session->expires_at));
}

// DELETE /api/v1/session: logout.
void logout(Api& api, const httplib::Request& req, httplib::Response& res) {
  auto session = require_session(api, req, res, true);
  if (!session) return;
  if (Status s = api.portal->logout(*session_cookie(req)); !s) {
    return send_refusal(res, s.error());
  }
  res.set_header("Set-Cookie", session_cookie_header(api, "", 0));
  res.status = 204;
}

}  // namespace

void install_portal(Router& server, Api& api, std::vector<Route>& routes) {
  auto post = [&](const char* pattern, Handler h) {
    server.Post(pattern, guarded(api, std::move(h)));
  };
  post("/api/v1/account/activation-link",
       [](Api& a, const httplib::Request& q, httplib::Response& r) {
         request_link(a, q, r, portal::LinkKind::kActivation);
       });
  post("/api/v1/account/password-link",
       [](Api& a, const httplib::Request& q, httplib::Response& r) {
         request_link(a, q, r, portal::LinkKind::kPassword);
       });
  post("/api/v1/account/link-status", link_status);
  post("/api/v1/account/activate", activate);
  post("/api/v1/account/password", reset_password);
  post("/api/v1/session", login);
  server.Get("/api/v1/session", guarded(api, whoami));
  server.Get("/api/v1/pow", guarded(api, get_pow));
  routes.push_back(Route{"/api/v1/pow", "GET"});
  server.Delete("/api/v1/session", guarded(api, logout));
  for (const char* p :
       {"/api/v1/account/activation-link", "/api/v1/account/password-link",
        "/api/v1/account/link-status", "/api/v1/account/activate", "/api/v1/account/password"}) {
    routes.push_back(Route{p, "POST"});
  }
  routes.push_back(Route{"/api/v1/session", "GET, POST, DELETE"});
}

}  // namespace isoloir::server

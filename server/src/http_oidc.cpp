// The FranceConnect route of the code re-issue (issue 5): instead of the
// challenge answer and the NUMEN, the logged-in voter proves who they are at
// an OpenID Connect provider; the re-issue link then goes to the e-mail the
// provider returns. Two browser navigations, so both answer redirects to
// the portal's /reassort page, whose query says what happened.
#include <sodium.h>

#include <array>
#include <cstdio>
#include <string>

#include "http_internal.h"
#include "isoloir/bytes.h"
#include "isoloir/hash.h"
#include "isoloir/random.h"

namespace isoloir::server {
namespace {

constexpr int64_t kFlowSeconds = 600;

std::string random_token() {
  std::array<uint8_t, 32> raw{};
  random_bytes(raw);
  return base64url_encode(raw);
}

void redirect(httplib::Response& res, const std::string& where) {
  res.status = 302;
  res.set_header("Location", where);
}

void redirect_error(httplib::Response& res, const std::string& reason) {
  redirect(res, "/reassort?error=" + reason);
}

// The provider's family name must be one of the voter's names (folded like
// the electoral lists): a FranceConnect identity of someone else does not
// re-issue this voter's code.
bool same_person(const Json& claims, const std::string& voter_name) {
  const auto it = claims.find("family_name");
  if (it == claims.end() || !it->is_string()) return false;
  Result<std::string> family = portal::normalize_answer(it->get<std::string>());
  Result<std::string> name = portal::normalize_answer(voter_name);
  if (!family || !name) return false;
  const std::string padded = " " + *name + " ";
  for (const char sep : {' ', '-'}) {
    std::string n = padded;
    for (char& c : n) c = c == '-' ? sep : c;
    if (n.find(" " + *family + " ") != std::string::npos) return true;
  }
  return false;
}

// The voter's page shows the reason; the operator needs the detail (which
// key was missing, which claim was wrong) to tell a misconfigured provider
// from an attack: one line on the server's standard error, printable ASCII
// only, since parts of it come from the provider.
void log_refusal(const Error& e) {
  std::string line = e.message().substr(0, 1000);
  for (char& c : line) c = c >= 0x20 && c < 0x7f ? c : '?';
  std::fprintf(stderr, "isoloir-server: identity provider refused: %s\n", line.c_str());
}

// GET /api/v1/code/oidc/start: the logged-in voter goes to the provider.
// The session first: 401 without one, whether a provider is configured or
// not (docs/api.md).
void start(Api& api, const httplib::Request& req, httplib::Response& res) {
  if (!check_params(req, res, {})) return;
  auto session = require_session(api, req, res, false);
  if (!session) return;
  if (!api.oidc) return send_error(res, 404, "oidc_not_configured", "no identity provider here");
  const int64_t now = api.now();
  portal::OidcFlow flow{session->identifier, random_token(), random_token(), now + kFlowSeconds};
  const std::string state = random_token();
  const Digest32 challenge = sha256(as_bytes(flow.verifier));
  Result<std::string> url =
      api.oidc->authorization_url(state, flow.nonce, base64url_encode(challenge));
  if (!url) return redirect_error(res, url.error().reason);
  // Kept where any server finds it: the callback may reach another one.
  if (Status kept = api.oidc_flows->put(state, flow, now); !kept) {
    return redirect_error(res, kept.error().reason);
  }
  redirect(res, *url);
}

// GET /api/v1/code/oidc/callback?code=&state=: back from the provider.
void callback(Api& api, const httplib::Request& req, httplib::Response& res) {
  if (!api.oidc) return send_error(res, 404, "oidc_not_configured", "no identity provider here");
  const std::string state = req.get_param_value("state");
  // One use, whatever happens next, and on whichever server.
  Result<portal::OidcFlow> taken = api.oidc_flows->take(state);
  if (!taken) return redirect_error(res, taken.error().reason);
  const portal::OidcFlow flow = std::move(taken).value();
  const int64_t now = api.now();
  if (now >= flow.expires_at) return redirect_error(res, "oidc_expired");
  if (req.has_param("error") || !req.has_param("code")) return redirect_error(res, "oidc_denied");
  Result<Json> claims =
      api.oidc->redeem(req.get_param_value("code"), flow.verifier, flow.nonce, now);
  if (!claims) {
    log_refusal(claims.error());
    return redirect_error(res, claims.error().reason);
  }
  const auto email = claims->find("email");
  const auto verified = claims->find("email_verified");
  if (email == claims->end() || !email->is_string() ||
      (verified != claims->end() && verified->is_boolean() && !verified->get<bool>())) {
    return redirect_error(res, "oidc_no_email");
  }
  Result<urn::VoterInfo> voter = api.urn.voter(flow.identifier);
  if (!voter) return redirect_error(res, voter.error().reason);
  if (!same_person(*claims, voter->name)) return redirect_error(res, "identity_mismatch");
  std::string to = email->get<std::string>();
  for (char& c : to) c = c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
  Result<std::string> token = api.accounts.issue_token(
      flow.identifier, portal::TokenPurpose::kCodeReissue, now, api.config.reissue_link_seconds);
  if (!token) return redirect_error(res, token.error().reason);
  const std::string link = api.public_url + "/reassort#" + *token;
  sodium_memzero(token->data(), token->size());
  Status sent = api.mailer.send(
      Mail{to, "Réassort de votre code de vote",
           "Bonjour,\n\nVous vous êtes identifié(e) par FranceConnect pour obtenir un nouveau code "
           "de vote. Ouvrez ce lien (il ne sert qu'une fois, valable " +
               std::to_string(api.config.reissue_link_seconds / 60) + " min) :\n\n" + link +
               "\n\nSi vous n'avez rien demandé, ignorez ce message et prévenez l'assistance.\n"});
  if (!sent) return redirect_error(res, "mail_unavailable");
  redirect(res, "/reassort?sent=email&to=" + httplib::detail::encode_query_param(masked_email(to)));
}

// GET /api/v1/code/reissue-options: which ways of re-issuing a code this
// server offers, so the page shows only those.
void options(Api& api, const httplib::Request& req, httplib::Response& res) {
  if (!check_params(req, res, {})) return;
  Json out = Json::object();
  out["franceconnect"] = api.oidc != nullptr;
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

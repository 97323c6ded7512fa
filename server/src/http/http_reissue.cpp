// Re-issue of the vote code ("réassort", issue 5), the server's half: the
// logged-in voter proves who they are (challenge answer, and NUMEN or the
// first digits of the social-security number) and picks where a single-use
// link goes (SMS to the phone on file, or a personal e-mail other than the
// login one); the link's page has the WebAssembly module make the new code,
// and only its public credential comes back here with the token. The server
// never sees a code.
#include <string>

#include "http/http_internal.h"
#include "isoloir/bytes.h"

namespace isoloir::server {
namespace {

constexpr size_t kMaxAnswer = 200;
constexpr size_t kMaxEmail = 254;
constexpr size_t kMaxPowField = 96;
constexpr size_t kMaxIdField = 64;  // a NUMEN is 13 characters, NIR digits 10: the portal checks

// POST /api/v1/code/reissue-link (session, CSRF, proof of work)
void request_reissue_link(Api& api, const httplib::Request& req, httplib::Response& res) {
  auto session = require_session(api, req, res, true);
  if (!session) return;
  auto body = json_body(req, res,
                        {{"answer", kMaxAnswer},
                         {"numen", kMaxIdField, true},
                         {"nir", kMaxIdField, true},
                         {"channel", 8},
                         {"email", kMaxEmail, true},
                         {"pow_challenge", kMaxPowField, true},
                         {"pow_nonce", kMaxPowField, true}});
  if (!body) return;
  if (!pow_ok(api, *body, res, portal::PowPurpose::kReissue)) return;
  portal::ReissueRequest request{field(*body, "answer"), field(*body, "numen"), field(*body, "nir"),
                                 field(*body, "channel"), field(*body, "email")};
  Result<portal::LinkSent> sent =
      api.portal->request_reissue_link(*session, request, api.client_address(req));
  portal::wipe_secret(request.answer);
  if (!sent) return send_refusal(res, sent.error());
  Json out = Json::object();
  out["channel"] = sent->channel;
  out["to"] = sent->masked_to;
  out["expires_in"] = sent->expires_in;
  send_json(res, out, 202);
}

// POST /api/v1/code/reissue {token, credential}: from the link's page, on
// whatever device the link was opened; the token is the proof.
void reissue(Api& api, const httplib::Request& req, httplib::Response& res) {
  auto body = json_body(req, res, {{"token", 64}, {"credential", 64}});
  if (!body) return;
  auto credential = base64url_decode_fixed<32>(field(*body, "credential"), "credential");
  if (!credential) return send_refusal(res, credential.error());
  const std::optional<std::string> cookie = session_cookie(req);
  Result<Timestamp> at =
      api.portal->reissue(field(*body, "token"), *credential,
                          cookie ? std::optional<std::string_view>(*cookie) : std::nullopt);
  if (!at) return send_refusal(res, at.error());
  Json out = Json::object();
  out["status"] = "reissued";
  out["issued_at"] = at->to_string();
  send_json(res, out);
}

}  // namespace

void install_reissue(Router& server, Api& api, std::vector<Route>& routes) {
  server.Post("/api/v1/code/reissue-link", guarded(api, request_reissue_link));
  server.Post("/api/v1/code/reissue", guarded(api, reissue));
  routes.push_back(Route{"/api/v1/code/reissue-link", "POST"});
  routes.push_back(Route{"/api/v1/code/reissue", "POST"});
}

}  // namespace isoloir::server

// The key ceremony's relay over HTTP (docs/election-end.md section 1, "In a
// browser"): a trustee's page, holding its link's token, reads the ceremony
// and posts its public round documents. The server never sees a secret: key
// files stay in the page and the trustee's downloads.
//
//   GET  /api/v1/ceremony                    the ceremony as this trustee sees it
//   POST /api/v1/ceremony/commitment         {"document": trustee-commitment}
//   POST /api/v1/ceremony/shares             {"document": trustee-shares}
//   POST /api/v1/ceremony/verification-key   {"document": trustee-verification-key}
//
// The token: "Authorization: Bearer TOKEN", or a "token" member of the POST
// body. 401 bad_token, 410 link_spent (once the verification key is in),
// 404 no_ceremony, 409 already_posted / not_yet, 400 for a document the core
// refuses or that is not this trustee's (wrong_document).
#include <string>

#include "http/http_internal.h"
#include "urn/ceremony_store.h"

namespace isoloir::server {
namespace {

constexpr size_t kMaxTokenBytes = 128;

// As everywhere (status_of), but for one reason the table gives another
// status: a trustee's missing or unknown bearer token is 401 (the request
// is not authenticated), where the portal's bad_token is a dead link (400).
void send_ceremony_error(httplib::Response& res, const Error& e) {
  if (e.reason == "bad_token") return send_error(res, 401, e.reason, e.detail);
  send_refusal(res, e);
}

std::string bearer(const httplib::Request& req) {
  const std::string h = req.get_header_value("Authorization");
  constexpr std::string_view kPrefix = "Bearer ";
  return h.starts_with(kPrefix) ? h.substr(kPrefix.size()) : std::string();
}

// The trustee behind the request's token, or nullopt after answering.
std::optional<uint32_t> trustee_of(Api& api, const std::string& token, httplib::Response& res) {
  if (api.ceremonies == nullptr) {
    send_error(res, 404, "no_ceremony", "no key ceremony on this server");
    return std::nullopt;
  }
  if (token.empty() || token.size() > kMaxTokenBytes) {
    send_error(res, 401, "bad_token", "a trustee's link token is needed");
    return std::nullopt;
  }
  auto index = api.ceremonies->trustee_of(token);
  if (!index) {
    send_ceremony_error(res, index.error());
    return std::nullopt;
  }
  return *index;
}

Json parsed_or_null(const std::string& text) {
  if (text.empty()) return nullptr;
  auto j = parse_json(text);
  return j ? *j : Json(nullptr);
}

void get_ceremony(Api& api, const httplib::Request& req, httplib::Response& res) {
  if (!check_params(req, res, {})) return;
  auto me = trustee_of(api, bearer(req), res);
  if (!me) return;
  auto c = api.ceremonies->state();
  if (!c) return send_ceremony_error(res, c.error());
  Json members = Json::array();
  Json commitments = Json::array();
  Json shares = Json::array();
  Json keys = Json::array();
  for (const CeremonyTrusteeState& m : c->members) {
    Json o = Json::object();
    o["index"] = m.index;
    o["name"] = m.name;
    o["commitment"] = !m.commitment.empty();
    o["shares"] = !m.shares.empty();
    o["verification_key"] = !m.verification_key.empty();
    members.push_back(std::move(o));
    if (!m.commitment.empty()) commitments.push_back(parsed_or_null(m.commitment));
    if (!m.shares.empty()) shares.push_back(parsed_or_null(m.shares));
    if (!m.verification_key.empty()) keys.push_back(parsed_or_null(m.verification_key));
  }
  Json body = Json::object();
  body["election_id"] = c->election_id;
  body["trustees"] = c->trustees;
  body["threshold"] = c->threshold;
  body["me"] = *me;
  body["members"] = std::move(members);
  body["commitments"] = std::move(commitments);
  body["shares"] = std::move(shares);
  body["verification_keys"] = std::move(keys);
  send_json(res, body);
}

void post_document(Api& api, const httplib::Request& req, httplib::Response& res,
                   CeremonyRound round) {
  if (!check_params(req, res, {})) return;
  if (!json_content_type(req)) {
    return send_error(res, 415, "unsupported_media_type", "the body is application/json");
  }
  auto body = parse_json(req.body);
  if (!body || !body->is_object()) {
    return send_error(res, 400, "bad_body", "a JSON object {\"document\": ...}");
  }
  std::string token = bearer(req);
  for (const auto& [key, value] : body->items()) {
    if (key == "token" && value.is_string() && token.empty()) {
      token = value.get<std::string>();
    } else if (key != "document" && key != "token") {
      return send_error(res, 400, "bad_body", "unknown member \"" + key.substr(0, 32) + "\"");
    }
  }
  const auto doc = body->find("document");
  if (doc == body->end() || !doc->is_object()) {
    return send_error(res, 400, "bad_body", "no \"document\" object");
  }
  auto me = trustee_of(api, token, res);
  if (!me) return;
  if (Status s = api.ceremonies->post(*me, round, canonical_dump(*doc)); !s) {
    return send_ceremony_error(res, s.error());
  }
  Json ok = Json::object();
  ok["index"] = *me;
  ok["done"] = round == CeremonyRound::kVerificationKey;
  send_json(res, ok, 201);
}

}  // namespace

void install_ceremony(Router& server, Api& api, std::vector<Route>& routes) {
  server.Get("/api/v1/ceremony", guarded(api, get_ceremony));
  routes.push_back(Route{"/api/v1/ceremony", "GET"});
  const std::pair<const char*, CeremonyRound> posts[] = {
      {"/api/v1/ceremony/commitment", CeremonyRound::kCommitment},
      {"/api/v1/ceremony/shares", CeremonyRound::kShares},
      {"/api/v1/ceremony/verification-key", CeremonyRound::kVerificationKey},
  };
  for (const auto& entry : posts) {
    const CeremonyRound round = entry.second;
    const char* path = entry.first;
    server.Post(path,
                guarded(api, [round](Api& a, const httplib::Request& req, httplib::Response& res) {
                  post_document(a, req, res, round);
                }));
    routes.push_back(Route{path, "POST"});
  }
}

}  // namespace isoloir::server

// The logged-in voter's routes: who they are, their scrutins, casting, the
// émargement again, the deposit proof never again, the electoral lists and
// réclamations (docs/api.md).
#include <string>

#include "http/http_internal.h"
#include "isoloir/manifest.h"
#include "text/text.h"

namespace isoloir::server {
namespace {

std::shared_ptr<const Manifest> manifest_of(Api& api, httplib::Response& res) {
  Result<std::string> text = api.urn.manifest();
  if (!text) {
    send_refusal(res, text.error());
    return nullptr;
  }
  // Parsed per request: the manifest is a few KB and parsing it costs
  // microseconds (h's table is made only when a ballot needs it), less than
  // keeping a second copy in sync would cost thought.
  Result<Manifest> m = parse_manifest(*text);
  if (!m) {
    send_refusal(res, fail("corrupt_store", m.error().message()));
    return nullptr;
  }
  return std::make_shared<const Manifest>(std::move(*m));
}

// The voter's record, or nullopt after answering.
std::optional<urn::VoterInfo> voter_of(Api& api, httplib::Response& res,
                                       const portal::Session& session) {
  Result<urn::VoterInfo> voter = api.urn.voter(session.identifier);
  if (!voter) {
    send_refusal(res, voter.error());
    return std::nullopt;
  }
  return std::move(voter).value();
}

const urn::VoterScrutin* find(const urn::VoterInfo& voter, const std::string& scrutin) {
  for (const urn::VoterScrutin& s : voter.scrutins) {
    if (s.scrutin == scrutin) return &s;
  }
  return nullptr;
}

// GET /api/v1/me
void get_me(Api& api, const httplib::Request& req, httplib::Response& res) {
  if (!check_params(req, res, {})) return;
  auto session = require_session(api, req, res, false);
  if (!session) return;
  auto voter = voter_of(api, res, *session);
  if (!voter) return;
  Result<portal::Account> account = api.accounts.account(session->identifier);
  if (!account) return send_refusal(res, account.error());
  Json out = Json::object();
  out["identifier"] = voter->identifier;
  out["name"] = voter->name;
  out["question"] = account->question;
  out["activated_at"] = Timestamp::from_unix(account->activated_at).to_string();
  out["credential"] = voter->credential;
  Json revoked = Json::array();
  for (const std::string& c : voter->revoked_credentials) revoked.push_back(c);
  out["revoked_credentials"] = std::move(revoked);
  Json scrutins = Json::array();
  for (const urn::VoterScrutin& s : voter->scrutins) scrutins.push_back(s.scrutin);
  out["scrutins"] = std::move(scrutins);
  send_json(res, out);
}

// GET /api/v1/me/scrutins: what the booth needs for its list and countdowns.
void get_my_scrutins(Api& api, const httplib::Request& req, httplib::Response& res) {
  if (!check_params(req, res, {})) return;
  auto session = require_session(api, req, res, false);
  if (!session) return;
  auto voter = voter_of(api, res, *session);
  if (!voter) return;
  auto m = manifest_of(api, res);
  if (!m) return;
  const Timestamp now = Timestamp::from_unix(api.now());
  const char* state = now < m->opens_at ? "not_open" : (m->window_open(now) ? "open" : "closed");
  Json list = Json::array();
  for (const urn::VoterScrutin& s : voter->scrutins) {
    const Scrutin* scrutin = m->find_scrutin(s.scrutin);
    Json e = Json::object();
    e["id"] = s.scrutin;
    e["title"] = scrutin != nullptr ? scrutin->title : s.scrutin;
    e["opens_at"] = m->opens_at.to_string();
    e["closes_at"] = m->closes_at.to_string();
    e["state"] = state;
    e["voted"] = s.voted_at.has_value();
    e["voted_at"] = s.voted_at ? Json(*s.voted_at) : Json(nullptr);
    list.push_back(std::move(e));
  }
  Json out = Json::object();
  out["now"] = now.to_string();  // the booth counts down from the server's clock
  out["timezone"] = m->timezone;
  out["scrutins"] = std::move(list);
  send_json(res, out);
}

// POST /api/v1/ballots: the body is the ballot's canonical bytes.
void cast(Api& api, const httplib::Request& req, httplib::Response& res) {
  if (!check_params(req, res, {})) return;
  auto session = require_session(api, req, res, true);
  if (!session) return;
  if (!json_content_type(req)) {
    return send_error(res, 415, "unsupported_media_type", "send the ballot as application/json");
  }
  // Ballots signed with a code that is not the voter's: counted per account
  // only, slowed down and then locked like failed logins. Casting needs a
  // session, so the account is the attacker's own; an address is shared by
  // a whole school behind its NAT, and must not lock the colleagues out of
  // voting (issue 9, finding 7).
  const int64_t now = api.now();
  if (Status allowed = api.portal->code_entry_allowed(session->identifier); !allowed) {
    return send_refusal(res, allowed.error());
  }
  Result<urn::CastReceipt> receipt =
      api.urn.cast(session->identifier, req.body, Timestamp::from_unix(now));
  if (!receipt) {
    const std::string& reason = receipt.error().reason;
    if (reason == "unknown_credential" || reason == "revoked_credential") {
      api.portal->code_entry_failed(session->identifier);
    }
    return send_refusal(res, receipt.error());
  }
  Json out = Json::object();
  out["reference"] = receipt->reference;
  out["log_index"] = static_cast<int64_t>(receipt->log_index);
  // The signed documents as strings: their signatures are over these bytes.
  out["deposit"] = receipt->deposit;
  out["emargement"] = receipt->emargement;
  send_json(res, out, 201);
}

// The scrutin of /api/v1/me/scrutins/{id}/..., if the voter has it.
const urn::VoterScrutin* my_scrutin(Api& api, const httplib::Request& req, httplib::Response& res,
                                    std::optional<urn::VoterInfo>& voter) {
  if (!check_params(req, res, {})) return nullptr;
  auto session = require_session(api, req, res, false);
  if (!session) return nullptr;
  voter = voter_of(api, res, *session);
  if (!voter) return nullptr;
  const urn::VoterScrutin* s = find(*voter, req.matches[1]);
  if (s == nullptr) send_error(res, 404, "not_found", "you have no such scrutin");
  return s;
}

// GET /api/v1/me/scrutins/{id}/emargement: as often as the voter likes.
void get_emargement(Api& api, const httplib::Request& req, httplib::Response& res) {
  std::optional<urn::VoterInfo> voter;
  const urn::VoterScrutin* s = my_scrutin(api, req, res, voter);
  if (s == nullptr) return;
  Result<std::string> doc = api.urn.emargement(voter->identifier, s->scrutin);
  if (!doc) {
    if (doc.error().reason == "not_found") {
      return send_error(res, 404, "not_voted", "no vote recorded in this scrutin");
    }
    return send_refusal(res, doc.error());
  }
  res.set_header("Content-Disposition",
                 "attachment; filename=\"emargement-" + s->scrutin + ".json\"");
  res.status = 200;
  res.set_content(*doc, kJson);
}

// GET /api/v1/me/scrutins/{id}/deposit: the deposit proof left with the cast
// answer and is never served again (the urn does not even keep it).
void get_deposit(Api& api, const httplib::Request& req, httplib::Response& res) {
  std::optional<urn::VoterInfo> voter;
  const urn::VoterScrutin* s = my_scrutin(api, req, res, voter);
  if (s == nullptr) return;
  if (!s->voted_at) return send_error(res, 404, "not_voted", "no vote recorded in this scrutin");
  send_error(res, 410, "deposit_already_served",
             "the deposit proof is given once, with the vote; it cannot be downloaded again");
}

// GET /api/v1/scrutins/{id}/electors?name=&from=&limit=
void get_electors(Api& api, const httplib::Request& req, httplib::Response& res) {
  if (!check_params(req, res, {"name", "from", "limit"})) return;
  auto session = require_session(api, req, res, false);
  if (!session) return;
  auto voter = voter_of(api, res, *session);
  if (!voter) return;
  const std::string scrutin = req.matches[1];
  if (find(*voter, scrutin) == nullptr) {
    return send_error(res, 403, "not_eligible", "you may search only the lists you are on");
  }
  if (!req.has_param("name")) return send_error(res, 400, "bad_parameter", "name is required");
  const std::optional<uint64_t> from = index_param(req, res, "from", 0);
  if (!from) return;
  std::optional<uint64_t> limit = index_param(req, res, "limit", kElectorPageMax);
  if (!limit) return;
  if (*limit == 0) return send_error(res, 400, "bad_parameter", "limit must be at least 1");
  if (*limit > kElectorPageMax) limit = kElectorPageMax;
  Result<urn::ElectorPage> page =
      api.urn.electors(scrutin, req.get_param_value("name"), *from, *limit);
  if (!page) return send_refusal(res, page.error());
  Json names = Json::array();
  for (const std::string& n : page->names) {
    Json e = Json::object();
    e["name"] = n;
    names.push_back(std::move(e));
  }
  Json out = Json::object();
  out["scrutin"] = scrutin;
  out["from"] = static_cast<int64_t>(*from);
  out["limit"] = static_cast<int64_t>(*limit);
  out["total"] = static_cast<int64_t>(page->total);
  out["electors"] = std::move(names);
  send_json(res, out);
}

// POST /api/v1/reclamations {scrutin, text}
void file_reclamation(Api& api, const httplib::Request& req, httplib::Response& res) {
  auto session = require_session(api, req, res, true);
  if (!session) return;
  auto body = json_body(req, res, {{"scrutin", 64}, {"text", urn::kMaxReclamationBytes}});
  if (!body) return;
  // An officer reads these on a terminal: no control character (a C1 CSI
  // starts an escape sequence) and no bidirectional override or other
  // invisible format character that would show the text other than it is.
  const std::string text_given = field(*body, "text");
  if (const size_t at = text::first_unprintable(text_given, true); at != std::string::npos) {
    return send_error(res, 400, "bad_text",
                      "the text has a control or invisible formatting character at byte " +
                          std::to_string(at) + ": only printable characters, line breaks and tabs");
  }
  const Timestamp now = Timestamp::from_unix(api.now());
  Result<int64_t> id =
      api.urn.file_reclamation(session->identifier, field(*body, "scrutin"), text_given, now);
  if (!id) return send_refusal(res, id.error());
  Json out = Json::object();
  out["id"] = *id;
  out["filed_at"] = now.to_string();
  send_json(res, out, 201);
}

}  // namespace

void install_voter(Router& server, Api& api, std::vector<Route>& routes) {
  server.Get("/api/v1/me", guarded(api, get_me));
  server.Get("/api/v1/me/scrutins", guarded(api, get_my_scrutins));
  server.Get(R"(/api/v1/me/scrutins/([^/]+)/emargement)", guarded(api, get_emargement));
  server.Get(R"(/api/v1/me/scrutins/([^/]+)/deposit)", guarded(api, get_deposit));
  server.Get(R"(/api/v1/scrutins/([^/]+)/electors)", guarded(api, get_electors));
  server.Post("/api/v1/ballots", guarded(api, cast));
  server.Post("/api/v1/reclamations", guarded(api, file_reclamation));
  for (const char* p :
       {"/api/v1/me", "/api/v1/me/scrutins", R"(/api/v1/me/scrutins/([^/]+)/emargement)",
        R"(/api/v1/me/scrutins/([^/]+)/deposit)", R"(/api/v1/scrutins/([^/]+)/electors)"}) {
    routes.push_back(Route{p, "GET"});
  }
  routes.push_back(Route{"/api/v1/ballots", "POST"});
  routes.push_back(Route{"/api/v1/reclamations", "POST"});
}

}  // namespace isoloir::server

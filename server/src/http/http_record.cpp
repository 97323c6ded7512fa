// The end of the election on the board (docs/election-end.md, section 3):
// the turnout at any time; after the close, the files the trustees decrypt
// from; after the count, the whole record. GET only, no login.
#include "http/http_internal.h"
#include "isoloir/timestamp.h"

namespace isoloir::server {
namespace {

// Refusals as everywhere (status_of): before the close 409 not_closed (the
// file will exist, not yet), before the count 404 not_published.

void get_turnout(Api& api, const httplib::Request& req, httplib::Response& res) {
  if (!check_params(req, res, {})) return;
  auto turnout = api.urn.turnout();
  if (!turnout) return send_refusal(res, turnout.error());
  Json scrutins = Json::array();
  for (const urn::Turnout& t : *turnout) {
    Json s = Json::object();
    s["id"] = t.scrutin;
    s["registered"] = static_cast<int64_t>(t.registered);
    s["votes"] = static_cast<int64_t>(t.votes);
    scrutins.push_back(std::move(s));
  }
  Json body = Json::object();
  body["at"] = Timestamp::from_unix(api.now()).to_string();
  body["scrutins"] = std::move(scrutins);
  send_json(res, body);
}

void send_file(httplib::Response& res, const std::string& content, const char* type) {
  res.status = 200;
  res.set_content(content, type);
}

void get_record_file(Api& api, const httplib::Request& req, httplib::Response& res) {
  if (!check_params(req, res, {})) return;
  const std::string name = req.matches[1];
  // The count's files exist only once published (after the close).
  if (name == "tally.json" || name == "results.json" || name == "record.tar.gz") {
    auto content = api.urn.published(name);
    if (!content) return send_refusal(res, content.error());
    if (name == "record.tar.gz") {
      res.set_header("Content-Disposition", "attachment; filename=\"record.tar.gz\"");
      return send_file(res, *content, "application/gzip");
    }
    return send_file(res, *content, kJson);
  }
  // No file of the board's end before the close: it is what makes the
  // aggregates exist (at the first request after closes_at).
  auto close = api.urn.close_state(Timestamp::from_unix(api.now()));
  if (!close) return send_refusal(res, close.error());
  if (name == "close.json") return send_file(res, close->document, kJson);
  if (name == "aggregates.json") return send_file(res, close->aggregates, kJson);
  if (name == "tree_head.json") return send_file(res, close->tree_head, kJson);
  auto files = api.urn.closed_record(Timestamp::from_unix(api.now()));
  if (!files) return send_refusal(res, files.error());
  const RecordFiles& f = **files;
  if (name == "manifest.json") return send_file(res, f.manifest, kJson);
  if (name == "trustees.json") {
    if (f.trustees.empty()) return send_refusal(res, fail("no_trustees", "no transcript"));
    return send_file(res, f.trustees, kJson);
  }
  if (name == "credentials.json") return send_file(res, f.credentials, kJson);
  return send_file(res, f.ballots, "application/x-ndjson");
}

}  // namespace

void install_record(Router& server, Api& api, std::vector<Route>& routes) {
  const std::pair<Route, void (*)(Api&, const httplib::Request&, httplib::Response&)> table[] = {
      {{R"(/api/v1/board/turnout)", "GET"}, get_turnout},
      {{R"(/api/v1/record/(manifest\.json|trustees\.json|credentials\.json|ballots\.jsonl|tree_head\.json|close\.json|aggregates\.json|tally\.json|results\.json|record\.tar\.gz))",
        "GET"},
       get_record_file},
  };
  for (const auto& [route, handler] : table) {
    server.Get(route.pattern, guarded(api, handler));
    routes.push_back(route);
  }
}

}  // namespace isoloir::server

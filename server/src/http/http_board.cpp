#include <cstdio>

#include "http/http_internal.h"
#include "isoloir/bytes.h"
#include "isoloir/manifest.h"

namespace isoloir::server {
namespace {

// The board's refusals as everywhere (status_of), except that a refusal the
// board's reads never give a client (any other 400) is our fault: 500, no
// detail.
void send_board_error(httplib::Response& res, const Error& e) {
  if (status_of(e.reason) == 400 && e.reason != "bad_proof_request") {
    std::fprintf(stderr, "isoloir-server: board read failed: %s\n", e.message().c_str());
    return send_error(res, 500, "internal_error", "the server could not read the board");
  }
  send_refusal(res, e);
}

Json hashes_json(const std::vector<merkle::Hash>& hashes) {
  Json out = Json::array();
  for (const merkle::Hash& h : hashes) out.push_back(base64url_encode(h));
  return out;
}

void get_manifest(Api& api, const httplib::Request& req, httplib::Response& res) {
  if (!check_params(req, res, {})) return;
  Result<std::string> m = api.urn.manifest();
  if (!m) return send_board_error(res, m.error());
  // The exact stored bytes: whoever hashes this body gets the election hash.
  res.status = 200;
  res.set_content(*m, kJson);
}

void get_election(Api& api, const httplib::Request& req, httplib::Response& res) {
  if (!check_params(req, res, {})) return;
  Result<std::string> m = api.urn.manifest();
  if (!m) return send_board_error(res, m.error());
  Result<Manifest> parsed = parse_manifest(*m);
  if (!parsed) return send_board_error(res, parsed.error());
  Json body = Json::object();
  body["election_hash"] = parsed->hash_b64;
  send_json(res, body);
}

void get_ballots(Api& api, const httplib::Request& req, httplib::Response& res) {
  if (!check_params(req, res, {"from", "limit"})) return;
  const std::optional<uint64_t> from = index_param(req, res, "from", 0);
  if (!from) return;
  std::optional<uint64_t> limit = index_param(req, res, "limit", kBallotPageMax);
  if (!limit) return;
  if (*limit == 0) return send_error(res, 400, "bad_parameter", "limit must be at least 1");
  if (*limit > kBallotPageMax) limit = kBallotPageMax;  // capped, not refused: the reply says so
  const uint64_t size = api.urn.size();
  if (*from > size) {
    return send_error(res, 400, "bad_parameter",
                      "from is beyond the log (" + std::to_string(size) + " ballots)");
  }
  Result<std::vector<urn::BoardBallot>> page = api.urn.ballots(*from, *limit);
  if (!page) return send_board_error(res, page.error());
  Json ballots = Json::array();
  for (const urn::BoardBallot& b : *page) {
    Json e = Json::object();
    e["log_index"] = static_cast<int64_t>(b.log_index);
    e["received_at"] = b.received_at;
    e["reference"] = b.reference;
    e["scrutin"] = b.scrutin;
    e["ballot"] = b.ballot;  // the canonical bytes as a string: hashes to the reference
    ballots.push_back(std::move(e));
  }
  Json body = Json::object();
  body["from"] = static_cast<int64_t>(*from);
  body["limit"] = static_cast<int64_t>(*limit);
  body["size"] = static_cast<int64_t>(size);
  body["ballots"] = std::move(ballots);
  send_json(res, body);
}

void get_ballot(Api& api, const httplib::Request& req, httplib::Response& res) {
  if (!check_params(req, res, {})) return;
  const std::string reference = req.matches[1];
  if (!base64url_decode_fixed<32>(reference, "reference")) {
    return send_error(res, 400, "bad_parameter", "reference must be 43 base64url characters");
  }
  Result<urn::BallotInclusion> inc = api.urn.ballot(reference);
  if (!inc) return send_board_error(res, inc.error());
  Json body = Json::object();
  body["log_index"] = static_cast<int64_t>(inc->ballot.log_index);
  body["received_at"] = inc->ballot.received_at;
  body["reference"] = inc->ballot.reference;
  body["scrutin"] = inc->ballot.scrutin;
  body["ballot"] = inc->ballot.ballot;
  // The signed bytes as a string, not a nested object: the signature is
  // over these exact bytes and the booth's verifyInclusion takes them as is.
  body["tree_head"] = inc->tree_head.document;
  body["path"] = hashes_json(inc->path);
  send_json(res, body);
}

void get_tree_head(Api& api, const httplib::Request& req, httplib::Response& res) {
  if (!check_params(req, res, {})) return;
  Result<urn::StoredTreeHead> head = api.urn.latest_tree_head();
  if (!head) return send_board_error(res, head.error());
  res.status = 200;
  res.set_content(head->document, kJson);
}

void get_consistency(Api& api, const httplib::Request& req, httplib::Response& res) {
  if (!check_params(req, res, {"first", "second"})) return;
  const std::optional<uint64_t> first = index_param(req, res, "first", std::nullopt);
  if (!first) return;
  const std::optional<uint64_t> second = index_param(req, res, "second", std::nullopt);
  if (!second) return;
  const uint64_t size = api.urn.size();
  if (*first == 0 || *first > *second || *second > size) {
    return send_error(res, 400, "bad_proof_request",
                      "need 0 < first <= second <= " + std::to_string(size));
  }
  Result<std::vector<merkle::Hash>> proof = api.urn.consistency_proof(*first, *second);
  if (!proof) return send_board_error(res, proof.error());
  Json body = Json::object();
  body["first"] = static_cast<int64_t>(*first);
  body["second"] = static_cast<int64_t>(*second);
  body["proof"] = hashes_json(*proof);
  send_json(res, body);
}

}  // namespace

// The public board: no login, GET only.
void install_board(Router& server, Api& api, std::vector<Route>& routes) {
  const std::pair<Route, void (*)(Api&, const httplib::Request&, httplib::Response&)> table[] = {
      {{R"(/api/v1/board/manifest)", "GET"}, get_manifest},
      {{R"(/api/v1/board/election)", "GET"}, get_election},
      {{R"(/api/v1/board/ballots)", "GET"}, get_ballots},
      {{R"(/api/v1/board/ballots/([^/]+))", "GET"}, get_ballot},
      {{R"(/api/v1/board/tree-head)", "GET"}, get_tree_head},
      {{R"(/api/v1/board/consistency)", "GET"}, get_consistency},
  };
  for (const auto& [route, handler] : table) {
    server.Get(route.pattern, guarded(api, handler));
    routes.push_back(route);
  }
}

}  // namespace isoloir::server

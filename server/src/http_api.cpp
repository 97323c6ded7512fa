#include "isoloir/server/http_api.h"

#include <charconv>
#include <exception>
#include <optional>
#include <set>
#include <string>
#include <string_view>

#include "isoloir/bytes.h"
#include "isoloir/canonical_json.h"
#include "isoloir/manifest.h"

namespace isoloir::server {
namespace {

constexpr const char* kJson = "application/json";
// Query values longer than this are refused before any parsing: the largest
// legitimate one is a 16-digit number.
constexpr size_t kMaxParamBytes = 64;
// Canonical JSON integers stop at 2^53 - 1 (kMaxJsonInteger): so do indices.
constexpr uint64_t kMaxIndex = (uint64_t{1} << 53) - 1;

// The GET routes, as regular expressions, for the 405 check.
const char* const kBoardRoutes[] = {
    R"(/api/v1/board/manifest)",  R"(/api/v1/board/election)",
    R"(/api/v1/board/ballots)",   R"(/api/v1/board/ballots/([^/]+))",
    R"(/api/v1/board/tree-head)", R"(/api/v1/board/consistency)",
};

void send_error(httplib::Response& res, int status, const std::string& reason,
                const std::string& detail) {
  Json body = Json::object();
  body["error"] = reason;
  body["detail"] = detail;
  res.status = status;
  res.set_content(body.dump(), kJson);
}

void send_json(httplib::Response& res, const Json& body) {
  res.status = 200;
  res.set_content(canonical_dump(body), kJson);
}

// The status a storage refusal maps to: unknown things are 404, a bad
// request 400, anything else is our fault (500, reason kept, no detail).
void send_urn_error(httplib::Response& res, const Error& e) {
  if (e.reason == "not_found" || e.reason == "no_election" || e.reason == "empty_log") {
    send_error(res, 404, e.reason, e.detail);
  } else if (e.reason == "bad_proof_request") {
    send_error(res, 400, e.reason, e.detail);
  } else {
    send_error(res, 500, "internal_error", "the server could not read the board");
  }
}

// The query parameters, checked: only `allowed` names, each at most once,
// short values. Returns false after answering 400.
bool check_params(const httplib::Request& req, httplib::Response& res,
                  std::initializer_list<std::string_view> allowed) {
  std::set<std::string, std::less<>> seen;
  for (const auto& [name, value] : req.params) {
    bool known = false;
    for (std::string_view a : allowed) known = known || name == a;
    if (!known) {
      send_error(res, 400, "bad_parameter", "unknown parameter \"" + name.substr(0, 32) + "\"");
      return false;
    }
    if (!seen.insert(name).second) {
      send_error(res, 400, "bad_parameter", name + " given twice");
      return false;
    }
    if (value.size() > kMaxParamBytes) {
      send_error(res, 400, "bad_parameter", name + " is too long");
      return false;
    }
  }
  return true;
}

// A decimal index 0..2^53-1, digits only (no sign, no spaces); `fallback`
// when absent. nullopt after answering 400.
std::optional<uint64_t> index_param(const httplib::Request& req, httplib::Response& res,
                                    const std::string& name, std::optional<uint64_t> fallback) {
  if (!req.has_param(name.c_str())) {
    if (!fallback) send_error(res, 400, "bad_parameter", name + " is required");
    return fallback;
  }
  const std::string value = req.get_param_value(name.c_str());
  uint64_t v = 0;
  const auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), v);
  if (value.empty() || ec != std::errc() || end != value.data() + value.size() || v > kMaxIndex) {
    send_error(res, 400, "bad_parameter",
               name + " must be an integer 0.." + std::to_string(kMaxIndex));
    return std::nullopt;
  }
  return v;
}

Json hashes_json(const std::vector<merkle::Hash>& hashes) {
  Json out = Json::array();
  for (const merkle::Hash& h : hashes) out.push_back(base64url_encode(h));
  return out;
}

void get_manifest(const urn::Urn& urn, const httplib::Request& req, httplib::Response& res) {
  if (!check_params(req, res, {})) return;
  Result<std::string> m = urn.manifest();
  if (!m) return send_urn_error(res, m.error());
  // The exact stored bytes: whoever hashes this body gets the election hash.
  res.status = 200;
  res.set_content(*m, kJson);
}

void get_election(const urn::Urn& urn, const httplib::Request& req, httplib::Response& res) {
  if (!check_params(req, res, {})) return;
  Result<std::string> m = urn.manifest();
  if (!m) return send_urn_error(res, m.error());
  Result<Manifest> parsed = parse_manifest(*m);
  if (!parsed) return send_urn_error(res, parsed.error());
  Json body = Json::object();
  body["election_hash"] = parsed->hash_b64;
  send_json(res, body);
}

void get_ballots(const urn::Urn& urn, const httplib::Request& req, httplib::Response& res) {
  if (!check_params(req, res, {"from", "limit"})) return;
  const std::optional<uint64_t> from = index_param(req, res, "from", 0);
  if (!from) return;
  std::optional<uint64_t> limit = index_param(req, res, "limit", kBallotPageMax);
  if (!limit) return;
  if (*limit == 0) return send_error(res, 400, "bad_parameter", "limit must be at least 1");
  if (*limit > kBallotPageMax) limit = kBallotPageMax;  // capped, not refused: the reply says so
  const uint64_t size = urn.size();
  if (*from > size) {
    return send_error(res, 400, "bad_parameter",
                      "from is beyond the log (" + std::to_string(size) + " ballots)");
  }
  Result<std::vector<urn::BoardBallot>> page = urn.ballots(*from, *limit);
  if (!page) return send_urn_error(res, page.error());
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

void get_ballot(const urn::Urn& urn, const httplib::Request& req, httplib::Response& res) {
  if (!check_params(req, res, {})) return;
  const std::string reference = req.matches[1];
  if (!base64url_decode_fixed<32>(reference, "reference")) {
    return send_error(res, 400, "bad_parameter", "reference must be 43 base64url characters");
  }
  Result<urn::BallotInclusion> inc = urn.ballot(reference);
  if (!inc) return send_urn_error(res, inc.error());
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

void get_tree_head(const urn::Urn& urn, const httplib::Request& req, httplib::Response& res) {
  if (!check_params(req, res, {})) return;
  Result<urn::StoredTreeHead> head = urn.latest_tree_head();
  if (!head) return send_urn_error(res, head.error());
  res.status = 200;
  res.set_content(head->document, kJson);
}

void get_consistency(const urn::Urn& urn, const httplib::Request& req, httplib::Response& res) {
  if (!check_params(req, res, {"first", "second"})) return;
  const std::optional<uint64_t> first = index_param(req, res, "first", std::nullopt);
  if (!first) return;
  const std::optional<uint64_t> second = index_param(req, res, "second", std::nullopt);
  if (!second) return;
  const uint64_t size = urn.size();
  if (*first == 0 || *first > *second || *second > size) {
    return send_error(res, 400, "bad_proof_request",
                      "need 0 < first <= second <= " + std::to_string(size));
  }
  Result<std::vector<merkle::Hash>> proof = urn.consistency_proof(*first, *second);
  if (!proof) return send_urn_error(res, proof.error());
  Json body = Json::object();
  body["first"] = static_cast<int64_t>(*first);
  body["second"] = static_cast<int64_t>(*second);
  body["proof"] = hashes_json(*proof);
  send_json(res, body);
}

// Wraps a handler so that nothing thrown below (allocation failure, a
// library's exception) crosses into httplib: the client gets a generic 500.
template <class F>
httplib::Server::Handler guarded(const urn::Urn& urn, F f) {
  return [&urn, f](const httplib::Request& req, httplib::Response& res) {
    try {
      f(urn, req, res);
    } catch (...) {
      send_error(res, 500, "internal_error", "the server failed to answer");
    }
  };
}

bool is_board_route(const std::string& path) {
  for (const char* route : kBoardRoutes) {
    if (std::regex_match(path, std::regex(route))) return true;
  }
  return false;
}

// Any method other than GET: 405 on a known route, 404 elsewhere.
void method_not_allowed(const httplib::Request& req, httplib::Response& res) {
  if (is_board_route(req.path)) {
    res.set_header("Allow", "GET");
    send_error(res, 405, "method_not_allowed", req.method + " is not allowed here; use GET");
  } else {
    send_error(res, 404, "not_found", "no such route");
  }
}

}  // namespace

void install_http_api(httplib::Server& server, const urn::Urn& urn, size_t max_body_bytes) {
  // On every response, errors included. The API serves only JSON that no
  // browser should render, run or frame; the board changes with every cast,
  // so nothing is cached.
  server.set_default_headers({
      {"Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'"},
      {"X-Content-Type-Options", "nosniff"},
      {"Cache-Control", "no-store"},
      {"Referrer-Policy", "no-referrer"},
      {"X-Frame-Options", "DENY"},
  });
  server.set_payload_max_length(max_body_bytes);

  server.Get(kBoardRoutes[0], guarded(urn, get_manifest));
  server.Get(kBoardRoutes[1], guarded(urn, get_election));
  server.Get(kBoardRoutes[2], guarded(urn, get_ballots));
  server.Get(kBoardRoutes[3], guarded(urn, get_ballot));
  server.Get(kBoardRoutes[4], guarded(urn, get_tree_head));
  server.Get(kBoardRoutes[5], guarded(urn, get_consistency));
  const httplib::Server::Handler other = method_not_allowed;
  server.Post(".*", other).Put(".*", other).Patch(".*", other).Delete(".*", other);
  server.Options(".*", other);

  // httplib's own refusals (404 unrouted, 400 unparsable, 413 body too
  // large, 414 URI too long) come here with an empty body: give them the
  // API's JSON error shape. Bodies set by our handlers are kept.
  const httplib::Server::HandlerWithResponse on_error = [](const httplib::Request& req,
                                                           httplib::Response& res) {
    if (!res.body.empty()) return httplib::Server::HandlerResponse::Unhandled;
    // httplib refuses a POST with neither Content-Length nor chunking (400)
    // before routing; on a board route the answer that helps is still 405.
    if (res.status == 400 && req.method != "GET" && req.method != "HEAD" &&
        is_board_route(req.path)) {
      method_not_allowed(req, res);
      return httplib::Server::HandlerResponse::Handled;
    }
    switch (res.status) {
      case 404:
        send_error(res, 404, "not_found", "no such route");
        break;
      case 405:
        send_error(res, 405, "method_not_allowed", "use GET");
        break;
      case 413:
        send_error(res, 413, "body_too_large", "the request body is too large");
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
    return httplib::Server::HandlerResponse::Handled;
  };
  server.set_error_handler(on_error);
  server.set_exception_handler(
      [](const httplib::Request&, httplib::Response& res, const std::exception_ptr&) {
        send_error(res, 500, "internal_error", "the server failed to answer");
      });
}

}  // namespace isoloir::server

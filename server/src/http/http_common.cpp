#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstdio>
#include <map>
#include <set>
#include <utility>

#include "http/http_internal.h"
#include "isoloir/bytes.h"

namespace isoloir::server {
namespace {

// Query values longer than this are refused before any parsing: the largest
// legitimate ones are a 16-digit number and a name searched in a list.
constexpr size_t kMaxParamBytes = 64;
// Canonical JSON integers stop at 2^53 - 1 (kMaxJsonInteger): so do indices.
constexpr uint64_t kMaxIndex = (uint64_t{1} << 53) - 1;

}  // namespace

int status_of(std::string_view reason) {
  static const std::map<std::string_view, int> kStatus = {
      // who is asking
      {"bad_login", 401},
      {"not_logged_in", 401},
      // not this voter's, not now, or not allowed
      {"unknown_credential", 403},
      {"revoked_credential", 403},
      {"window_not_open", 403},
      {"window_closed", 403},
      {"not_eligible", 403},
      {"unknown_voter", 403},
      {"csrf_failed", 403},
      {"reissue_refused", 403},
      {"foreign_token", 403},
      {"pow_required", 403},
      // nothing there
      {"not_found", 404},
      {"no_election", 404},
      {"empty_log", 404},
      {"not_voted", 404},
      {"oidc_not_configured", 404},
      {"no_ceremony", 404},
      {"not_published", 404},
      {"no_trustees", 404},
      // the state says no
      {"already_voted", 409},
      {"already_active", 409},
      {"no_phone", 409},
      {"already_posted", 409},
      {"not_yet", 409},
      {"not_closed", 409},
      // gone
      {"token_used", 410},
      {"token_expired", 410},
      {"link_spent", 410},
      // slowed down (retry_after_seconds says for how long)
      {"too_many_attempts", 429},
      {"locked", 429},
      {"pow_busy", 429},
      // ours: a bug or the disk, said as internal_error (kHidden)
      {"storage_error", 500},
      {"storage_constraint", 500},
      {"corrupt_store", 500},
      {"hash_failed", 500},
      // worth trying again
      {"busy", 503},
      {"mail_unavailable", 503},
      {"sms_unavailable", 503},
      // the database (pg.h) is away or lost a race: said as unavailable
      {"storage_unavailable", 503},
      {"storage_conflict", 503},
      {"storage_in_doubt", 503},
  };
  const auto it = kStatus.find(reason);
  return it == kStatus.end() ? 400 : it->second;
}

namespace {

// Reasons whose detail stays in our logs: a storage failure's, or libpq's,
// which may name the database's host.
bool hidden(std::string_view reason) {
  return reason.rfind("storage_", 0) == 0 || reason == "corrupt_store" || reason == "hash_failed";
}

}  // namespace

Api::Api(const Services& services)
    : urn(services.urn), accounts(services.accounts), config(services.config) {}

std::string client_address(const httplib::Request& req, bool trust_proxy) {
  if (trust_proxy) {
    // Every X-Forwarded-For line, not only the first: a client may send
    // its own lines before the one our proxy appends, and only the last
    // entry of the last line is the proxy's word.
    const size_t lines = req.get_header_value_count("X-Forwarded-For");
    if (lines > 0) {
      const std::string forwarded = req.get_header_value("X-Forwarded-For", lines - 1);
      const size_t comma = forwarded.rfind(',');
      std::string last = comma == std::string::npos ? forwarded : forwarded.substr(comma + 1);
      last.erase(0, last.find_first_not_of(" \t"));
      last.erase(last.find_last_not_of(" \t") + 1);
      if (!last.empty() && last.size() <= 64) return last;
    }
  }
  return req.remote_addr;
}

bool json_content_type(const httplib::Request& req) {
  std::string type = req.get_header_value("Content-Type");
  for (char& c : type) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  type.erase(std::remove(type.begin(), type.end(), ' '), type.end());
  return type == kJson || type == std::string(kJson) + ";charset=utf-8";
}

std::string Api::client_address(const httplib::Request& req) const {
  return server::client_address(req, config.trust_proxy);
}

void send_error(httplib::Response& res, int status, const std::string& reason,
                const std::string& detail) {
  Json body = Json::object();
  body["error"] = reason;
  body["detail"] = detail;
  res.status = status;
  // A detail may quote the client's own bytes, which need not be UTF-8:
  // replaced, never a reason to fail the answer.
  res.set_content(body.dump(-1, ' ', false, Json::error_handler_t::replace), kJson);
}

void send_json(httplib::Response& res, const Json& body, int status) {
  res.status = status;
  res.set_content(canonical_dump(body), kJson);
}

void send_refusal(httplib::Response& res, const Error& e) {
  const int status = status_of(e.reason);
  if (status == 500) {
    // The reason stays in our logs' hands; the client learns it failed.
    std::fprintf(stderr, "isoloir-server: internal error: %s\n", e.message().c_str());
    return send_error(res, 500, "internal_error", "the server could not complete the request");
  }
  if (status == 503 && hidden(e.reason)) {
    res.set_header("Retry-After", "5");
    return send_error(res, 503, "unavailable", "the server's database is unavailable; try again");
  }
  if (e.retry_after_seconds > 0) {
    res.set_header("Retry-After", std::to_string(e.retry_after_seconds));
  }
  send_error(res, status, e.reason, e.detail);
}

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

std::optional<Json> json_body(const httplib::Request& req, httplib::Response& res,
                              std::initializer_list<BodyField> keys) {
  if (!json_content_type(req)) {
    send_error(res, 415, "unsupported_media_type", "send the body as application/json");
    return std::nullopt;
  }
  // RFC 8259 section 8.1: senders must not add a byte order mark.
  if (req.body.rfind("\xEF\xBB\xBF", 0) == 0) {
    send_error(res, 400, "invalid_json", "the body starts with a byte order mark");
    return std::nullopt;
  }
  Result<Json> parsed = parse_json(req.body);
  if (!parsed) {
    send_error(res, 400, "invalid_json", parsed.error().detail);
    return std::nullopt;
  }
  if (!parsed->is_object()) {
    send_error(res, 400, "malformed", "the body must be a JSON object");
    return std::nullopt;
  }
  for (const auto& [name, value] : parsed->items()) {
    const BodyField* known = nullptr;
    for (const BodyField& k : keys) known = name == k.name ? &k : known;
    if (known == nullptr) {
      send_error(res, 400, "malformed", "unknown member \"" + name.substr(0, 32) + "\"");
      return std::nullopt;
    }
    if (!value.is_string()) {
      send_error(res, 400, "malformed", name + " must be a string");
      return std::nullopt;
    }
    if (value.get_ref<const std::string&>().size() > known->max_bytes) {
      send_error(res, 400, "malformed", name + " is too long");
      return std::nullopt;
    }
  }
  for (const BodyField& k : keys) {
    if (!k.optional && !parsed->contains(k.name)) {
      send_error(res, 400, "malformed", std::string(k.name) + " is missing");
      return std::nullopt;
    }
  }
  return std::move(parsed).value();
}

std::string field(const Json& body, const char* name) {
  const auto it = body.find(name);
  return it == body.end() ? std::string() : it->get<std::string>();
}

bool pow_ok(Api& api, const Json& body, httplib::Response& res, portal::PowPurpose purpose) {
  const Status s =
      api.portal->redeem_pow(field(body, "pow_challenge"), field(body, "pow_nonce"), purpose);
  if (!s) send_refusal(res, s.error());
  return s.ok();
}

std::optional<std::string> session_cookie(const httplib::Request& req) {
  const std::string header = req.get_header_value("Cookie");
  const std::string_view all = header;
  size_t pos = 0;
  while (pos < all.size()) {
    size_t end = all.find(';', pos);
    if (end == std::string_view::npos) end = all.size();
    std::string_view item = all.substr(pos, end - pos);
    while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
    const std::string_view name = kSessionCookie;
    if (item.size() > name.size() && item.substr(0, name.size()) == name &&
        item[name.size()] == '=') {
      return std::string(item.substr(name.size() + 1));
    }
    pos = end + 1;
  }
  return std::nullopt;
}

std::optional<portal::Session> require_session(Api& api, const httplib::Request& req,
                                               httplib::Response& res, bool changes_state) {
  const std::optional<std::string> id = session_cookie(req);
  if (!id) {
    send_error(res, 401, "not_logged_in", "log in first");
    return std::nullopt;
  }
  std::optional<std::string> csrf;
  if (changes_state) csrf = req.get_header_value(kCsrfHeader);
  Result<portal::Session> session = api.portal->session(*id, csrf);
  if (!session) {
    send_refusal(res, session.error());
    return std::nullopt;
  }
  return std::move(session).value();
}

Router::Handler guarded(Api& api, Handler f) {
  return [&api, f = std::move(f)](const httplib::Request& req, httplib::Response& res) {
    try {
      f(api, req, res);
    } catch (...) {
      send_error(res, 500, "internal_error", "the server failed to answer");
    }
  };
}

}  // namespace isoloir::server

#include <algorithm>
#include <cctype>
#include <charconv>
#include <chrono>
#include <cstdio>
#include <set>
#include <thread>
#include <utility>

#include "http_internal.h"
#include "isoloir/bytes.h"

namespace isoloir::server {
namespace {

// Query values longer than this are refused before any parsing: the largest
// legitimate ones are a 16-digit number and a name searched in a list.
constexpr size_t kMaxParamBytes = 64;
// Canonical JSON integers stop at 2^53 - 1 (kMaxJsonInteger): so do indices.
constexpr uint64_t kMaxIndex = (uint64_t{1} << 53) - 1;

portal::ThrottlePolicy policy(int64_t free_failures, int64_t lock_after, int64_t lock_seconds) {
  portal::ThrottlePolicy p;
  p.free_failures = static_cast<int>(free_failures);
  p.lock_after = static_cast<int>(lock_after);
  p.lock_seconds = lock_seconds;
  return p;
}

std::ptrdiff_t hash_concurrency() {
  return static_cast<std::ptrdiff_t>(std::max(1u, std::thread::hardware_concurrency()));
}

// Which refusals are whose fault, for the status code.
int status_of(std::string_view reason) {
  static const std::set<std::string_view> kForbidden = {"unknown_credential", "revoked_credential",
                                                        "window_not_open",    "window_closed",
                                                        "not_eligible",       "unknown_voter"};
  static const std::set<std::string_view> kNotFound = {"not_found", "no_election", "empty_log",
                                                       "not_voted"};
  static const std::set<std::string_view> kConflict = {"already_voted", "already_active"};
  static const std::set<std::string_view> kServer = {"storage_error", "storage_constraint",
                                                     "corrupt_store", "hash_failed"};
  // The database (pg.h) is away or lost a race: worth trying again.
  static const std::set<std::string_view> kUnavailable = {"storage_unavailable", "storage_conflict",
                                                          "storage_in_doubt"};
  if (kForbidden.count(reason) != 0) return 403;
  if (kNotFound.count(reason) != 0) return 404;
  if (kConflict.count(reason) != 0) return 409;
  if (kServer.count(reason) != 0) return 500;
  if (kUnavailable.count(reason) != 0) return 503;
  if (reason == "token_used" || reason == "token_expired") return 410;
  return 400;  // the protocol's ballot refusals and every other bad input
}

}  // namespace

Api::Api(const Services& services, portal::HashCost c, std::unique_ptr<portal::PortalState> s)
    : urn(services.urn),
      accounts(services.accounts),
      mailer(services.mailer),
      sms(services.sms),
      config(services.config),
      cost(c),
      public_url(services.public_url),
      clock(services.clock),
      state(std::move(s)),
      login_accounts(state->throttle(
          "login_accounts",
          policy(config.login_free_failures, config.login_lock_after, config.login_lock_seconds))),
      login_addresses(state->throttle(
          "login_addresses", policy(config.address_free_failures, config.address_lock_after,
                                    config.login_lock_seconds))),
      // Three links, then a wait that doubles: a voter who asks again and
      // again is slowed down, not served a flood of mail.
      link_requests(state->throttle("link_requests", policy(3, 20, 3600))),
      // A few tries at the answer and the NUMEN, then an hour's lock: the
      // re-issue is the one way to change the secret that votes.
      reissue_accounts(state->throttle("reissue_accounts", policy(2, 5, 3600))),
      // The booth checks a typed code before sending anything, so a ballot
      // with a wrong code means a script, or an old invalidated code.
      code_entries(state->throttle("code_entries", policy(3, 10, 3600))),
      hash_slots(hash_concurrency()),
      pow(state->pow_issuer(
          portal::PowPolicy{static_cast<int>(config.pow_difficulty), 300, 1'000'000})),
      oidc_flows(state->oidc_flows(kMaxOidcFlows)) {}

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

Result<std::string> Api::hash(std::string_view secret) {
  hash_slots.acquire();
  Result<std::string> out = portal::hash_secret(secret, cost);
  hash_slots.release();
  return out;
}

bool Api::verify(std::string_view stored, std::string_view secret) {
  hash_slots.acquire();
  const bool ok = portal::verify_secret(stored, secret);
  hash_slots.release();
  return ok;
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
  if (status == 503) {
    // libpq's detail may name the database's host: not the client's business.
    res.set_header("Retry-After", "5");
    return send_error(res, 503, "unavailable", "the server's database is unavailable; try again");
  }
  send_error(res, status, e.reason, e.detail);
}

void send_throttled(httplib::Response& res, const portal::ThrottleVerdict& v,
                    const std::string& what) {
  const int64_t wait = std::max<int64_t>(1, v.retry_after_seconds);
  res.set_header("Retry-After", std::to_string(wait));
  send_error(res, 429, v.locked ? "locked" : "too_many_attempts",
             what + (v.locked ? " is locked after too many failures" : " is slowed down") +
                 "; try again in " + std::to_string(wait) + " s");
}

bool throttle_allows(Api& api, httplib::Response& res, portal::ThrottleStore& throttle,
                     std::string_view key, const std::string& what) {
  const Result<portal::ThrottleVerdict> v = throttle.check(key, api.now());
  if (!v) {
    send_refusal(res, v.error());
    return false;
  }
  if (!v->allowed) {
    send_throttled(res, *v, what);
    return false;
  }
  return true;
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
  const std::string nonce_text = field(body, "pow_nonce");
  uint64_t nonce = 0;
  const auto [end, ec] =
      std::from_chars(nonce_text.data(), nonce_text.data() + nonce_text.size(), nonce);
  if (!nonce_text.empty() && (ec != std::errc() || end != nonce_text.data() + nonce_text.size())) {
    send_error(res, 400, "bad_pow", "pow_nonce must be a decimal integer");
    return false;
  }
  const Status s = api.pow->redeem(field(body, "pow_challenge"), nonce, purpose, api.now());
  if (s) return true;
  const std::string& r = s.error().reason;
  if (r.rfind("storage_", 0) == 0) {
    send_refusal(res, s.error());
    return false;
  }
  send_error(res, r == "pow_busy" ? 429 : (r == "pow_required" ? 403 : 400), r, s.error().detail);
  return false;
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
  Result<portal::Session> session = api.accounts.session(*id, api.now());
  if (!session) {
    if (session.error().reason == "no_session") {
      send_error(res, 401, "not_logged_in", session.error().detail);
    } else {
      send_refusal(res, session.error());
    }
    return std::nullopt;
  }
  // The double-submit check: a page of another site can make the browser
  // send our cookie (it will not, with SameSite=Strict, but older browsers
  // may), never read the token the login answer gave our own page.
  if (changes_state) {
    const std::string token = req.get_header_value(kCsrfHeader);
    if (token.size() != session->csrf.size() ||
        !equal_ct(as_bytes(token), as_bytes(session->csrf))) {
      send_error(res, 403, "csrf_failed",
                 std::string("missing or wrong ") + kCsrfHeader + " header");
      return std::nullopt;
    }
  }
  return std::move(session).value();
}

std::string masked_email(const std::string& email) {
  const size_t at = email.find('@');
  return at == std::string::npos ? "***" : email.substr(0, 1) + "***" + email.substr(at);
}

int64_t system_seconds() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
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

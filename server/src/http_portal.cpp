// The voter portal's account routes: activation and password links, the
// activation itself, the password reset, login and logout (docs/api.md).
#include <sodium.h>

#include <algorithm>
#include <cstdio>
#include <string>
#include <utility>

#include "http_internal.h"
#include "text.h"

namespace isoloir::server {
namespace {

constexpr size_t kMaxIdentifier = 254;  // an e-mail address
constexpr size_t kMaxPassword = 128;    // password.h refuses longer ones
constexpr size_t kMaxQuestion = 200;
constexpr size_t kMaxAnswer = 200;
constexpr size_t kMaxToken = 64;     // 43 base64url characters
constexpr size_t kMaxPowField = 96;  // a 76-character challenge, a 16-digit nonce

// Wipes a string that held a secret (a password, an answer) before it goes.
void wipe(std::string& s) {
  if (!s.empty()) sodium_memzero(s.data(), s.size());
  s.clear();
}

// The extra proof-of-work bits asked of an address over its failure
// threshold: each bit doubles the expected work, so 3 bits are 8 times the
// default's second on a phone: a few seconds more for a colleague, the
// attacker's rate divided by 8 (docs/api.md, the address throttle).
constexpr int kAddressExtraBits = 3;

std::string hours(int64_t seconds) {
  return std::to_string((seconds + 3599) / 3600);
}

// The mail that carries a single-use link. The token travels in the URL's
// fragment: browsers send neither the fragment to the server nor it in a
// Referer, so it stays out of access logs; the page posts it to the API.
Mail link_mail(const Api& api, const std::string& to, const std::string& name, bool activation,
               const std::string& token) {
  const int64_t ttl =
      activation ? api.config.activation_link_seconds : api.config.reset_link_seconds;
  const std::string link =
      api.public_url + (activation ? "/activation#" : "/mot-de-passe#") + token;
  Mail mail;
  mail.to = to;
  mail.subject =
      activation ? "Activation de votre compte électeur" : "Réinitialisation de votre mot de passe";
  mail.body = "Bonjour " + name + ",\n\n" +
              (activation ? "Pour activer votre compte sur le portail de vote, ouvrez ce lien :\n\n"
                          : "Pour choisir un nouveau mot de passe, ouvrez ce lien :\n\n") +
              link + "\n\nIl ne sert qu'une fois et reste valable " + hours(ttl) +
              " heure(s). Si vous n'avez rien demandé, ignorez ce message : rien ne change.\n";
  return mail;
}

// The work of a link request, on the background thread: an elector whose
// account is in the state the link is for gets a token and a mail; anybody
// else nothing. A failure is said on the server's log (without the
// identifier), not to the requester: the answer went before, the same for
// everyone, and the voter who gets no mail asks again.
void send_link(Api& api, const std::string& identifier, bool activation) {
  Result<urn::VoterInfo> voter = api.urn.voter(identifier);
  Result<portal::Account> account = api.accounts.account(identifier);
  auto failed = [](const Error& e) {
    std::fprintf(stderr, "isoloir-server: a link was not sent: %s\n", e.message().c_str());
  };
  if (!voter && voter.error().reason != "unknown_voter") return failed(voter.error());
  if (!account && account.error().reason != "not_found") return failed(account.error());
  if (!voter || account.ok() == activation) return;
  const auto purpose =
      activation ? portal::TokenPurpose::kActivation : portal::TokenPurpose::kPasswordReset;
  Result<std::string> token = api.accounts.issue_token(
      identifier, purpose, api.now(),
      activation ? api.config.activation_link_seconds : api.config.reset_link_seconds);
  if (!token) return failed(token.error());
  Status sent = api.mailer.send(link_mail(api, identifier, voter->name, activation, *token));
  wipe(*token);
  if (!sent) failed(sent.error());
}

// POST /api/v1/account/activation-link and /password-link {identifier}.
// The answer is the same whether the identifier is known or not, so that
// nobody learns who the electors are by asking: same status and body, same
// throttling, and the same work on the request path, since the stores and
// the mailer are reached only by send_link, after the answer (issue 9,
// finding 5: a registered identifier took 1.2 ms, an unknown one 0.7 ms).
void request_link(Api& api, const httplib::Request& req, httplib::Response& res, bool activation) {
  auto body = json_body(req, res,
                        {{"identifier", kMaxIdentifier},
                         {"pow_challenge", kMaxPowField, true},
                         {"pow_nonce", kMaxPowField, true}});
  if (!body) return;
  if (!pow_ok(api, *body, res, portal::PowPurpose::kLink)) return;
  std::string identifier = text::lower_ascii(field(*body, "identifier"));
  const std::string address = api.client_address(req);
  // No refusal by address (issue 9): one client behind a school's NAT must
  // not stop its colleagues; the address only pays a harder proof of work.
  if (!throttle_allows(api, res, *api.link_requests, identifier, "this identifier")) return;
  const int64_t now = api.now();
  // Every request counts, against the identifier and the address alike,
  // whether the identifier is on the list or not; a request that could not
  // be counted is not served.
  for (auto [throttle, key] : {std::pair{api.link_requests.get(), identifier},
                               std::pair{api.login_addresses.get(), address}}) {
    if (auto counted = throttle->failure(key, now); !counted) {
      return send_refusal(res, counted.error());
    }
  }
  const bool queued =
      api.links.post([&api, identifier, activation] { send_link(api, identifier, activation); });
  if (!queued) {
    res.set_header("Retry-After", "60");
    return send_error(res, 503, "busy",
                      "too many links are waiting to be sent; try again in a minute");
  }
  Json ok = Json::object();
  ok["status"] = "sent_if_applicable";
  ok["detail"] = activation
                     ? "if this identifier is registered and not yet active, a link is on its way"
                     : "if this identifier has an active account, a link is on its way";
  send_json(res, ok, 202);
}

// The password's rule, answered with what is missing so the page can say it.
bool password_ok(httplib::Response& res, const std::string& password) {
  const Status s = portal::check_password(password);
  if (s) return true;
  const portal::PasswordCheck c = portal::classify_password(password);
  Json body = Json::object();
  body["error"] = s.error().reason;
  body["detail"] = s.error().detail;
  Json classes = Json::object();
  classes["length"] = c.length_ok;
  classes["upper"] = c.upper;
  classes["lower"] = c.lower;
  classes["digit"] = c.digit;
  classes["special"] = c.special;
  body["classes"] = std::move(classes);
  res.status = 400;
  res.set_content(body.dump(), kJson);
  return false;
}

bool is_plain_line(const std::string& s) {
  for (unsigned char c : s) {
    if (c < 0x20 || c == 0x7f) return false;
  }
  return !s.empty();
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
    return send_error(res, 400, "malformed", "purpose: activation, password or reissue");
  }
  Result<std::string> who = api.accounts.check_token(field(*body, "token"), p, api.now());
  if (!who) return send_refusal(res, who.error());
  Json ok = Json::object();
  ok["identifier"] = *who;
  send_json(res, ok);
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
  auto done = [&] {
    wipe(password);
    wipe(answer);
  };
  const std::string token = field(*body, "token");
  const std::string question = field(*body, "question");
  if (!password_ok(res, password)) return done();
  if (!is_plain_line(question)) {
    done();
    return send_error(res, 400, "malformed", "question: one line of text");
  }
  Result<std::string> normalised = portal::normalize_answer(answer);
  if (!normalised) {
    done();
    return send_error(res, 400, "bad_answer", normalised.error().detail);
  }
  // The token before the costly hashes: a dead link answers at once.
  if (Result<std::string> who =
          api.accounts.check_token(token, portal::TokenPurpose::kActivation, api.now());
      !who) {
    wipe(*normalised);
    done();
    return send_refusal(res, who.error());
  }
  portal::Account account;
  Result<std::string> password_hash = api.hash(password);
  Result<std::string> answer_hash = api.hash(*normalised);
  wipe(*normalised);
  done();
  if (!password_hash) return send_refusal(res, password_hash.error());
  if (!answer_hash) return send_refusal(res, answer_hash.error());
  account.password_hash = *password_hash;
  account.question = question;
  account.answer_hash = *answer_hash;
  Result<std::string> who = api.accounts.activate(token, account, api.now());
  if (!who) return send_refusal(res, who.error());
  Json ok = Json::object();
  ok["identifier"] = *who;
  send_json(res, ok, 201);
}

// POST /api/v1/account/password {token, password}
void reset_password(Api& api, const httplib::Request& req, httplib::Response& res) {
  auto body = json_body(req, res, {{"token", kMaxToken}, {"password", kMaxPassword * 2}});
  if (!body) return;
  std::string password = field(*body, "password");
  const std::string token = field(*body, "token");
  if (!password_ok(res, password)) return wipe(password);
  if (Result<std::string> who =
          api.accounts.check_token(token, portal::TokenPurpose::kPasswordReset, api.now());
      !who) {
    wipe(password);
    return send_refusal(res, who.error());
  }
  Result<std::string> hash = api.hash(password);
  wipe(password);
  if (!hash) return send_refusal(res, hash.error());
  Result<std::string> who = api.accounts.reset_password(token, *hash, api.now());
  if (!who) return send_refusal(res, who.error());
  // A new password is also the way out of a lock (the reset is done: a
  // lock left by a database away ends on its own).
  (void)api.login_accounts->success(*who);
  Json ok = Json::object();
  ok["identifier"] = *who;
  send_json(res, ok);
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
  const std::string identifier = text::lower_ascii(field(*body, "identifier"));
  const std::string address = api.client_address(req);
  // Throttled per account only (issue 9, finding 7): an address over its
  // failure threshold is served harder challenges (get_pow), never refused,
  // so that colleagues behind one NAT still log in.
  if (!throttle_allows(api, res, *api.login_accounts, identifier, "this account")) {
    return wipe(password);
  }
  Result<portal::Account> account = api.accounts.account(identifier);
  if (!account && account.error().reason != "not_found") {
    wipe(password);
    return send_refusal(res, account.error());
  }
  // Unknown identifiers cost a hash too: the answer's timing must not tell
  // who has an account.
  const bool good =
      api.verify(account ? account->password_hash : api.dummy_hash, password) && account.ok();
  if (!good) {
    wipe(password);
    const int64_t now = api.now();
    if (auto counted = api.login_addresses->failure(address, now); !counted) {
      return send_refusal(res, counted.error());
    }
    // A guess that could not be counted gets no answer but the failure.
    const Result<portal::ThrottleVerdict> next = api.login_accounts->failure(identifier, now);
    if (!next) return send_refusal(res, next.error());
    if (next->locked) return send_throttled(res, *next, "this account");
    return send_error(res, 401, "bad_login", "wrong identifier or password");
  }
  // A success that could not be recorded leaves the earlier failures
  // counted: stricter, never looser, so the voter is not refused for it.
  (void)api.login_accounts->success(identifier);
  if (portal::needs_rehash(account->password_hash, api.cost)) {
    if (Result<std::string> h = api.hash(password); h) {
      (void)api.accounts.rehash_password(identifier, *h);
    }
  }
  wipe(password);
  const int64_t now = api.now();
  if (api.logins.fetch_add(1) % Api::kPurgeEvery == 0) (void)api.accounts.purge(now);
  Result<portal::NewSession> session = api.accounts.open_session(identifier, now);
  if (!session) return send_refusal(res, session.error());
  res.set_header("Set-Cookie", session_cookie_header(api, session->id, session->expires_at - now));
  send_json(res,
            session_json(identifier, session->csrf,
                         std::min(session->expires_at, now + api.config.session_idle_seconds)),
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
  // An address over its failure threshold (logins, link requests, re-issue
  // answers, counted in login_addresses) pays more work, and is refused
  // nothing: a few seconds more for colleagues behind the same NAT, the
  // attacker's rate divided by 2^kAddressExtraBits.
  const int64_t now = api.now();
  const int base = api.pow->policy().difficulty;
  // An address the store cannot vouch for (a database away) pays the
  // harder work too.
  const auto clear = [&] {
    const Result<portal::ThrottleVerdict> v =
        api.login_addresses->check(api.client_address(req), now);
    return v.ok() && v->allowed;
  };
  const int difficulty =
      base == 0 || clear() ? base
                           : std::min(base + kAddressExtraBits, portal::PowIssuer::kMaxDifficulty);
  Json out = Json::object();
  out["challenge"] = api.pow->issue(p, now, difficulty);
  out["difficulty"] = difficulty;
  out["expires_in"] = api.pow->policy().lifetime_seconds;
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
  if (Status s = api.accounts.close_session(*session_cookie(req)); !s) {
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
  post(
      "/api/v1/account/activation-link",
      [](Api& a, const httplib::Request& q, httplib::Response& r) { request_link(a, q, r, true); });
  post("/api/v1/account/password-link", [](Api& a, const httplib::Request& q,
                                           httplib::Response& r) { request_link(a, q, r, false); });
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

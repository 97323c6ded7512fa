// Re-issue of the vote code ("réassort", issue 5), the server's half: the
// logged-in voter proves who they are (challenge answer, and NUMEN or the
// first digits of the social-security number) and picks where a single-use
// link goes (SMS to the phone on file, or a personal e-mail other than the
// login one); the link's page has the WebAssembly module make the new code,
// and only its public credential comes back here with the token. The server
// never sees a code.
#include <sodium.h>

#include <string>

#include "http_internal.h"
#include "isoloir/bytes.h"
#include "isoloir/credential.h"
#include "text.h"

namespace isoloir::server {
namespace {

constexpr size_t kMaxAnswer = 200;
constexpr size_t kMaxEmail = 254;
constexpr size_t kMaxPowField = 96;
constexpr size_t kMaxIdField = 64;  // a NUMEN is 13 characters, NIR digits 10: form checked below

// Equal, in time that depends only on the lengths (the registry's data are
// secrets to whoever is guessing them).
bool same_secret(std::string_view given, std::string_view stored) {
  return !stored.empty() && given.size() == stored.size() &&
         equal_ct(as_bytes(given), as_bytes(stored));
}

// Shows enough for the voter to recognise where the link went, not enough
// for someone looking over their shoulder: "+33*******78", "j***@gmail.com".
std::string masked(const std::string& where, bool phone) {
  if (!phone) return masked_email(where);
  return where.substr(0, 3) + std::string(where.size() - 5, '*') + where.substr(where.size() - 2);
}

std::string link_text(const Api& api, const std::string& token) {
  return "Isoloir : pour obtenir votre nouveau code de vote, ouvrez ce lien (il ne sert qu'une "
         "fois, "
         "valable " +
         std::to_string(api.config.reissue_link_seconds / 60) + " min) : " + api.public_url +
         "/reassort#" + token;
}

// The identity check: the challenge answer and the NUMEN or NIR digits.
// Returns false after answering (403 for a wrong answer, 400 for a form).
bool identity_ok(Api& api, const portal::Session& session, const Json& body,
                 const std::string& address, httplib::Response& res) {
  const std::string numen = field(body, "numen");
  const std::string nir = field(body, "nir");
  if (numen.empty() == nir.empty()) {
    send_error(res, 400, "malformed", "give either numen or nir");
    return false;
  }
  if (!numen.empty() && !text::valid_numen(numen)) {
    send_error(res, 400, "bad_numen", "a NUMEN is 13 digits or upper-case letters");
    return false;
  }
  if (!nir.empty() && !text::valid_nir10(nir)) {
    send_error(res, 400, "bad_nir", "give the first 10 digits of the social-security number");
    return false;
  }
  Result<urn::ReissueData> data = api.urn.reissue_data(session.identifier);
  Result<portal::Account> account = api.accounts.account(session.identifier);
  if (!data || !account) {
    send_refusal(res, !data ? data.error() : account.error());
    return false;
  }
  std::string answer = field(body, "answer");
  api.hash_slots.acquire();
  const bool answer_ok = portal::verify_answer(account->answer_hash, answer);
  api.hash_slots.release();
  if (!answer.empty()) sodium_memzero(answer.data(), answer.size());
  const bool id_ok =
      numen.empty() ? same_secret(nir, data->nir10) : same_secret(numen, data->numen);
  if (answer_ok && id_ok) return true;
  // One answer whichever was wrong: the voter knows what they typed, a
  // guesser learns nothing about which half failed.
  const Result<portal::ThrottleVerdict> next =
      api.reissue_accounts->failure(session.identifier, api.now());
  const Result<portal::ThrottleVerdict> counted = api.login_addresses->failure(address, api.now());
  if (!next || !counted) {
    send_refusal(res, !next ? next.error() : counted.error());
  } else if (next->locked) {
    send_throttled(res, *next, "the code re-issue");
  } else {
    send_error(res, 403, "reissue_refused",
               "the answer to your question or your NUMEN / social-security digits are wrong");
  }
  return false;
}

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
  const std::string channel = field(*body, "channel");
  const std::string email = text::lower_ascii(field(*body, "email"));
  if (channel != "sms" && channel != "email") {
    return send_error(res, 400, "malformed", "channel: sms or email");
  }
  // The mailer's rule, checked before any throttle or quota is touched: an
  // address it would refuse must not spend a link and come back as a 503.
  if (const std::string_view problem = text::email_problem(email);
      channel == "email" && !problem.empty()) {
    return send_error(res, 400, "bad_email",
                      "not a plain e-mail address (" + std::string(problem) +
                          "): give the personal address to send the link to");
  }
  if (channel == "email" && email == session->identifier) {
    return send_error(res, 400, "same_email",
                      "the link must go to a personal address, not your login identifier");
  }
  const int64_t now = api.now();
  const std::string address = api.client_address(req);
  // Per account only (issue 9, finding 7): failures still count against the
  // address, which then pays a harder proof of work, but refuse no one.
  for (auto [throttle, key, what] :
       {std::tuple{api.reissue_accounts.get(), session->identifier, "the code re-issue"},
        std::tuple{api.link_requests.get(), "reissue:" + session->identifier,
                   "the re-issue links"}}) {
    if (!throttle_allows(api, res, *throttle, key, what)) return;
  }
  if (!identity_ok(api, *session, *body, address, res)) return;
  // A success that could not be recorded leaves the failures counted:
  // stricter, never looser. Every link counts: one that could not be
  // counted is not sent.
  (void)api.reissue_accounts->success(session->identifier);
  if (auto counted = api.link_requests->failure("reissue:" + session->identifier, now); !counted) {
    return send_refusal(res, counted.error());
  }

  std::string to = email;
  if (channel == "sms") {
    Result<urn::ReissueData> data = api.urn.reissue_data(session->identifier);
    if (!data) return send_refusal(res, data.error());
    Result<std::string> phone = normalize_phone(data->phone);
    if (!phone) {
      return send_error(res, 409, "no_phone", "no mobile number on file: choose e-mail");
    }
    to = *phone;
  }
  Result<std::string> token =
      api.accounts.issue_token(session->identifier, portal::TokenPurpose::kCodeReissue, now,
                               api.config.reissue_link_seconds);
  if (!token) return send_refusal(res, token.error());
  const std::string text = link_text(api, *token);
  sodium_memzero(token->data(), token->size());
  Status sent =
      channel == "sms"
          ? api.sms.send(Sms{to, text})
          : api.mailer.send(Mail{to, "Réassort de votre code de vote",
                                 "Bonjour,\n\n" + text +
                                     "\n\nSi vous n'avez rien demandé, ignorez ce message "
                                     "et prévenez l'assistance.\n"});
  if (!sent) {
    return send_error(res, 503, channel == "sms" ? "sms_unavailable" : "mail_unavailable",
                      "the link could not be sent now; try again in a few minutes");
  }
  Json out = Json::object();
  out["channel"] = channel;
  out["to"] = masked(to, channel == "sms");
  out["expires_in"] = api.config.reissue_link_seconds;
  send_json(res, out, 202);
}

// POST /api/v1/code/reissue {token, credential}: from the link's page, on
// whatever device the link was opened; the token is the proof.
void reissue(Api& api, const httplib::Request& req, httplib::Response& res) {
  auto body = json_body(req, res, {{"token", 64}, {"credential", 64}});
  if (!body) return;
  const std::string token = field(*body, "token");
  auto credential = base64url_decode_fixed<32>(field(*body, "credential"), "credential");
  if (!credential)
    return send_error(res, 400, credential.error().reason, credential.error().detail);
  if (!is_valid_public_credential(*credential)) {
    return send_error(res, 400, "bad_credential", "not a valid public credential");
  }
  const int64_t now = api.now();
  // Opened while logged in as someone else: that is another voter's link.
  if (session_cookie(req)) {
    Result<portal::Session> session = api.accounts.session(*session_cookie(req), now);
    Result<std::string> owner =
        api.accounts.check_token(token, portal::TokenPurpose::kCodeReissue, now);
    if (session && owner && *owner != session->identifier) {
      return send_error(res, 403, "foreign_token", "this link is another voter's");
    }
  }
  // The token is used up only if the credential is stored: a refusal (a
  // credential already registered, say) leaves the link working.
  const Timestamp at = Timestamp::from_unix(now);
  Result<std::string> who = api.accounts.consume_token_then(
      token, portal::TokenPurpose::kCodeReissue, now,
      [&](const std::string& voter) { return api.urn.reissue_credential(voter, *credential, at); });
  if (!who) return send_refusal(res, who.error());
  Json out = Json::object();
  out["status"] = "reissued";
  out["issued_at"] = at.to_string();
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

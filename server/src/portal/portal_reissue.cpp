// Re-issue of the vote code ("réassort", issue 5), the server's half: the
// logged-in voter proves who they are (challenge answer, and NUMEN or the
// first digits of the social-security number; or FranceConnect) and a
// single-use link goes where they chose (SMS to the phone on file, or a
// personal e-mail other than the login one); the link's page has the
// WebAssembly module make the new code, and only its public credential
// comes back here with the token. The server never sees a code.
#include <array>
#include <cstdio>
#include <string>
#include <utility>

#include "isoloir/bytes.h"
#include "isoloir/credential.h"
#include "isoloir/hash.h"
#include "isoloir/portal/portal.h"
#include "isoloir/random.h"
#include "portal/portal_impl.h"
#include "portal/portal_texts.h"
#include "text/text.h"

namespace isoloir::portal {
namespace {

// How long a FranceConnect round trip may take.
constexpr int64_t kFlowSeconds = 600;

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

std::string random_token() {
  std::array<uint8_t, 32> raw{};
  random_bytes(raw);
  return base64url_encode(raw);
}

// The request's form, checked before any throttle or quota is touched: an
// address the mailer would refuse must not spend a link.
Status check_form(const ReissueRequest& r, const std::string& email, const Session& session) {
  if (r.channel != "sms" && r.channel != "email") return fail("malformed", "channel: sms or email");
  if (r.channel == "email") {
    if (const std::string_view problem = text::email_problem(email); !problem.empty()) {
      return fail("bad_email", "not a plain e-mail address (" + std::string(problem) +
                                   "): give the personal address to send the link to");
    }
    if (email == session.identifier) {
      return fail("same_email",
                  "the link must go to a personal address, not your login identifier");
    }
  }
  if (r.numen.empty() == r.nir.empty()) return fail("malformed", "give either numen or nir");
  if (!r.numen.empty() && !text::valid_numen(r.numen)) {
    return fail("bad_numen", "a NUMEN is 13 digits or upper-case letters");
  }
  if (!r.nir.empty() && !text::valid_nir10(r.nir)) {
    return fail("bad_nir", "give the first 10 digits of the social-security number");
  }
  return Status::Ok();
}

// The provider's family name must be one of the voter's names (folded like
// the electoral lists): a FranceConnect identity of someone else does not
// re-issue this voter's code.
bool same_person(const Json& claims, const std::string& voter_name) {
  const auto it = claims.find("family_name");
  if (it == claims.end() || !it->is_string()) return false;
  Result<std::string> family = normalize_answer(it->get<std::string>());
  Result<std::string> name = normalize_answer(voter_name);
  if (!family || !name) return false;
  const std::string padded = " " + *name + " ";
  for (const char sep : {' ', '-'}) {
    std::string n = padded;
    for (char& c : n) c = c == '-' ? sep : c;
    if (n.find(" " + *family + " ") != std::string::npos) return true;
  }
  return false;
}

// The operator needs the detail (which key was missing, which claim was
// wrong) to tell a misconfigured provider from an attack: one line on the
// server's standard error, printable ASCII only, since parts of it come
// from the provider.
void log_refusal(const Error& e) {
  std::string line = e.message().substr(0, 1000);
  for (char& c : line) c = c >= 0x20 && c < 0x7f ? c : '?';
  std::fprintf(stderr, "isoloir-server: identity provider refused: %s\n", line.c_str());
}

}  // namespace

// The identity check: the challenge answer and the NUMEN or NIR digits.
Status Portal::Impl::check_identity(const Session& session, const ReissueRequest& r,
                                    std::string_view address) {
  Impl& p = *this;
  Result<urn::ReissueData> data = p.services.urn.reissue_data(session.identifier);
  if (!data) return data.error();
  Result<Account> account = p.services.accounts.account(session.identifier);
  if (!account) return account.error();
  const bool answer_ok = p.verify_answer(account->answer_hash, r.answer);
  const bool id_ok =
      r.numen.empty() ? same_secret(r.nir, data->nir10) : same_secret(r.numen, data->numen);
  if (answer_ok && id_ok) return Status::Ok();
  // One answer whichever was wrong: the voter knows what they typed, a
  // guesser learns nothing about which half failed.
  const int64_t now = p.now();
  const Result<ThrottleVerdict> next = p.reissue_accounts->failure(session.identifier, now);
  const Result<ThrottleVerdict> counted = p.login_addresses->failure(address, now);
  if (!next) return next.error();
  if (!counted) return counted.error();
  if (next->locked) return throttled(*next, "the code re-issue");
  return fail("reissue_refused",
              "the answer to your question or your NUMEN / social-security digits are wrong");
}

Result<LinkSent> Portal::request_reissue_link(const Session& session, const ReissueRequest& r,
                                              std::string_view address) {
  Impl& p = *impl_;
  const std::string email = text::lower_ascii(r.email);
  if (Status s = check_form(r, email, session); !s) return s.error();
  const std::string link_key = "reissue:" + session.identifier;
  // Per account only (issue 9, finding 7): failures still count against the
  // address, which then pays a harder proof of work, but refuse no one.
  if (Status s = p.allowed(*p.reissue_accounts, session.identifier, "the code re-issue"); !s) {
    return s.error();
  }
  if (Status s = p.allowed(*p.link_requests, link_key, "the re-issue links"); !s) {
    return s.error();
  }
  if (Status s = p.check_identity(session, r, address); !s) return s.error();
  // A success that could not be recorded leaves the failures counted:
  // stricter, never looser. Every link counts: one that could not be
  // counted is not sent.
  (void)p.reissue_accounts->success(session.identifier);
  const int64_t now = p.now();
  if (auto counted = p.link_requests->failure(link_key, now); !counted) return counted.error();

  const bool sms = r.channel == "sms";
  std::string to = email;
  if (sms) {
    Result<urn::ReissueData> data = p.services.urn.reissue_data(session.identifier);
    if (!data) return data.error();
    Result<std::string> phone = text::normalize_phone(data->phone);
    if (!phone) return fail("no_phone", "no mobile number on file: choose e-mail");
    to = *phone;
  }
  const int64_t ttl = p.policy.reissue_link_seconds;
  Result<std::string> token =
      p.services.accounts.issue_token(session.identifier, TokenPurpose::kCodeReissue, now, ttl);
  if (!token) return token.error();
  std::string url = link_url(p.policy.public_url, TokenPurpose::kCodeReissue, *token);
  wipe_secret(*token);
  Status sent;
  if (sms) {
    server::Sms message{to, reissue_link_sms(url, ttl)};
    sent = p.services.sms.send(message);
    wipe_secret(message.text);
  } else {
    server::Mail mail = reissue_link_mail(to, url, ttl);
    sent = p.services.mailer.send(mail);
    wipe_secret(mail.body);
  }
  wipe_secret(url);
  if (!sent) {
    return fail(sms ? "sms_unavailable" : "mail_unavailable",
                "the link could not be sent now; try again in a few minutes");
  }
  return LinkSent{r.channel, masked(to, sms), ttl};
}

Result<Timestamp> Portal::reissue(std::string_view token, const PublicKey& credential,
                                  std::optional<std::string_view> session_id) {
  Impl& p = *impl_;
  if (!is_valid_public_credential(credential)) {
    return fail("bad_credential", "not a valid public credential");
  }
  const int64_t now = p.now();
  // Opened while logged in as someone else: that is another voter's link.
  if (session_id) {
    Result<Session> session = p.services.accounts.session(*session_id, now);
    Result<std::string> owner =
        p.services.accounts.check_token(token, TokenPurpose::kCodeReissue, now);
    if (session && owner && *owner != session->identifier) {
      return fail("foreign_token", "this link is another voter's");
    }
  }
  // The token is used up only if the credential is stored: a refusal (a
  // credential already registered, say) leaves the link working.
  const Timestamp at = Timestamp::from_unix(now);
  Result<std::string> who = p.services.accounts.consume_token_then(
      token, TokenPurpose::kCodeReissue, now, [&](const std::string& voter) {
        return p.services.urn.reissue_credential(voter, credential, at);
      });
  if (!who) return who.error();
  return at;
}

bool Portal::has_oidc() const {
  return impl_->services.oidc != nullptr;
}

Result<std::string> Portal::oidc_start(const Session& session) {
  Impl& p = *impl_;
  if (p.services.oidc == nullptr) return fail("oidc_not_configured", "no identity provider here");
  const int64_t now = p.now();
  OidcFlow flow{session.identifier, random_token(), random_token(), now + kFlowSeconds};
  const std::string state = random_token();
  const Digest32 challenge = sha256(as_bytes(flow.verifier));
  Result<std::string> url =
      p.services.oidc->authorization_url(state, flow.nonce, base64url_encode(challenge));
  if (!url) return url.error();
  // Kept where any server finds it: the callback may reach another one.
  if (Status kept = p.oidc_flows->put(state, flow, now); !kept) return kept.error();
  return url;
}

Result<std::string> Portal::oidc_finish(std::string_view state,
                                        std::optional<std::string_view> code) {
  Impl& p = *impl_;
  if (p.services.oidc == nullptr) return fail("oidc_not_configured", "no identity provider here");
  // One use, whatever happens next, and on whichever server.
  Result<OidcFlow> taken = p.oidc_flows->take(state);
  if (!taken) return taken.error();
  const OidcFlow flow = std::move(taken).value();
  const int64_t now = p.now();
  if (now >= flow.expires_at) return fail("oidc_expired", "the identity check took too long");
  if (!code) return fail("oidc_denied", "the identity provider did not confirm who you are");
  Result<Json> claims = p.services.oidc->redeem(std::string(*code), flow.verifier, flow.nonce, now);
  if (!claims) {
    log_refusal(claims.error());
    return claims.error();
  }
  const auto email = claims->find("email");
  const auto verified = claims->find("email_verified");
  if (email == claims->end() || !email->is_string() ||
      (verified != claims->end() && verified->is_boolean() && !verified->get<bool>())) {
    return fail("oidc_no_email", "the identity provider gave no verified e-mail");
  }
  Result<urn::VoterInfo> voter = p.services.urn.voter(flow.identifier);
  if (!voter) return voter.error();
  if (!same_person(*claims, voter->name)) {
    return fail("identity_mismatch", "this identity is not the voter's");
  }
  const std::string to = text::lower_ascii(email->get<std::string>());
  const int64_t ttl = p.policy.reissue_link_seconds;
  Result<std::string> token =
      p.services.accounts.issue_token(flow.identifier, TokenPurpose::kCodeReissue, now, ttl);
  if (!token) return token.error();
  std::string url = link_url(p.policy.public_url, TokenPurpose::kCodeReissue, *token);
  wipe_secret(*token);
  server::Mail mail = franceconnect_link_mail(to, url, ttl);
  wipe_secret(url);
  const Status sent = p.services.mailer.send(mail);
  wipe_secret(mail.body);
  if (!sent) return fail("mail_unavailable", "the link could not be sent now");
  return masked_email(to);
}

}  // namespace isoloir::portal

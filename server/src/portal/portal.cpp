// The portal's account flows: links, activation, password reset, login and
// sessions, the proof of work (docs/api.md, "The voter portal").
#include "isoloir/portal/portal.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <chrono>
#include <cstdio>
#include <thread>
#include <utility>

#include "isoloir/bytes.h"
#include "isoloir/random.h"
#include "portal/portal_impl.h"
#include "portal/portal_texts.h"
#include "text/text.h"

namespace isoloir::portal {
namespace {

// The extra proof-of-work bits asked of an address over its failure
// threshold: each bit doubles the expected work, so 3 bits are 8 times the
// default's second on a phone: a few seconds more for a colleague, the
// attacker's rate divided by 8 (docs/api.md, the address throttle).
constexpr int kAddressExtraBits = 3;
// How long a challenge may wait to be solved and used.
constexpr int64_t kPowLifetime = 300;
constexpr size_t kPowRemembered = 1'000'000;

ThrottlePolicy throttle_policy(int64_t free_failures, int64_t lock_after, int64_t lock_seconds) {
  ThrottlePolicy p;
  p.free_failures = static_cast<int>(free_failures);
  p.lock_after = static_cast<int>(lock_after);
  p.lock_seconds = lock_seconds;
  return p;
}

std::ptrdiff_t hash_concurrency() {
  return static_cast<std::ptrdiff_t>(std::max(1u, std::thread::hardware_concurrency()));
}

int64_t system_seconds() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// A password nobody knows, hashed at the configured cost, for the logins of
// unknown identifiers.
Result<std::string> make_dummy_hash(const HashCost& cost) {
  std::array<uint8_t, 32> raw{};
  random_bytes(raw);
  std::string secret = base64url_encode(raw);
  Result<std::string> h = hash_secret(secret, cost);
  wipe_secret(secret);
  return h;
}

bool is_plain_line(std::string_view s) {
  for (unsigned char c : s) {
    if (c < 0x20 || c == 0x7f) return false;
  }
  return !s.empty();
}

}  // namespace

Error throttled(const ThrottleVerdict& v, const std::string& what) {
  const int64_t wait = std::max<int64_t>(1, v.retry_after_seconds);
  Error e = fail(v.locked ? "locked" : "too_many_attempts",
                 what + (v.locked ? " is locked after too many failures" : " is slowed down") +
                     "; try again in " + std::to_string(wait) + " s");
  e.retry_after_seconds = wait;
  return e;
}

Portal::Impl::Impl(PortalServices s, PortalPolicy p, HashCost c, std::unique_ptr<PortalState> st)
    : services(std::move(s)),
      policy(std::move(p)),
      cost(c),
      state(std::move(st)),
      login_accounts(state->throttle(
          "login_accounts", throttle_policy(policy.login_free_failures, policy.login_lock_after,
                                            policy.login_lock_seconds))),
      login_addresses(
          state->throttle("login_addresses",
                          throttle_policy(policy.address_free_failures, policy.address_lock_after,
                                          policy.login_lock_seconds))),
      // Three links, then a wait that doubles: a voter who asks again and
      // again is slowed down, not served a flood of mail.
      link_requests(state->throttle("link_requests", throttle_policy(3, 20, 3600))),
      // A few tries at the answer and the NUMEN, then an hour's lock: the
      // re-issue is the one way to change the secret that votes.
      reissue_accounts(state->throttle("reissue_accounts", throttle_policy(2, 5, 3600))),
      // The booth checks a typed code before sending anything, so a ballot
      // with a wrong code means a script, or an old invalidated code.
      code_entries(state->throttle("code_entries", throttle_policy(3, 10, 3600))),
      hash_slots(hash_concurrency()),
      pow(state->pow_issuer(PowPolicy{policy.pow_difficulty, kPowLifetime, kPowRemembered})),
      oidc_flows(state->oidc_flows(kMaxOidcFlows)) {}

int64_t Portal::Impl::now() const {
  return services.clock ? services.clock() : system_seconds();
}

Result<std::string> Portal::Impl::hash(std::string_view secret) {
  hash_slots.acquire();
  Result<std::string> out = hash_secret(secret, cost);
  hash_slots.release();
  return out;
}

bool Portal::Impl::verify(std::string_view stored, std::string_view secret) {
  hash_slots.acquire();
  const bool ok = verify_secret(stored, secret);
  hash_slots.release();
  return ok;
}

bool Portal::Impl::verify_answer(std::string_view stored, std::string_view answer) {
  hash_slots.acquire();
  const bool ok = portal::verify_answer(stored, answer);
  hash_slots.release();
  return ok;
}

Status Portal::Impl::allowed(ThrottleStore& throttle, std::string_view key,
                             const std::string& what) {
  const Result<ThrottleVerdict> v = throttle.check(key, now());
  if (!v) return v.error();
  if (!v->allowed) return throttled(*v, what);
  return Status::Ok();
}

// An elector whose account is in the state the link is for gets a token and
// a mail; anybody else nothing. A failure is said on the server's log
// (without the identifier), not to the requester: the answer went before,
// the same for everyone, and the voter who gets no mail asks again.
void Portal::Impl::send_link(const std::string& identifier, LinkKind kind) {
  const bool activation = kind == LinkKind::kActivation;
  Result<urn::VoterInfo> voter = services.urn.voter(identifier);
  Result<Account> account = services.accounts.account(identifier);
  auto failed = [](const Error& e) {
    std::fprintf(stderr, "isoloir-server: a link was not sent: %s\n", e.message().c_str());
  };
  if (!voter && voter.error().reason != "unknown_voter") return failed(voter.error());
  if (!account && account.error().reason != "not_found") return failed(account.error());
  if (!voter || account.ok() == activation) return;
  const TokenPurpose purpose =
      activation ? TokenPurpose::kActivation : TokenPurpose::kPasswordReset;
  const int64_t ttl = activation ? policy.activation_link_seconds : policy.reset_link_seconds;
  Result<std::string> token = services.accounts.issue_token(identifier, purpose, now(), ttl);
  if (!token) return failed(token.error());
  std::string url = link_url(policy.public_url, purpose, *token);
  wipe_secret(*token);
  server::Mail mail = account_link_mail(identifier, voter->name, kind, url, ttl);
  wipe_secret(url);
  const Status sent = services.mailer.send(mail);
  wipe_secret(mail.body);
  if (!sent) failed(sent.error());
}

Portal::Portal(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Portal::~Portal() = default;

Result<std::unique_ptr<Portal>> Portal::create(PortalServices services, PortalPolicy policy,
                                               HashCost cost, std::unique_ptr<PortalState> state) {
  Result<std::string> dummy = make_dummy_hash(cost);
  if (!dummy) return dummy.error();
  auto impl =
      std::make_unique<Impl>(std::move(services), std::move(policy), cost, std::move(state));
  impl->dummy_hash = std::move(*dummy);
  return std::unique_ptr<Portal>(new Portal(std::move(impl)));
}

int64_t Portal::now() const {
  return impl_->now();
}

const PortalPolicy& Portal::policy() const {
  return impl_->policy;
}

// The answer is the same whether the identifier is known or not, so that
// nobody learns who the electors are by asking: same result, same
// throttling, and the same work on the caller's path, since the stores and
// the mailer are reached only by send_link, after the answer (issue 9,
// finding 5: a registered identifier took 1.2 ms, an unknown one 0.7 ms).
Status Portal::request_link(std::string_view identifier_given, std::string_view address,
                            LinkKind kind) {
  Impl& p = *impl_;
  std::string identifier = text::lower_ascii(identifier_given);
  // No refusal by address (issue 9): one client behind a school's NAT must
  // not stop its colleagues; the address only pays a harder proof of work.
  if (Status s = p.allowed(*p.link_requests, identifier, "this identifier"); !s) return s;
  const int64_t now = p.now();
  // Every request counts, against the identifier and the address alike,
  // whether the identifier is on the list or not; a request that could not
  // be counted is not served.
  if (auto counted = p.link_requests->failure(identifier, now); !counted) return counted.error();
  if (auto counted = p.login_addresses->failure(address, now); !counted) return counted.error();
  if (!p.links.post([&p, identifier, kind] { p.send_link(identifier, kind); })) {
    Error e = fail("busy", "too many links are waiting to be sent; try again in a minute");
    e.retry_after_seconds = 60;
    return e;
  }
  return Status::Ok();
}

void Portal::drain_links() {
  impl_->links.wait_idle();
}

Result<std::string> Portal::link_owner(std::string_view token, TokenPurpose purpose) {
  return impl_->services.accounts.check_token(token, purpose, impl_->now());
}

Result<std::string> Portal::activate(std::string_view token, std::string_view password,
                                     std::string_view question, std::string_view answer) {
  Impl& p = *impl_;
  if (Status s = check_password(password); !s) return s.error();
  if (!is_plain_line(question)) return fail("malformed", "question: one line of text");
  Result<std::string> normalised = normalize_answer(answer);
  if (!normalised) return fail("bad_answer", normalised.error().detail);
  // The token before the costly hashes: a dead link answers at once.
  if (Result<std::string> who =
          p.services.accounts.check_token(token, TokenPurpose::kActivation, p.now());
      !who) {
    wipe_secret(*normalised);
    return who.error();
  }
  Result<std::string> password_hash = p.hash(password);
  Result<std::string> answer_hash = p.hash(*normalised);
  wipe_secret(*normalised);
  if (!password_hash) return password_hash.error();
  if (!answer_hash) return answer_hash.error();
  Account account;
  account.password_hash = *password_hash;
  account.question = std::string(question);
  account.answer_hash = *answer_hash;
  return p.services.accounts.activate(token, account, p.now());
}

Result<std::string> Portal::reset_password(std::string_view token, std::string_view password) {
  Impl& p = *impl_;
  if (Status s = check_password(password); !s) return s.error();
  if (Result<std::string> who =
          p.services.accounts.check_token(token, TokenPurpose::kPasswordReset, p.now());
      !who) {
    return who.error();
  }
  Result<std::string> hash = p.hash(password);
  if (!hash) return hash.error();
  Result<std::string> who = p.services.accounts.reset_password(token, *hash, p.now());
  if (!who) return who.error();
  // A new password is also the way out of a lock (the reset is done: a
  // lock left by a database away ends on its own).
  (void)p.login_accounts->success(*who);
  return who;
}

Result<Login> Portal::login(std::string_view identifier_given, std::string_view password,
                            std::string_view address) {
  Impl& p = *impl_;
  const std::string identifier = text::lower_ascii(identifier_given);
  // Throttled per account only (issue 9, finding 7): an address over its
  // failure threshold is served harder challenges (pow_challenge), never
  // refused, so that colleagues behind one NAT still log in.
  if (Status s = p.allowed(*p.login_accounts, identifier, "this account"); !s) return s.error();
  Result<Account> account = p.services.accounts.account(identifier);
  if (!account && account.error().reason != "not_found") return account.error();
  // Unknown identifiers cost a hash too: the answer's timing must not tell
  // who has an account.
  const bool good =
      p.verify(account ? account->password_hash : p.dummy_hash, password) && account.ok();
  if (!good) {
    const int64_t now = p.now();
    if (auto counted = p.login_addresses->failure(address, now); !counted) return counted.error();
    // A guess that could not be counted gets no answer but the failure.
    const Result<ThrottleVerdict> next = p.login_accounts->failure(identifier, now);
    if (!next) return next.error();
    if (next->locked) return throttled(*next, "this account");
    return fail("bad_login", "wrong identifier or password");
  }
  // A success that could not be recorded leaves the earlier failures
  // counted: stricter, never looser, so the voter is not refused for it.
  (void)p.login_accounts->success(identifier);
  if (needs_rehash(account->password_hash, p.cost)) {
    if (Result<std::string> h = p.hash(password); h) {
      (void)p.services.accounts.rehash_password(identifier, *h);
    }
  }
  const int64_t now = p.now();
  if (p.logins.fetch_add(1) % Impl::kPurgeEvery == 0) (void)p.services.accounts.purge(now);
  Result<NewSession> session = p.services.accounts.open_session(identifier, now);
  if (!session) return session.error();
  Login out;
  out.identifier = identifier;
  out.shown_expires_at = std::min(session->expires_at, now + p.policy.session_idle_seconds);
  out.session = std::move(session).value();
  return out;
}

Result<Session> Portal::session(std::string_view id, std::optional<std::string_view> csrf) {
  Result<Session> session = impl_->services.accounts.session(id, impl_->now());
  if (!session) {
    if (session.error().reason == "no_session") {
      return fail("not_logged_in", session.error().detail);
    }
    return session.error();
  }
  // The double-submit check: a page of another site can make the browser
  // send our cookie (it will not, with SameSite=Strict, but older browsers
  // may), never read the token the login answer gave our own page.
  if (csrf && (csrf->size() != session->csrf.size() ||
               !equal_ct(as_bytes(*csrf), as_bytes(session->csrf)))) {
    return fail("csrf_failed", "missing or wrong X-CSRF-Token header");
  }
  return session;
}

Status Portal::logout(std::string_view id) {
  return impl_->services.accounts.close_session(id);
}

PowChallenge Portal::pow_challenge(PowPurpose purpose, std::string_view address) {
  Impl& p = *impl_;
  const int64_t now = p.now();
  const int base = p.pow->policy().difficulty;
  // An address over its failure threshold (logins, link requests, re-issue
  // answers, counted in login_addresses) pays more work, and is refused
  // nothing: a few seconds more for colleagues behind the same NAT, the
  // attacker's rate divided by 2^kAddressExtraBits. An address the store
  // cannot vouch for (a database away) pays the harder work too.
  const auto clear = [&] {
    const Result<ThrottleVerdict> v = p.login_addresses->check(address, now);
    return v.ok() && v->allowed;
  };
  PowChallenge out;
  out.difficulty =
      base == 0 || clear() ? base : std::min(base + kAddressExtraBits, PowIssuer::kMaxDifficulty);
  out.challenge = p.pow->issue(purpose, now, out.difficulty);
  out.expires_in = p.pow->policy().lifetime_seconds;
  return out;
}

Status Portal::redeem_pow(std::string_view challenge, std::string_view nonce_text,
                          PowPurpose purpose) {
  uint64_t nonce = 0;
  const auto [end, ec] =
      std::from_chars(nonce_text.data(), nonce_text.data() + nonce_text.size(), nonce);
  if (!nonce_text.empty() && (ec != std::errc() || end != nonce_text.data() + nonce_text.size())) {
    return fail("bad_pow", "pow_nonce must be a decimal integer");
  }
  return impl_->pow->redeem(challenge, nonce, purpose, impl_->now());
}

// The booth checks a typed code before sending anything: refusals by
// account only, since one address may be a whole school behind its NAT,
// which must not lock the colleagues out of voting (issue 9, finding 7).
Status Portal::code_entry_allowed(std::string_view identifier) {
  return impl_->allowed(*impl_->code_entries, identifier, "voting with this account");
}

void Portal::code_entry_failed(std::string_view identifier) {
  // The refusal is the answer either way; a failure that could not be
  // counted (a database away) is one free try more, not a lost ballot.
  (void)impl_->code_entries->failure(identifier, impl_->now());
}

std::string masked_email(std::string_view email) {
  const size_t at = email.find('@');
  return at == std::string_view::npos
             ? "***"
             : std::string(email.substr(0, 1)) + "***" + std::string(email.substr(at));
}

}  // namespace isoloir::portal

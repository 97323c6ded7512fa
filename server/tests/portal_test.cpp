// The portal's flows as services, without HTTP (isoloir/portal/portal.h):
// a real urn and account store in a temporary directory, the portal's state
// in memory, a mailer and an SMS sender that keep what they are given, and
// a clock the test steps. The HTTP suites check the same flows through the
// routes; these check that the flows hold on their own.
#include "isoloir/portal/portal.h"

#include <gtest/gtest.h>

#include <atomic>
#include <cctype>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "isoloir/bytes.h"
#include "isoloir/credential.h"
#include "isoloir/portal/account_store.h"
#include "isoloir/portal/portal_state.h"
#include "isoloir/pow.h"
#include "isoloir/vote_code.h"
#include "urn_fixture.h"

namespace isoloir::portal {
namespace {

using urn::test::kOpens;
using urn::test::TempDir;
using urn::test::TestElection;
using urn::test::TestVoter;

constexpr const char* kPassword = "Correct-Horse-42";
constexpr const char* kAnswer = "Saint-Étienne";
constexpr const char* kNumen = "12AB345678CDE";
constexpr const char* kNir = "1850275123";

template <typename T>
T must(Result<T> r) {
  EXPECT_TRUE(r.ok()) << (r ? "" : r.error().message());
  if (!r) std::abort();
  return std::move(r).value();
}

// Keeps every mail and text message, as an outbox would.
class KeptMail : public server::Mailer, public server::SmsSender {
 public:
  Status send(const server::Mail& mail) override {
    const std::lock_guard<std::mutex> lock(mu_);
    if (refuse_) return fail("mail_failed", "refused by the test");
    mails_.push_back(mail);
    return Status::Ok();
  }
  Status send(const server::Sms& sms) override {
    const std::lock_guard<std::mutex> lock(mu_);
    if (refuse_) return fail("sms_failed", "refused by the test");
    texts_.push_back(sms);
    return Status::Ok();
  }
  std::vector<server::Mail> mails() {
    const std::lock_guard<std::mutex> lock(mu_);
    return mails_;
  }
  std::vector<server::Sms> texts() {
    const std::lock_guard<std::mutex> lock(mu_);
    return texts_;
  }
  void refuse(bool r) {
    const std::lock_guard<std::mutex> lock(mu_);
    refuse_ = r;
  }

 private:
  std::mutex mu_;
  std::vector<server::Mail> mails_;
  std::vector<server::Sms> texts_;
  bool refuse_ = false;
};

// The token of a link in a text: what follows its page's "#".
std::string token_in(const std::string& text, const std::string& page) {
  const size_t at = text.find(page + "#");
  EXPECT_NE(at, std::string::npos) << text;
  if (at == std::string::npos) return {};
  const size_t from = at + page.size() + 1;
  size_t end = from;
  while (end < text.size() && (std::isalnum(static_cast<unsigned char>(text[end])) != 0 ||
                               text[end] == '-' || text[end] == '_')) {
    ++end;
  }
  return text.substr(from, end - from);
}

class PortalTest : public ::testing::Test {
 protected:
  void SetUp() override {
    voters_ = election_.voters(3);
    std::vector<urn::VoterRow> rows;
    for (const TestVoter& v : voters_) {
      urn::VoterRow row = v.row();
      row.numen = kNumen;
      row.challenge = kNir;
      row.phone = "06 12 34 56 78";
      rows.push_back(row);
    }
    urn_ = election_.open_with(dir_.path(), voters_, false);
    ASSERT_TRUE(urn_->import_election(election_.manifest_text(), election_.trustees_text()));
    ASSERT_TRUE(urn_->import_voters(rows, Timestamp::from_unix(kOpens - 86'400)));
    accounts_ = must(AccountStore::open(dir_.path() + "/portal.sqlite"));
    portal_ = make_portal();
  }

  std::unique_ptr<Portal> make_portal(int pow_difficulty = 0, int64_t address_free_failures = 30) {
    PortalPolicy policy;
    policy.login_free_failures = 2;
    policy.login_lock_after = 4;
    policy.login_lock_seconds = 60;
    policy.address_free_failures = address_free_failures;
    policy.address_lock_after = 300;
    policy.activation_link_seconds = 3 * 86'400;
    policy.reset_link_seconds = 3600;
    policy.reissue_link_seconds = 900;
    policy.session_idle_seconds = 1200;
    policy.pow_difficulty = pow_difficulty;
    policy.public_url = "https://vote.example.org";
    PortalServices services{*urn_, *accounts_, mail_, mail_};
    services.clock = [this] { return now_.load(); };
    return must(
        Portal::create(services, policy, must(parse_cost("minimum")), PortalState::in_memory()));
  }

  const std::string& id(size_t i) const { return voters_[i].identifier; }

  // The latest mail's link for `page`, after the queued links went.
  std::string mailed_token(const std::string& page) {
    portal_->drain_links();
    const std::vector<server::Mail> mails = mail_.mails();
    EXPECT_FALSE(mails.empty());
    return mails.empty() ? std::string() : token_in(mails.back().body, page);
  }

  void activate(size_t i) {
    ASSERT_TRUE(portal_->request_link(id(i), "192.0.2.1", LinkKind::kActivation));
    const std::string token = mailed_token("/activation");
    ASSERT_TRUE(portal_->activate(token, kPassword, "Ville de naissance ?", kAnswer));
  }

  Session logged_in(size_t i) {
    activate(i);
    const Login login = must(portal_->login(id(i), kPassword, "192.0.2.1"));
    return must(portal_->session(login.session.id, login.session.csrf));
  }

  TestElection election_;
  std::vector<TestVoter> voters_;
  TempDir dir_;
  std::atomic<int64_t> now_{kOpens + 3600};
  KeptMail mail_;
  std::unique_ptr<urn::Urn> urn_;
  std::unique_ptr<AccountStore> accounts_;
  std::unique_ptr<Portal> portal_;
};

TEST_F(PortalTest, AnActivationLinkGoesOnlyToAnElectorWithoutAnAccount) {
  // The same answer for an elector and a stranger; only the elector's mail leaves.
  ASSERT_TRUE(portal_->request_link("nobody@example.org", "192.0.2.1", LinkKind::kActivation));
  ASSERT_TRUE(portal_->request_link(id(0), "192.0.2.1", LinkKind::kActivation));
  portal_->drain_links();
  const std::vector<server::Mail> mails = mail_.mails();
  ASSERT_EQ(mails.size(), 1u);
  EXPECT_EQ(mails[0].to, id(0));
  EXPECT_EQ(mails[0].subject, "Activation de votre compte électeur");
  EXPECT_NE(mails[0].body.find("Voter " + voters_[0].pseudonym), std::string::npos);
  EXPECT_NE(mails[0].body.find("valable 72 heure(s)"), std::string::npos);
  const std::string token = token_in(mails[0].body, "https://vote.example.org/activation");
  EXPECT_EQ(must(portal_->link_owner(token, TokenPurpose::kActivation)), id(0));
  EXPECT_EQ(portal_->link_owner(token, TokenPurpose::kPasswordReset).error().reason, "bad_token");

  // Activated: a second activation link is not sent, a password link is.
  ASSERT_TRUE(portal_->activate(token, kPassword, "Ville de naissance ?", kAnswer));
  ASSERT_TRUE(portal_->request_link(id(0), "192.0.2.1", LinkKind::kActivation));
  portal_->drain_links();
  EXPECT_EQ(mail_.mails().size(), 1u);
  ASSERT_TRUE(portal_->request_link(id(0), "192.0.2.1", LinkKind::kPassword));
  portal_->drain_links();
  ASSERT_EQ(mail_.mails().size(), 2u);
  EXPECT_EQ(mail_.mails()[1].subject, "Réinitialisation de votre mot de passe");
}

TEST_F(PortalTest, LinkRequestsAreSlowedDownPerIdentifier) {
  // Every request counts: three free, the fourth starts a wait that the
  // clock lifts.
  for (int i = 0; i < 4; ++i) {
    ASSERT_TRUE(portal_->request_link(id(1), "192.0.2.1", LinkKind::kActivation)) << i;
  }
  const Status slowed = portal_->request_link(id(1), "192.0.2.1", LinkKind::kActivation);
  ASSERT_FALSE(slowed);
  EXPECT_EQ(slowed.error().reason, "too_many_attempts");
  EXPECT_GT(slowed.error().retry_after_seconds, 0);
  now_ += slowed.error().retry_after_seconds;
  EXPECT_TRUE(portal_->request_link(id(1), "192.0.2.1", LinkKind::kActivation));
  // Another identifier from the same address is not refused.
  EXPECT_TRUE(portal_->request_link(id(2), "192.0.2.1", LinkKind::kActivation));
}

TEST_F(PortalTest, ActivationRefusesAWeakPasswordABadQuestionAndADeadLink) {
  ASSERT_TRUE(portal_->request_link(id(0), "192.0.2.1", LinkKind::kActivation));
  const std::string token = mailed_token("/activation");
  EXPECT_EQ(portal_->activate(token, "short", "Q ?", kAnswer).error().reason, "weak_password");
  EXPECT_EQ(portal_->activate(token, kPassword, "two\nlines", kAnswer).error().reason, "malformed");
  EXPECT_EQ(portal_->activate(token, kPassword, "Q ?", " ").error().reason, "bad_answer");
  EXPECT_EQ(portal_->activate("AAAA", kPassword, "Q ?", kAnswer).error().reason, "bad_token");
  // None of these used the link up.
  EXPECT_EQ(must(portal_->activate(token, kPassword, "Q ?", kAnswer)), id(0));
  EXPECT_EQ(portal_->activate(token, kPassword, "Q ?", kAnswer).error().reason, "token_used");
  now_ += 3 * 86'400 + 1;
  ASSERT_TRUE(portal_->request_link(id(1), "192.0.2.1", LinkKind::kActivation));
  const std::string late = mailed_token("/activation");
  now_ += 3 * 86'400 + 1;
  EXPECT_EQ(portal_->activate(late, kPassword, "Q ?", kAnswer).error().reason, "token_expired");
}

TEST_F(PortalTest, LoginLocksAfterFailuresAndAResetUnlocks) {
  activate(0);
  // An unknown identifier and a wrong password: one answer.
  EXPECT_EQ(portal_->login("nobody@example.org", kPassword, "192.0.2.1").error().reason,
            "bad_login");
  // Two free failures, a wait after the third, the lock at the fourth.
  std::vector<std::string> reasons;
  for (int i = 0; i < 8 && (reasons.empty() || reasons.back() != "locked"); ++i) {
    const Result<Login> r = portal_->login(id(0), "Wrong-Password-1", "192.0.2.1");
    ASSERT_FALSE(r);
    reasons.push_back(r.error().reason);
    if (r.error().reason == "too_many_attempts") now_ += r.error().retry_after_seconds;
    if (r.error().reason == "locked") {
      EXPECT_EQ(r.error().retry_after_seconds, 60);
    }
  }
  EXPECT_EQ(reasons, (std::vector<std::string>{"bad_login", "bad_login", "bad_login",
                                               "too_many_attempts", "locked"}));
  // Locked: even the right password waits.
  EXPECT_EQ(portal_->login(id(0), kPassword, "192.0.2.1").error().reason, "locked");
  // A reset is the way out, and its new password works at once.
  ASSERT_TRUE(portal_->request_link(id(0), "192.0.2.1", LinkKind::kPassword));
  const std::string token = mailed_token("/mot-de-passe");
  EXPECT_EQ(portal_->reset_password(token, "weak").error().reason, "weak_password");
  EXPECT_EQ(must(portal_->reset_password(token, "Another-Horse-43")), id(0));
  const Login login = must(portal_->login(id(0), "Another-Horse-43", "192.0.2.1"));
  EXPECT_EQ(login.identifier, id(0));
  EXPECT_EQ(login.shown_expires_at, now_.load() + 1200);
}

TEST_F(PortalTest, ASessionNeedsItsCsrfTokenToChangeAnythingAndEndsAtLogout) {
  activate(0);
  const Login login = must(portal_->login(id(0), kPassword, "192.0.2.1"));
  EXPECT_EQ(must(portal_->session(login.session.id, std::nullopt)).identifier, id(0));
  EXPECT_EQ(portal_->session(login.session.id, std::string_view("")).error().reason, "csrf_failed");
  std::string wrong = login.session.csrf;
  wrong[0] = wrong[0] == 'A' ? 'B' : 'A';
  EXPECT_EQ(portal_->session(login.session.id, wrong).error().reason, "csrf_failed");
  ASSERT_TRUE(portal_->logout(login.session.id));
  EXPECT_EQ(portal_->session(login.session.id, std::nullopt).error().reason, "not_logged_in");
}

TEST_F(PortalTest, AReissueLinkNeedsTheAnswerAndTheNumenAndGoesWhereAsked) {
  const Session session = logged_in(0);
  ReissueRequest by_mail{kAnswer, kNumen, "", "email", "Perso@Example.net"};
  // Either half wrong: one answer.
  ReissueRequest wrong_answer = by_mail;
  wrong_answer.answer = "Lyon";
  EXPECT_EQ(portal_->request_reissue_link(session, wrong_answer, "192.0.2.1").error().reason,
            "reissue_refused");
  ReissueRequest wrong_numen = by_mail;
  wrong_numen.numen = "12AB345678CDF";
  EXPECT_EQ(portal_->request_reissue_link(session, wrong_numen, "192.0.2.1").error().reason,
            "reissue_refused");
  // The form before anything is counted.
  ReissueRequest both = by_mail;
  both.nir = kNir;
  EXPECT_EQ(portal_->request_reissue_link(session, both, "192.0.2.1").error().reason, "malformed");
  ReissueRequest own = by_mail;
  own.email = id(0);
  EXPECT_EQ(portal_->request_reissue_link(session, own, "192.0.2.1").error().reason, "same_email");

  // The answer folded ("SAINT-ÉTIENNE" is the same), the NUMEN: a mail to
  // the personal address.
  by_mail.answer = "  SAINT-ÉTIENNE ";
  const LinkSent sent = must(portal_->request_reissue_link(session, by_mail, "192.0.2.1"));
  EXPECT_EQ(sent.channel, "email");
  EXPECT_EQ(sent.masked_to, "p***@example.net");
  EXPECT_EQ(sent.expires_in, 900);
  const server::Mail mail = mail_.mails().back();
  EXPECT_EQ(mail.to, "perso@example.net");
  EXPECT_EQ(mail.subject, "Réassort de votre code de vote");
  EXPECT_NE(mail.body.find("valable 15 min"), std::string::npos);

  // The NIR digits and the phone on file: a text message.
  ReissueRequest by_sms{kAnswer, "", kNir, "sms", ""};
  const LinkSent texted = must(portal_->request_reissue_link(session, by_sms, "192.0.2.1"));
  EXPECT_EQ(texted.masked_to, "+33*******78");
  ASSERT_EQ(mail_.texts().size(), 1u);
  EXPECT_EQ(mail_.texts()[0].to, "+33612345678");

  // The link's token with a new credential: stored once, then used up.
  const std::string token = token_in(mail_.texts()[0].text, "/reassort");
  const PublicKey credential =
      must(credential_key(election_.manifest().id, generate_vote_code())).public_key();
  const Login other = must(portal_->login(id(0), kPassword, "192.0.2.1"));
  EXPECT_EQ(must(portal_->reissue(token, credential, other.session.id)),
            Timestamp::from_unix(now_.load()));
  EXPECT_EQ(portal_->reissue(token, credential, std::nullopt).error().reason, "token_used");

  // A new link replaces the old one; the sender refusing it is said, not hidden.
  mail_.refuse(true);
  EXPECT_EQ(portal_->request_reissue_link(session, by_sms, "192.0.2.1").error().reason,
            "sms_unavailable");
  mail_.refuse(false);
}

TEST_F(PortalTest, AReissueLinkOpenedInAnotherVotersSessionIsRefused) {
  const Session owner = logged_in(0);
  activate(1);
  const Login stranger = must(portal_->login(id(1), kPassword, "192.0.2.1"));
  ReissueRequest request{kAnswer, kNumen, "", "email", "perso@example.net"};
  ASSERT_TRUE(portal_->request_reissue_link(owner, request, "192.0.2.1"));
  const std::string token = token_in(mail_.mails().back().body, "/reassort");
  const PublicKey credential =
      must(credential_key(election_.manifest().id, generate_vote_code())).public_key();
  EXPECT_EQ(portal_->reissue(token, credential, stranger.session.id).error().reason,
            "foreign_token");
  PublicKey bad{};
  EXPECT_EQ(portal_->reissue(token, bad, std::nullopt).error().reason, "bad_credential");
  // Neither refusal used the link up.
  EXPECT_TRUE(portal_->reissue(token, credential, std::nullopt));
}

TEST_F(PortalTest, WrongReissueAnswersLockTheReissueForAnHour) {
  const Session session = logged_in(0);
  ReissueRequest wrong{"Lyon", kNumen, "", "email", "perso@example.net"};
  std::string reason;
  int64_t wait = 0;
  for (int i = 0; i < 8 && reason != "locked"; ++i) {
    const Result<LinkSent> r = portal_->request_reissue_link(session, wrong, "192.0.2.1");
    ASSERT_FALSE(r);
    reason = r.error().reason;
    wait = r.error().retry_after_seconds;
    if (reason == "too_many_attempts") now_ += wait;
  }
  ASSERT_EQ(reason, "locked");
  EXPECT_EQ(wait, 3600);
  ReissueRequest right{kAnswer, kNumen, "", "email", "perso@example.net"};
  EXPECT_EQ(portal_->request_reissue_link(session, right, "192.0.2.1").error().reason, "locked");
  now_ += 3600;
  EXPECT_TRUE(portal_->request_reissue_link(session, right, "192.0.2.1"));
}

TEST_F(PortalTest, FranceConnectIsRefusedWhenNotConfigured) {
  const Session session = logged_in(0);
  EXPECT_FALSE(portal_->has_oidc());
  EXPECT_EQ(portal_->oidc_start(session).error().reason, "oidc_not_configured");
  EXPECT_EQ(portal_->oidc_finish("state", std::string_view("code")).error().reason,
            "oidc_not_configured");
}

TEST_F(PortalTest, CodeEntriesAreCountedPerAccount) {
  // Three free, the fourth starts a wait; another account is not touched.
  for (int i = 0; i < 4; ++i) {
    ASSERT_TRUE(portal_->code_entry_allowed(id(0))) << i;
    portal_->code_entry_failed(id(0));
  }
  const Status slowed = portal_->code_entry_allowed(id(0));
  ASSERT_FALSE(slowed);
  EXPECT_EQ(slowed.error().reason, "too_many_attempts");
  EXPECT_TRUE(portal_->code_entry_allowed(id(1)));
}

TEST_F(PortalTest, AProofOfWorkIsSpentOnceAndHarderForAnAddressThatFailed) {
  std::unique_ptr<Portal> portal = make_portal(4, 1);
  const PowChallenge c = portal->pow_challenge(PowPurpose::kLogin, "192.0.2.1");
  EXPECT_EQ(c.difficulty, 4);
  EXPECT_EQ(c.expires_in, 300);
  EXPECT_EQ(portal->redeem_pow("", "", PowPurpose::kLogin).error().reason, "pow_required");
  EXPECT_EQ(portal->redeem_pow(c.challenge, "12x", PowPurpose::kLogin).error().reason, "bad_pow");
  const std::optional<uint64_t> nonce = pow_search(c.challenge, c.difficulty, 0, kMaxPowNonce);
  ASSERT_TRUE(nonce);
  const std::string n = std::to_string(*nonce);
  EXPECT_EQ(portal->redeem_pow(c.challenge, n, PowPurpose::kLink).error().reason, "bad_pow");
  EXPECT_TRUE(portal->redeem_pow(c.challenge, n, PowPurpose::kLogin));
  EXPECT_EQ(portal->redeem_pow(c.challenge, n, PowPurpose::kLogin).error().reason, "pow_replayed");
  // Two failed logins from one address: its challenges take 3 bits more,
  // another address's do not.
  for (int i = 0; i < 2; ++i) {
    EXPECT_EQ(portal->login("nobody@example.org", kPassword, "198.51.100.7").error().reason,
              "bad_login");
  }
  EXPECT_EQ(portal->pow_challenge(PowPurpose::kLogin, "198.51.100.7").difficulty, 7);
  EXPECT_EQ(portal->pow_challenge(PowPurpose::kLogin, "192.0.2.1").difficulty, 4);
}

}  // namespace
}  // namespace isoloir::portal

// The mail layer: the shared message format (quoted-printable, RFC 2047
// subjects, header injection refused), the SMTP mailer against a real SMTP
// listener on 127.0.0.1 run by the test, and the outbox directory.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sodium.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <optional>
#include <random>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "fake_smtp.h"
#include "isoloir/server/mailer.h"
#include "net/mail_message.h"

namespace isoloir::server {
namespace {

namespace fs = std::filesystem;
using test::base64_decode;
using test::FakeSmtpServer;
using test::Received;

constexpr const char* kFrom = "isoloir@vote.example.org";
constexpr const char* kSubject = "Réinitialisation de votre mot de passe";

// A 200-character URL whose query is full of '=' (escaped as "=3D" in
// quoted-printable) so that soft breaks land inside it.
std::string long_url() {
  std::string url = "https://vote.education.example.org/electeur/reinitialisation?jeton=";
  for (int i = 0; url.size() < 200; ++i) url += static_cast<char>('A' + i % 26);
  url.resize(200);
  return url;
}

Mail reset_mail(const std::string& to = "jeanne.dupont@ac-paris.fr") {
  return Mail{to, kSubject,
              "Bonjour Jeanne,\n\nPour choisir un nouveau mot de passe, suivez ce lien "
              "(valable une heure) :\n" +
                  long_url() +
                  "\n\nSi vous n'êtes pas à l'origine de cette demande, ignorez ce message.\n"
                  "-- \nL'équipe des élections professionnelles\n"};
}

// ---------------------------------------------------------------------------
// Reading a message back, independently of the formatter.
// ---------------------------------------------------------------------------

struct ParsedMessage {
  std::map<std::string, std::string> headers;  // unfolded values
  std::string body;                            // still quoted-printable
  size_t longest_header_line = 0;
  size_t longest_body_line = 0;
};

std::vector<std::string> split_crlf(std::string_view text) {
  std::vector<std::string> lines;
  size_t start = 0;
  for (size_t crlf; (crlf = text.find("\r\n", start)) != std::string_view::npos; start = crlf + 2) {
    lines.emplace_back(text.substr(start, crlf - start));
  }
  if (start < text.size()) lines.emplace_back(text.substr(start));
  return lines;
}

bool only_crlf_line_ends(std::string_view text) {
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\n' && (i == 0 || text[i - 1] != '\r')) return false;
    if (text[i] == '\r' && (i + 1 == text.size() || text[i + 1] != '\n')) return false;
  }
  return true;
}

std::optional<ParsedMessage> parse_message(std::string_view raw) {
  const size_t blank = raw.find("\r\n\r\n");
  if (blank == std::string_view::npos || !only_crlf_line_ends(raw)) return std::nullopt;
  ParsedMessage m;
  std::string name;
  for (const std::string& line : split_crlf(raw.substr(0, blank))) {
    m.longest_header_line = std::max(m.longest_header_line, line.size());
    if (!line.empty() && (line[0] == ' ' || line[0] == '\t')) {
      if (name.empty()) return std::nullopt;
      m.headers[name] += line;  // unfolding removes only the CRLF
      continue;
    }
    const size_t colon = line.find(": ");
    if (colon == std::string::npos) return std::nullopt;
    name = line.substr(0, colon);
    if (!m.headers.emplace(name, line.substr(colon + 2)).second) return std::nullopt;
  }
  m.body = std::string(raw.substr(blank + 4));
  for (const std::string& line : split_crlf(m.body)) {
    m.longest_body_line = std::max(m.longest_body_line, line.size());
  }
  return m;
}

// The words of an RFC 2047 header value, each decoded on its own.
std::optional<std::vector<std::string>> decode_encoded_words(const std::string& value) {
  std::vector<std::string> words;
  std::istringstream in(value);
  for (std::string word; in >> word;) {
    const std::string prefix = "=?UTF-8?B?";
    if (word.rfind(prefix, 0) != 0 || word.size() < prefix.size() + 2 ||
        word.substr(word.size() - 2) != "?=" || word.size() > 75) {
      return std::nullopt;
    }
    auto bytes = base64_decode(word.substr(prefix.size(), word.size() - prefix.size() - 2));
    if (!bytes) return std::nullopt;
    words.push_back(*bytes);
  }
  return words;
}

std::string decode_subject(const std::string& value) {
  if (value.rfind("=?", 0) != 0) return value;
  auto words = decode_encoded_words(value);
  if (!words) return "<undecodable: " + value + ">";
  std::string out;
  for (const auto& w : *words) out += w;
  return out;
}

// Checks what both mailers must produce, whatever carried it.
void expect_well_formed(const std::string& raw, const Mail& mail) {
  auto m = parse_message(raw);
  ASSERT_TRUE(m.has_value()) << raw;
  EXPECT_EQ(m->headers["From"], kFrom);
  EXPECT_EQ(m->headers["To"], mail.to);
  EXPECT_EQ(decode_subject(m->headers["Subject"]), mail.subject);
  EXPECT_TRUE(
      std::regex_match(m->headers["Date"], std::regex(R"([A-Z][a-z]{2}, \d\d [A-Z][a-z]{2} \d{4} )"
                                                      R"(\d\d:\d\d:\d\d \+0000)")))
      << m->headers["Date"];
  EXPECT_TRUE(
      std::regex_match(m->headers["Message-ID"], std::regex("<[0-9a-f]{32}@vote\\.example\\.org>")))
      << m->headers["Message-ID"];
  EXPECT_EQ(m->headers["MIME-Version"], "1.0");
  EXPECT_EQ(m->headers["Content-Type"], "text/plain; charset=UTF-8");
  EXPECT_EQ(m->headers["Content-Transfer-Encoding"], "quoted-printable");
  EXPECT_LE(m->longest_header_line, 78u);
  EXPECT_LE(m->longest_body_line, 76u);
  EXPECT_EQ(decode_quoted_printable(m->body), mail.body);
}

// ---------------------------------------------------------------------------
// The message format.
// ---------------------------------------------------------------------------

TEST(MailMessage, QuotedPrintableKnownEncodings) {
  EXPECT_EQ(encode_quoted_printable("é\n"), "=C3=A9\r\n");
  EXPECT_EQ(encode_quoted_printable("a=b\n"), "a=3Db\r\n");
  // Whitespace ending a line would be stripped in transport: escaped.
  EXPECT_EQ(encode_quoted_printable("fin \nx\t\n"), "fin=20\r\nx=09\r\n");
  EXPECT_EQ(encode_quoted_printable("a b\n"), "a b\r\n");
  // No final line break: a final soft break, so decoding adds none.
  EXPECT_EQ(encode_quoted_printable("abc"), "abc=\r\n");
  EXPECT_EQ(encode_quoted_printable("a\r\nb\n"), "a\r\nb\r\n");
  EXPECT_EQ(encode_quoted_printable("a\rb\n"), "a=0Db\r\n");
  // A line of exactly 76 characters needs no soft break; 77 does.
  EXPECT_EQ(encode_quoted_printable(std::string(76, 'x') + "\n"), std::string(76, 'x') + "\r\n");
  EXPECT_EQ(encode_quoted_printable(std::string(77, 'x') + "\n"),
            std::string(75, 'x') + "=\r\nxx\r\n");
  // A soft break never splits an escape.
  EXPECT_EQ(encode_quoted_printable(std::string(74, 'x') + "=\n"),
            std::string(74, 'x') + "=\r\n=3D\r\n");
}

TEST(MailMessage, QuotedPrintableDecodes) {
  EXPECT_EQ(decode_quoted_printable("caf=C3=A9 =\r\nau lait\r\n"), "café au lait\n");
  EXPECT_EQ(decode_quoted_printable("a=3db  \r\n"), "a=b\n");  // transport whitespace
  EXPECT_EQ(decode_quoted_printable("a\nb"), "a\nb");
  EXPECT_EQ(decode_quoted_printable("bad=G1\r\n"), std::nullopt);
  EXPECT_EQ(decode_quoted_printable("short=4\r\n"), std::nullopt);
  EXPECT_EQ(decode_quoted_printable("end=4"), std::nullopt);
}

TEST(MailMessage, QuotedPrintableRoundTripsRandomTexts) {
  // Pieces chosen for the edge cases: escapes next to soft breaks,
  // whitespace at line ends, dots and "From " at line starts, multi-byte
  // characters, empty lines, very long lines.
  const std::vector<std::string> pieces = {
      "a", "Z", " ", "\t", "=", "é", "€", "𝄞", "\n", ".", "From ", "\n\n", std::string(90, 'u'),
      "?"};
  std::mt19937 rng(20240601);  // fixed: a failure reproduces
  for (int round = 0; round < 2000; ++round) {
    std::string text;
    const size_t n = rng() % 60;
    for (size_t i = 0; i < n; ++i) text += pieces[rng() % pieces.size()];
    const std::string encoded = encode_quoted_printable(text);
    ASSERT_EQ(decode_quoted_printable(encoded), text) << text;
    ASSERT_TRUE(only_crlf_line_ends(encoded)) << text;
    for (const std::string& line : split_crlf(encoded)) ASSERT_LE(line.size(), 76u) << text;
  }
}

TEST(MailMessage, SubjectEncodedWordsNeverSplitACharacter) {
  EXPECT_EQ(encode_subject("Votre code de vote"), "Votre code de vote");
  EXPECT_EQ(encode_subject("é"), "=?UTF-8?B?w6k=?=");
  // Plain ASCII that would read as an encoded-word is encoded too.
  EXPECT_EQ(decode_subject(encode_subject("=?x?=")), "=?x?=");
  EXPECT_EQ(encode_subject("=?x?=").rfind("=?UTF-8?B?", 0), 0u);

  std::string subject;
  for (int i = 0; i < 20; ++i) subject += "Élection n°" + std::to_string(i) + " ";
  subject.pop_back();
  ASSERT_LE(subject.size(), kMaxSubjectBytes);
  const std::string header = "Subject: " + encode_subject(subject) + "\r\n";
  for (const std::string& line : split_crlf(header)) EXPECT_LE(line.size(), 78u);
  auto m = parse_message(header + "\r\n");
  ASSERT_TRUE(m.has_value());
  auto words = decode_encoded_words(m->headers["Subject"]);
  ASSERT_TRUE(words.has_value());
  ASSERT_GT(words->size(), 3u);
  std::string joined;
  for (const std::string& w : *words) {
    // Each word alone is whole UTF-8: it starts on a character.
    EXPECT_NE(static_cast<unsigned char>(w[0]) & 0xC0, 0x80) << w;
    joined += w;
  }
  EXPECT_EQ(joined, subject);
}

TEST(MailMessage, Rfc5322Dates) {
  EXPECT_EQ(rfc5322_date(0), "Thu, 01 Jan 1970 00:00:00 +0000");
  EXPECT_EQ(rfc5322_date(1700000000), "Tue, 14 Nov 2023 22:13:20 +0000");
  EXPECT_EQ(rfc5322_date(1764547200), "Mon, 01 Dec 2025 00:00:00 +0000");
}

TEST(MailMessage, AddressesAreSimpleAndStrict) {
  for (const char* ok :
       {"jeanne.dupont@ac-paris.fr", "a@b", "x+tag@example.org", "o'neil@example.ie"}) {
    EXPECT_TRUE(valid_address(ok)) << ok;
  }
  const std::string at_254 = std::string(64, 'l') + "@" + std::string(189, 'd');
  EXPECT_TRUE(valid_address(at_254));
  for (const std::string& bad :
       {std::string(""), std::string("@b"), std::string("a@"), std::string("ab"),
        std::string("a@b@c"), std::string("a b@c"), std::string("a@b c"), std::string("<a@b>"),
        std::string("a@b>"), std::string("a@b\r\nBcc: x@y"), std::string("a@b\n"),
        std::string("a\0@b", 4), std::string("a@b,c@d"), std::string("a@b;c"),
        std::string("\"a\"@b"), std::string("jérôme@example.fr"), std::string("a@b\x7F"),
        at_254 + "d"}) {
    EXPECT_FALSE(valid_address(bad)) << bad;
  }
}

TEST(MailMessage, CheckMailRefusesInjectionAndEmptyBodies) {
  const Mail good = reset_mail();
  EXPECT_TRUE(check_mail(good).ok());
  auto expect_bad = [](const Mail& m, const std::string& field) {
    const Status s = check_mail(m);
    ASSERT_FALSE(s.ok());
    EXPECT_EQ(s.error().reason, "bad_mail");
    EXPECT_EQ(s.error().detail.rfind(field, 0), 0u) << s.error().message();
  };
  Mail m = good;
  m.subject = "Bonjour\r\nBcc: everyone@example.org";
  expect_bad(m, "subject");
  m.subject = "Bonjour\nX: y";
  expect_bad(m, "subject");
  m.subject = std::string("nul\0here", 8);
  expect_bad(m, "subject");
  m.subject = "\xC3";  // truncated UTF-8
  expect_bad(m, "subject");
  m.subject = std::string(kMaxSubjectBytes + 1, 's');
  expect_bad(m, "subject");
  m = good;
  m.to = "jeanne@ac-paris.fr\r\nBcc: everyone@example.org";
  expect_bad(m, "to");
  m = good;
  m.body = "";
  expect_bad(m, "body");
  m.body = std::string("a\0b", 3);
  expect_bad(m, "body");
  m.body = "\xFF";
  expect_bad(m, "body");
  m.body = "\xED\xA0\x80";  // a UTF-16 surrogate in UTF-8
  expect_bad(m, "body");
}

TEST(MailMessage, FormatHasEveryHeaderAndDecodesBack) {
  const Mail mail = reset_mail();
  const std::string a = format_message(mail, kFrom, 1700000000);
  expect_well_formed(a, mail);
  EXPECT_NE(a.find("Date: Tue, 14 Nov 2023 22:13:20 +0000\r\n"), std::string::npos);
  // The long URL was cut by soft breaks, yet decodes whole.
  EXPECT_EQ(a.find(long_url()), std::string::npos);
  const std::string b = format_message(mail, kFrom, 1700000000);
  EXPECT_NE(parse_message(a)->headers["Message-ID"], parse_message(b)->headers["Message-ID"]);
}

SmtpConfig config_for(const FakeSmtpServer& server) {
  SmtpConfig config;
  config.url = server.url();
  config.from = kFrom;
  config.timeout_seconds = 10;
  return config;
}

std::unique_ptr<Mailer> smtp_mailer(const SmtpConfig& config) {
  auto mailer = make_smtp_mailer(config);
  EXPECT_TRUE(mailer.ok()) << mailer.error().message();
  return mailer.ok() ? std::move(*mailer) : nullptr;
}

TEST(MailSmtp, DeliversAccentsAndALongUrl) {
  FakeSmtpServer server;
  auto mailer = smtp_mailer(config_for(server));
  ASSERT_NE(mailer, nullptr);
  const Mail mail = reset_mail();
  const Status sent = mailer->send(mail);
  ASSERT_TRUE(sent.ok()) << sent.error().message();
  const auto received = server.received();
  ASSERT_EQ(received.size(), 1u);
  EXPECT_EQ(received[0].mail_from, kFrom);
  EXPECT_EQ(received[0].rcpt, std::vector<std::string>{mail.to});
  EXPECT_EQ(received[0].auth, "");
  expect_well_formed(received[0].data, mail);
}

TEST(MailSmtp, LinesOfDotsSurviveDotStuffing) {
  FakeSmtpServer server;
  auto mailer = smtp_mailer(config_for(server));
  ASSERT_NE(mailer, nullptr);
  Mail mail = reset_mail();
  mail.body = "avant\n.\n..\n.suite\nfin\n.";
  const Status sent = mailer->send(mail);
  ASSERT_TRUE(sent.ok()) << sent.error().message();
  const auto received = server.received();
  ASSERT_EQ(received.size(), 1u);
  expect_well_formed(received[0].data, mail);
  // curl doubled every leading dot on the wire; the listener removed them.
  const auto& wire = received[0].wire_lines;
  EXPECT_NE(std::find(wire.begin(), wire.end(), ".."), wire.end());
  EXPECT_NE(std::find(wire.begin(), wire.end(), "..."), wire.end());
  EXPECT_NE(std::find(wire.begin(), wire.end(), "..suite"), wire.end());
  EXPECT_NE(std::find(wire.begin(), wire.end(), "..="), wire.end());  // the last "." + soft break
}

TEST(MailSmtp, RefusedRecipientIsMailFailedWithTheServersWords) {
  FakeSmtpServer server(FakeSmtpServer::Mode::kRefuseRcpt);
  auto mailer = smtp_mailer(config_for(server));
  ASSERT_NE(mailer, nullptr);
  const Status sent = mailer->send(reset_mail("nobody@ac-paris.fr"));
  ASSERT_FALSE(sent.ok());
  EXPECT_EQ(sent.error().reason, "mail_failed");
  EXPECT_NE(sent.error().detail.find("550"), std::string::npos) << sent.error().detail;
  EXPECT_NE(sent.error().detail.find("Recipient address rejected"), std::string::npos)
      << sent.error().detail;
  EXPECT_NE(sent.error().detail.find(server.url()), std::string::npos) << sent.error().detail;
  EXPECT_TRUE(server.received().empty());
}

TEST(MailSmtp, ConnectionClosedMidwayIsMailFailed) {
  FakeSmtpServer server(FakeSmtpServer::Mode::kCloseInData);
  auto mailer = smtp_mailer(config_for(server));
  ASSERT_NE(mailer, nullptr);
  const Status sent = mailer->send(reset_mail());
  ASSERT_FALSE(sent.ok());
  EXPECT_EQ(sent.error().reason, "mail_failed");
  EXPECT_FALSE(sent.error().detail.empty());
  EXPECT_TRUE(server.received().empty());
}

TEST(MailSmtp, UnreachablePortIsMailFailed) {
  uint16_t port = 0;
  {
    FakeSmtpServer closed;  // take a free port, then give it back
    port = static_cast<uint16_t>(std::stoi(closed.url().substr(closed.url().rfind(':') + 1)));
  }
  SmtpConfig config;
  config.url = "smtp://127.0.0.1:" + std::to_string(port);
  config.from = kFrom;
  config.timeout_seconds = 5;
  auto mailer = smtp_mailer(config);
  ASSERT_NE(mailer, nullptr);
  const Status sent = mailer->send(reset_mail());
  ASSERT_FALSE(sent.ok());
  EXPECT_EQ(sent.error().reason, "mail_failed");
  EXPECT_NE(sent.error().detail.find(config.url), std::string::npos) << sent.error().detail;
}

TEST(MailSmtp, EightThreadsSendAtOnce) {
  FakeSmtpServer server;
  auto mailer = smtp_mailer(config_for(server));
  ASSERT_NE(mailer, nullptr);
  constexpr int kThreads = 8;
  constexpr int kPerThread = 5;
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  threads.reserve(kThreads);
  std::set<std::string> expected;
  for (int t = 0; t < kThreads; ++t) {
    for (int i = 0; i < kPerThread; ++i) {
      expected.insert("elector-" + std::to_string(t) + "-" + std::to_string(i) + "@example.org");
    }
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        const auto to = "elector-" + std::to_string(t) + "-" + std::to_string(i) + "@example.org";
        if (!mailer->send(reset_mail(to)).ok()) ++failures;
      }
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(failures.load(), 0);
  std::set<std::string> arrived;
  for (const Received& r : server.received()) {
    ASSERT_EQ(r.rcpt.size(), 1u);
    arrived.insert(r.rcpt[0]);
    expect_well_formed(r.data, reset_mail(r.rcpt[0]));
  }
  EXPECT_EQ(arrived, expected);
}

TEST(MailSmtp, HeaderInjectionIsBadMailAndNothingIsSent) {
  FakeSmtpServer server;
  auto mailer = smtp_mailer(config_for(server));
  ASSERT_NE(mailer, nullptr);
  Mail in_subject = reset_mail();
  in_subject.subject = "Réinitialisation\r\nBcc: everyone@example.org";
  Mail in_to = reset_mail("jeanne@ac-paris.fr\r\nBcc: everyone@example.org");
  Mail lf_to = reset_mail("jeanne@ac-paris.fr\nRCPT TO:<everyone@example.org>");
  Mail empty = reset_mail();
  empty.body.clear();
  for (const Mail& m : {in_subject, in_to, lf_to, empty}) {
    const Status sent = mailer->send(m);
    ASSERT_FALSE(sent.ok());
    EXPECT_EQ(sent.error().reason, "bad_mail") << sent.error().message();
  }
  EXPECT_EQ(server.connections(), 0);
}

TEST(MailSmtp, AuthSendsTheCredentials) {
  FakeSmtpServer server;
  SmtpConfig config = config_for(server);
  config.username = "isoloir-mailer";
  config.password = "correct horse battery staple";
  auto mailer = smtp_mailer(config);
  ASSERT_NE(mailer, nullptr);
  const Status sent = mailer->send(reset_mail());
  ASSERT_TRUE(sent.ok()) << sent.error().message();
  const auto received = server.received();
  ASSERT_EQ(received.size(), 1u);
  EXPECT_EQ(received[0].auth, std::string("\0isoloir-mailer\0correct horse battery staple", 44));
}

TEST(MailSmtp, RefusedAuthNeverShowsThePassword) {
  FakeSmtpServer server(FakeSmtpServer::Mode::kRefuseAuth);
  SmtpConfig config = config_for(server);
  config.username = "isoloir-mailer";
  config.password = "correct horse battery staple";
  auto mailer = smtp_mailer(config);
  ASSERT_NE(mailer, nullptr);
  const Status sent = mailer->send(reset_mail());
  ASSERT_FALSE(sent.ok());
  EXPECT_EQ(sent.error().reason, "mail_failed");
  EXPECT_NE(sent.error().detail.find("535"), std::string::npos) << sent.error().detail;
  EXPECT_EQ(sent.error().detail.find("horse"), std::string::npos) << sent.error().detail;
  EXPECT_TRUE(server.received().empty());
}

TEST(MailSmtp, RequiredStartTlsNotOfferedIsMailFailed) {
  FakeSmtpServer server;  // does not advertise STARTTLS
  SmtpConfig config = config_for(server);
  config.starttls = true;
  auto mailer = smtp_mailer(config);
  ASSERT_NE(mailer, nullptr);
  const Status sent = mailer->send(reset_mail());
  ASSERT_FALSE(sent.ok());
  EXPECT_EQ(sent.error().reason, "mail_failed");
  EXPECT_TRUE(server.received().empty());
}

TEST(MailSmtp, ConfigurationMistakesAreRefusedAtStart) {
  SmtpConfig good;
  good.url = "smtp://127.0.0.1:2525";
  good.from = kFrom;
  ASSERT_TRUE(make_smtp_mailer(good).ok());
  auto expect_refused = [](const SmtpConfig& c, const std::string& why) {
    auto mailer = make_smtp_mailer(c);
    ASSERT_FALSE(mailer.ok()) << why;
    EXPECT_EQ(mailer.error().reason, "bad_config") << why;
    EXPECT_EQ(mailer.error().detail.find("hunter2"), std::string::npos) << why;
  };
  SmtpConfig c = good;
  c.url = "http://127.0.0.1:2525";
  expect_refused(c, "scheme");
  c.url = "file:///etc/passwd";
  expect_refused(c, "file scheme");
  c.url = "smtp://user:hunter2@mail.example.org:587";
  expect_refused(c, "credentials in the URL");
  c.url = "not a url";
  expect_refused(c, "garbage");
  c = good;
  c.from = "isoloir";
  expect_refused(c, "from");
  c = good;
  c.timeout_seconds = 0;
  expect_refused(c, "timeout");
  c = good;
  c.url = "smtp://mail.example.org:587";
  c.username = "isoloir";
  c.password = "hunter2";
  expect_refused(c, "password in clear");
  c.starttls = true;
  EXPECT_TRUE(make_smtp_mailer(c).ok());
  c.starttls = false;
  c.url = "smtps://mail.example.org:465";
  EXPECT_TRUE(make_smtp_mailer(c).ok());
}

// ---------------------------------------------------------------------------
// The outbox.
// ---------------------------------------------------------------------------

class TempDir {
 public:
  TempDir() {
    std::string pattern = (fs::temp_directory_path() / "isoloir-mail-XXXXXX").string();
    if (mkdtemp(pattern.data()) == nullptr) ADD_FAILURE() << "mkdtemp: " << std::strerror(errno);
    path_ = pattern;
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  ~TempDir() {
    std::error_code ignored;
    fs::permissions(path_, fs::perms::owner_all, fs::perm_options::add, ignored);
    fs::remove_all(path_, ignored);
  }
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

std::vector<std::string> file_names(const fs::path& dir) {
  std::vector<std::string> names;
  for (const auto& entry : fs::directory_iterator(dir)) {
    names.push_back(entry.path().filename().string());
  }
  std::sort(names.begin(), names.end());
  return names;
}

std::string read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

mode_t mode_of(const fs::path& path) {
  struct stat st {};
  if (stat(path.c_str(), &st) != 0) return 0;
  return st.st_mode & 07777;
}

std::unique_ptr<Mailer> outbox_mailer(const fs::path& dir) {
  auto mailer = make_outbox_mailer(dir.string(), kFrom);
  EXPECT_TRUE(mailer.ok()) << mailer.error().message();
  return mailer.ok() ? std::move(*mailer) : nullptr;
}

TEST(MailOutbox, WritesOneParseableFilePerMail) {
  TempDir tmp;
  const fs::path dir = tmp.path() / "outbox";
  auto mailer = outbox_mailer(dir);
  ASSERT_NE(mailer, nullptr);
  EXPECT_EQ(mode_of(dir), 0700u);
  const Mail mail = reset_mail();
  const Status sent = mailer->send(mail);
  ASSERT_TRUE(sent.ok()) << sent.error().message();
  const auto names = file_names(dir);
  ASSERT_EQ(names.size(), 1u);  // no temporary file left
  EXPECT_TRUE(std::regex_match(names[0], std::regex(R"(\d{13}-\d{10}\.eml)"))) << names[0];
  EXPECT_EQ(mode_of(dir / names[0]), 0600u);
  expect_well_formed(read_file(dir / names[0]), mail);
}

TEST(MailOutbox, NamesSortInSendOrder) {
  TempDir tmp;
  auto mailer = outbox_mailer(tmp.path());
  ASSERT_NE(mailer, nullptr);
  constexpr int kMails = 12;
  for (int i = 0; i < kMails; ++i) {
    Mail mail = reset_mail();
    mail.subject = "Mail " + std::to_string(i);
    ASSERT_TRUE(mailer->send(mail).ok());
  }
  const auto names = file_names(tmp.path());
  ASSERT_EQ(names.size(), static_cast<size_t>(kMails));
  for (int i = 0; i < kMails; ++i) {
    auto m = parse_message(read_file(tmp.path() / names[static_cast<size_t>(i)]));
    ASSERT_TRUE(m.has_value());
    EXPECT_EQ(m->headers["Subject"], "Mail " + std::to_string(i));
  }
}

TEST(MailOutbox, ConcurrentSendsGiveDistinctFiles) {
  TempDir tmp;
  auto mailer = outbox_mailer(tmp.path());
  ASSERT_NE(mailer, nullptr);
  constexpr int kThreads = 8;
  constexpr int kPerThread = 10;
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  threads.reserve(kThreads);
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        const auto to = "elector-" + std::to_string(t) + "-" + std::to_string(i) + "@example.org";
        if (!mailer->send(reset_mail(to)).ok()) ++failures;
      }
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(failures.load(), 0);
  const auto names = file_names(tmp.path());
  ASSERT_EQ(names.size(), static_cast<size_t>(kThreads * kPerThread));
  std::set<std::string> recipients;
  for (const std::string& name : names) {
    ASSERT_TRUE(name.size() > 4 && name.substr(name.size() - 4) == ".eml") << name;
    auto m = parse_message(read_file(tmp.path() / name));
    ASSERT_TRUE(m.has_value()) << name;
    recipients.insert(m->headers["To"]);
    expect_well_formed(read_file(tmp.path() / name), reset_mail(m->headers["To"]));
  }
  EXPECT_EQ(recipients.size(), static_cast<size_t>(kThreads * kPerThread));
}

TEST(MailOutbox, BadMailWritesNothing) {
  TempDir tmp;
  auto mailer = outbox_mailer(tmp.path());
  ASSERT_NE(mailer, nullptr);
  Mail mail = reset_mail();
  mail.subject = "x\r\nBcc: everyone@example.org";
  const Status sent = mailer->send(mail);
  ASSERT_FALSE(sent.ok());
  EXPECT_EQ(sent.error().reason, "bad_mail");
  EXPECT_TRUE(file_names(tmp.path()).empty());
}

TEST(MailOutbox, UnusableDirectoriesGiveClearErrors) {
  TempDir tmp;
  // A file where the directory should be.
  const fs::path file = tmp.path() / "plain-file";
  std::ofstream(file) << "x";
  auto not_dir = make_outbox_mailer(file.string(), kFrom);
  ASSERT_FALSE(not_dir.ok());
  EXPECT_EQ(not_dir.error().reason, "bad_config");
  EXPECT_NE(not_dir.error().detail.find(file.string()), std::string::npos);
  EXPECT_NE(not_dir.error().detail.find("Not a directory"), std::string::npos)
      << not_dir.error().detail;

  // A missing parent is reported, not created.
  auto no_parent = make_outbox_mailer((tmp.path() / "a" / "b").string(), kFrom);
  ASSERT_FALSE(no_parent.ok());
  EXPECT_NE(no_parent.error().detail.find("No such file or directory"), std::string::npos);

  EXPECT_EQ(make_outbox_mailer(tmp.path().string(), "not-an-address").error().reason, "bad_config");

  // The directory vanishes after start: each send says so.
  const fs::path gone = tmp.path() / "gone";
  auto mailer = outbox_mailer(gone);
  ASSERT_NE(mailer, nullptr);
  fs::remove(gone);
  const Status sent = mailer->send(reset_mail());
  ASSERT_FALSE(sent.ok());
  EXPECT_EQ(sent.error().reason, "mail_failed");
  EXPECT_NE(sent.error().detail.find(gone.string()), std::string::npos) << sent.error().detail;

  // Read-only: root writes anyway, so only checked for other users.
  if (geteuid() != 0) {
    const fs::path read_only = tmp.path() / "read-only";
    fs::create_directory(read_only);
    fs::permissions(read_only, fs::perms::owner_read | fs::perms::owner_exec);
    auto refused = make_outbox_mailer(read_only.string(), kFrom);
    ASSERT_FALSE(refused.ok());
    EXPECT_NE(refused.error().detail.find("not writable"), std::string::npos)
        << refused.error().detail;
  }
}

}  // namespace
}  // namespace isoloir::server

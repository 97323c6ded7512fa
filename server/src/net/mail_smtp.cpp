// The SMTP mailer on libcurl's easy interface: one handle, one connection,
// one mail per send, so worker threads never share curl state. curl speaks
// the protocol (EHLO, STARTTLS, AUTH, dot-stuffing of the DATA section); we
// hand it the formatted message and turn its verdict into a Status.
#include <curl/curl.h>
#include <sodium.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstring>
#include <memory>
#include <mutex>
#include <new>
#include <optional>
#include <string_view>

#include "isoloir/server/mailer.h"
#include "net/mail_curl.h"
#include "net/mail_message.h"

namespace isoloir::server {
namespace {

constexpr long kMaxTimeoutSeconds = 600;

struct SlistDeleter {
  void operator()(curl_slist* list) const { curl_slist_free_all(list); }
};
struct UrlDeleter {
  void operator()(CURLU* url) const { curl_url_cleanup(url); }
};
struct CurlStringDeleter {
  void operator()(char* s) const { curl_free(s); }
};
using EasyHandle = std::unique_ptr<CURL, EasyDeleter>;
using Slist = std::unique_ptr<curl_slist, SlistDeleter>;
using CurlString = std::unique_ptr<char, CurlStringDeleter>;

// One part of a parsed URL, or nothing when the URL has none.
std::optional<std::string> url_part(CURLU* url, CURLUPart part) {
  char* raw = nullptr;
  if (curl_url_get(url, part, &raw, 0) != CURLUE_OK || raw == nullptr) return std::nullopt;
  const CurlString owned(raw);
  return std::string(owned.get());
}

bool is_loopback(const std::string& host) {
  return host == "localhost" || host == "[::1]" || host.rfind("127.", 0) == 0;
}

// The URL must name an SMTP server and nothing else: no other protocol, and
// no credentials inside (they would end up in error messages and logs).
Status check_url(const SmtpConfig& config) {
  const std::unique_ptr<CURLU, UrlDeleter> url(curl_url());
  if (!url) return fail("bad_config", "smtp url: out of memory");
  if (curl_url_set(url.get(), CURLUPART_URL, config.url.c_str(), 0) != CURLUE_OK) {
    return fail("bad_config", "smtp url: not a URL: " + config.url);
  }
  const std::string scheme = url_part(url.get(), CURLUPART_SCHEME).value_or("");
  if (scheme != "smtp" && scheme != "smtps") {
    return fail("bad_config", "smtp url: the scheme must be smtp:// or smtps://");
  }
  if (url_part(url.get(), CURLUPART_USER) || url_part(url.get(), CURLUPART_PASSWORD)) {
    return fail("bad_config", "smtp url: put credentials in username and password, not the URL");
  }
  const std::string host = url_part(url.get(), CURLUPART_HOST).value_or("");
  if (host.empty()) return fail("bad_config", "smtp url: no host");
  const bool clear = scheme == "smtp" && !config.starttls;
  if (!config.username.empty() && clear && !is_loopback(host)) {
    return fail("bad_config",
                "smtp: the password would cross the network in clear; use smtps:// or starttls");
  }
  return {};
}

Status check_config(const SmtpConfig& config) {
  if (!valid_address(config.from)) return fail("bad_config", "from: not a single plain address");
  if (config.timeout_seconds <= 0 || config.timeout_seconds > kMaxTimeoutSeconds) {
    return fail("bad_config",
                "smtp timeout_seconds must be 1.." + std::to_string(kMaxTimeoutSeconds));
  }
  return check_url(config);
}

// The message handed to curl piece by piece (CURLOPT_READFUNCTION).
struct Upload {
  std::string_view text;
  size_t sent = 0;
};

size_t read_message(char* buffer, size_t size, size_t count, void* user) {
  auto* upload = static_cast<Upload*>(user);
  const size_t n = std::min(size * count, upload->text.size() - upload->sent);
  std::memcpy(buffer, upload->text.data() + upload->sent, n);
  upload->sent += n;
  return n;
}

// The server's first error reply ("550 5.1.1 <...>: user unknown"), which
// says more than curl's "RCPT failed: 550". Only replies come here
// (CURLOPT_HEADERFUNCTION), never our commands, so AUTH's credentials
// cannot. A fixed buffer: the callback must not throw into C code.
struct ServerReply {
  std::array<char, 160> text{};
  size_t size = 0;
  bool seen = false;
};

size_t record_reply(char* line, size_t size, size_t count, void* user) {
  auto* reply = static_cast<ServerReply*>(user);
  const size_t n = size * count;
  const bool error = n >= 3 && (line[0] == '4' || line[0] == '5');
  if (error && !reply->seen) {
    reply->seen = true;
    for (size_t i = 0; i < n && reply->size < reply->text.size(); ++i) {
      const char c = line[i];
      if (c == '\r' || c == '\n') break;
      reply->text[reply->size++] = c >= 0x20 && c < 0x7F ? c : '?';
    }
  }
  return n;
}

std::string describe_failure(const SmtpConfig& config, CURLcode code, const char* curl_detail,
                             const ServerReply& reply) {
  std::string detail = config.url + ": ";
  detail += curl_detail[0] != '\0' ? curl_detail : curl_easy_strerror(code);
  if (reply.seen) {
    detail += " (server: " + std::string(reply.text.data(), reply.size) + ")";
  }
  return detail;
}

class SmtpMailer final : public Mailer {
 public:
  explicit SmtpMailer(SmtpConfig config) : config_(std::move(config)) {}
  SmtpMailer(const SmtpMailer&) = delete;
  SmtpMailer& operator=(const SmtpMailer&) = delete;
  // The password should not outlive the mailer in freed memory.
  ~SmtpMailer() override { sodium_memzero(config_.password.data(), config_.password.size()); }

  Status send(const Mail& mail) override {
    if (Status s = check_mail(mail); !s) return s;
    try {
      const auto now = std::chrono::system_clock::now().time_since_epoch();
      const int64_t seconds = std::chrono::duration_cast<std::chrono::seconds>(now).count();
      return transfer(mail.to, format_message(mail, config_.from, seconds));
    } catch (const std::bad_alloc&) {
      return fail("mail_failed", "out of memory");
    }
  }

 private:
  Status transfer(const std::string& to, const std::string& message) const {
    // Declared before the handle, so destroyed after it: curl_easy_cleanup
    // may still send QUIT and call record_reply.
    Upload upload{message};
    ServerReply reply;
    std::array<char, CURL_ERROR_SIZE> curl_detail{};
    const std::string envelope_from = "<" + config_.from + ">";
    const Slist recipients(curl_slist_append(nullptr, ("<" + to + ">").c_str()));
    const EasyHandle curl(curl_easy_init());
    if (!curl || !recipients) return fail("mail_failed", "curl: cannot allocate a handle");

    bool ok = set_common_options(curl.get(), curl_detail.data());
    ok = ok && curl_easy_setopt(curl.get(), CURLOPT_MAIL_FROM, envelope_from.c_str()) == CURLE_OK;
    ok = ok && curl_easy_setopt(curl.get(), CURLOPT_MAIL_RCPT, recipients.get()) == CURLE_OK;
    ok = ok && curl_easy_setopt(curl.get(), CURLOPT_UPLOAD, 1L) == CURLE_OK;
    ok = ok && curl_easy_setopt(curl.get(), CURLOPT_READFUNCTION, read_message) == CURLE_OK;
    ok = ok && curl_easy_setopt(curl.get(), CURLOPT_READDATA, &upload) == CURLE_OK;
    ok = ok && curl_easy_setopt(curl.get(), CURLOPT_HEADERFUNCTION, record_reply) == CURLE_OK;
    ok = ok && curl_easy_setopt(curl.get(), CURLOPT_HEADERDATA, &reply) == CURLE_OK;
    if (!ok) return fail("mail_failed", "curl: an option was refused (libcurl too old?)");

    const CURLcode code = curl_easy_perform(curl.get());
    if (code != CURLE_OK) {
      return fail("mail_failed", describe_failure(config_, code, curl_detail.data(), reply));
    }
    return {};
  }

  // What every send shares: server, credentials, TLS, limits.
  bool set_common_options(CURL* curl, char* error_buffer) const {
    bool ok = curl_easy_setopt(curl, CURLOPT_URL, config_.url.c_str()) == CURLE_OK;
    // A redirect or a typo must not turn the mailer into a client of another protocol.
    ok = ok && curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "smtp,smtps") == CURLE_OK;
    ok = ok && curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, error_buffer) == CURLE_OK;
    // Worker threads: no SIGALRM-based DNS timeouts.
    ok = ok && curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L) == CURLE_OK;
    ok = ok && curl_easy_setopt(curl, CURLOPT_TIMEOUT, config_.timeout_seconds) == CURLE_OK;
    if (config_.starttls) {
      ok = ok &&
           curl_easy_setopt(curl, CURLOPT_USE_SSL, static_cast<long>(CURLUSESSL_ALL)) == CURLE_OK;
    }
    if (!config_.username.empty()) {
      ok = ok && curl_easy_setopt(curl, CURLOPT_USERNAME, config_.username.c_str()) == CURLE_OK;
      ok = ok && curl_easy_setopt(curl, CURLOPT_PASSWORD, config_.password.c_str()) == CURLE_OK;
    }
    return ok;
  }

  SmtpConfig config_;
};

}  // namespace

// curl_global_init is not thread-safe and must precede every other curl
// call; it is never undone (curl_global_cleanup) because the senders live
// as long as the process.
Status init_curl_once() {
  static std::once_flag once;
  static CURLcode code = CURLE_OK;
  std::call_once(once, [] { code = curl_global_init(CURL_GLOBAL_DEFAULT); });
  if (code != CURLE_OK)
    return fail("mail_failed", std::string("curl: ") + curl_easy_strerror(code));
  return {};
}

bool is_loopback_http(const std::string& url) {
  for (const char* p : {"http://127.", "http://localhost:", "http://localhost/", "http://[::1]"}) {
    if (url.rfind(p, 0) == 0) return true;
  }
  return false;
}

Result<std::unique_ptr<Mailer>> make_smtp_mailer(const SmtpConfig& config) {
  try {
    if (Status s = init_curl_once(); !s) return s.error();
    if (Status s = check_config(config); !s) return s.error();
    return std::unique_ptr<Mailer>(std::make_unique<SmtpMailer>(config));
  } catch (const std::bad_alloc&) {
    return fail("bad_config", "out of memory");
  }
}

}  // namespace isoloir::server

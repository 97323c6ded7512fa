// Text messages: the operator's HTTP gateway (libcurl, one handle per
// message) or an outbox directory. See isoloir/server/sms.h.
#include <curl/curl.h>

#include <memory>
#include <new>
#include <string>
#include <utility>

#include "isoloir/canonical_json.h"
#include "isoloir/server/sms.h"
#include "net/mail_curl.h"
#include "net/mail_outbox_dir.h"
#include "text/text.h"

namespace isoloir::server {
namespace {

constexpr size_t kMaxText = 640;
constexpr long kMaxTimeoutSeconds = 600;

struct SlistDeleter {
  void operator()(curl_slist* list) const { curl_slist_free_all(list); }
};

bool has_control(std::string_view s) {
  for (unsigned char c : s) {
    if ((c < 0x20 && c != '\n') || c == 0x7f) return true;
  }
  return false;
}

// The message checked and its number normalised, before any sending.
Result<Sms> checked(const Sms& sms) {
  Result<std::string> to = text::normalize_phone(sms.to);
  if (!to) return to.error();
  if (sms.text.empty() || sms.text.size() > kMaxText || has_control(sms.text)) {
    return fail("bad_sms", "the text must be 1 to 640 bytes without control characters");
  }
  return Sms{*to, sms.text};
}

// Keeps the start of the gateway's answer for the error detail.
size_t keep_answer(char* data, size_t size, size_t n, void* user) {
  auto* out = static_cast<std::string*>(user);
  const size_t len = size * n;
  if (out->size() < 200) out->append(data, std::min(len, 200 - out->size()));
  return len;
}

class GatewaySender final : public SmsSender {
 public:
  explicit GatewaySender(SmsGatewayConfig config) : config_(std::move(config)) {}

  Status send(const Sms& sms) override {
    Result<Sms> ok = checked(sms);
    if (!ok) return ok.error();
    try {
      return post(*ok);
    } catch (const std::bad_alloc&) {
      return fail("sms_failed", "out of memory");
    }
  }

 private:
  Status post(const Sms& sms) {
    Json body = Json::object();
    body["to"] = sms.to;
    body["text"] = sms.text;
    const std::string payload = body.dump();
    const std::string auth = "Authorization: Bearer " + config_.token;
    const std::unique_ptr<CURL, EasyDeleter> curl(curl_easy_init());
    if (!curl) return fail("sms_failed", "curl: cannot make a handle");
    curl_slist* raw = curl_slist_append(nullptr, "Content-Type: application/json");
    raw = raw != nullptr ? curl_slist_append(raw, auth.c_str()) : nullptr;
    const std::unique_ptr<curl_slist, SlistDeleter> headers(raw);
    if (!headers) return fail("sms_failed", "out of memory");
    std::string answer;
    CURL* c = curl.get();
    bool set = curl_easy_setopt(c, CURLOPT_URL, config_.url.c_str()) == CURLE_OK;
    set = set && curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https") == CURLE_OK;
    set = set && curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers.get()) == CURLE_OK;
    set = set && curl_easy_setopt(c, CURLOPT_POSTFIELDS, payload.c_str()) == CURLE_OK;
    set = set &&
          curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, static_cast<long>(payload.size())) == CURLE_OK;
    set = set && curl_easy_setopt(c, CURLOPT_TIMEOUT, config_.timeout_seconds) == CURLE_OK;
    set = set && curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L) == CURLE_OK;
    set = set && curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, keep_answer) == CURLE_OK;
    set = set && curl_easy_setopt(c, CURLOPT_WRITEDATA, &answer) == CURLE_OK;
    if (!set) return fail("sms_failed", "curl: cannot set the request up");
    const CURLcode rc = curl_easy_perform(c);
    if (rc != CURLE_OK) {
      return fail("sms_failed", config_.url + ": " + curl_easy_strerror(rc));
    }
    long status = 0;
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
    if (status < 200 || status > 299) {
      return fail("sms_failed", config_.url + ": the gateway answered " + std::to_string(status) +
                                    (answer.empty() ? "" : " (" + answer + ")"));
    }
    return {};
  }

  const SmsGatewayConfig config_;
};

class OutboxSender final : public SmsSender {
 public:
  explicit OutboxSender(std::unique_ptr<OutboxDir> dir) : dir_(std::move(dir)) {}

  Status send(const Sms& sms) override {
    Result<Sms> ok = checked(sms);
    if (!ok) return ok.error();
    return dir_->store("To: " + ok->to + "\n\n" + ok->text + "\n", ".sms", "sms_failed");
  }

 private:
  const std::unique_ptr<OutboxDir> dir_;
};

}  // namespace

Result<std::unique_ptr<SmsSender>> make_sms_gateway(const SmsGatewayConfig& config) {
  const bool https = config.url.rfind("https://", 0) == 0;
  if (!https && !is_loopback_http(config.url)) {
    return fail("bad_config", "sms url: https://, or http:// to the loopback only");
  }
  if (config.timeout_seconds < 1 || config.timeout_seconds > kMaxTimeoutSeconds) {
    return fail("bad_config", "sms timeout: 1 to 600 seconds");
  }
  if (Status s = init_curl_once(); !s) return fail("bad_config", s.error().detail);
  return std::unique_ptr<SmsSender>(std::make_unique<GatewaySender>(config));
}

Result<std::unique_ptr<SmsSender>> make_sms_outbox(const std::string& dir) {
  Result<std::unique_ptr<OutboxDir>> outbox = OutboxDir::open(dir);
  if (!outbox) return outbox.error();
  return std::unique_ptr<SmsSender>(std::make_unique<OutboxSender>(std::move(*outbox)));
}

}  // namespace isoloir::server

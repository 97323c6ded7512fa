// Text messages to voters' phones (the re-issue link, issue 5): behind one
// interface, an HTTP gateway (the operator's SMS provider: a POST of JSON
// {"to", "text"} with a bearer token, any 2xx meaning accepted) and an
// outbox directory for the demo and the tests (one .sms file per message).
#ifndef ISOLOIR_SERVER_SMS_H_
#define ISOLOIR_SERVER_SMS_H_

#include <memory>
#include <string>
#include <string_view>

#include "isoloir/result.h"

namespace isoloir::server {

struct Sms {
  std::string to;    // the phone number as registered ("06 12 34 56 78", "+33612345678")
  std::string text;  // UTF-8, at most 640 bytes (four concatenated messages)
};

class SmsSender {
 public:
  virtual ~SmsSender() = default;
  // Sends or stores one message. Thread-safe. "bad_sms" (a number that is
  // not one, an empty or too long text), "sms_failed" (the gateway or the
  // disk refused; the detail never holds the token).
  virtual Status send(const Sms& sms) = 0;
};

struct SmsGatewayConfig {
  std::string url;    // https://sms.example.org/v1/messages (http:// only to the loopback)
  std::string token;  // sent as "Authorization: Bearer TOKEN"
  long timeout_seconds = 20;
};

// "bad_config" for a URL that is not http(s), plain http to another host
// than the loopback, or a timeout outside 1..600.
Result<std::unique_ptr<SmsSender>> make_sms_gateway(const SmsGatewayConfig& config);

// Writes "<unix-ms>-<counter>.sms" files (mode 0600; "To: +33...", a blank
// line, the text) into `dir`, created mode 0700 if missing.
Result<std::unique_ptr<SmsSender>> make_sms_outbox(const std::string& dir);

}  // namespace isoloir::server

#endif  // ISOLOIR_SERVER_SMS_H_

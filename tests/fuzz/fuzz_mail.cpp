// Mail composition with hostile addresses, subjects and bodies: what the
// portal takes as an e-mail address (text::plain_email) the mailer must
// accept (finding 10 of issue 9: a misleading 503), and every message the
// mailer formats is well formed: CRLF line ends only, lines of at most 998
// octets, exactly one To header carrying exactly the address, and nothing
// from the subject or body that starts a header line of its own.
// Input: "TO\n@@\nSUBJECT\n@@\nBODY".
#include <string>

#include "fuzz_support.h"
#include "net/mail_message.h"
#include "text/text.h"

namespace {

void check_formatted(const std::string& message, const isoloir::server::Mail& mail) {
  const size_t end_of_headers = message.find("\r\n\r\n");
  FUZZ_CHECK(end_of_headers != std::string::npos);
  size_t to_headers = 0;
  size_t start = 0;
  while (start < message.size()) {
    const size_t eol = message.find("\r\n", start);
    FUZZ_CHECK(eol != std::string::npos);  // the message ends with CRLF
    const std::string_view line(message.data() + start, eol - start);
    FUZZ_CHECK(line.size() <= 998);
    FUZZ_CHECK(line.find('\r') == std::string_view::npos);
    FUZZ_CHECK(line.find('\n') == std::string_view::npos);
    if (start < end_of_headers) {
      // A header line: a field of our own or a folded continuation.
      const bool folded = !line.empty() && (line[0] == ' ' || line[0] == '\t');
      if (!folded) {
        const size_t colon = line.find(':');
        FUZZ_CHECK(colon != std::string_view::npos);
        const std::string_view name = line.substr(0, colon);
        FUZZ_CHECK(name == "From" || name == "To" || name == "Subject" || name == "Date" ||
                   name == "Message-ID" || name == "Auto-Submitted" || name == "MIME-Version" ||
                   name == "Content-Type" || name == "Content-Transfer-Encoding");
        if (name == "To") {
          ++to_headers;
          FUZZ_CHECK(line.substr(colon + 1) == " " + mail.to);
        }
      }
    }
    start = eol + 2;
  }
  FUZZ_CHECK(to_headers == 1);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const auto parts = isoloir::fuzz::split(isoloir::fuzz::as_text(data, size), "\n@@\n", 3);
  isoloir::server::Mail mail{std::string(parts[0]), std::string(parts[1]), std::string(parts[2])};
  if (isoloir::text::plain_email(mail.to)) {
    FUZZ_CHECK(isoloir::server::valid_address(mail.to));
  }
  if (!isoloir::server::check_mail(mail)) return 0;
  check_formatted(isoloir::server::format_message(mail, "urne@isoloir.example", 1'700'000'000),
                  mail);
  return 0;
}

// The message both mailers send: validation of a Mail and its RFC 5322 text.
// Internal to isoloir_net (and its tests).
#ifndef ISOLOIR_SERVER_MAIL_MESSAGE_H_
#define ISOLOIR_SERVER_MAIL_MESSAGE_H_

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "isoloir/result.h"
#include "isoloir/server/mailer.h"

namespace isoloir::server {

// A body larger than this is refused: our mails are a few lines, so a huge
// one is a bug, and it would sit in memory once per worker thread.
inline constexpr size_t kMaxBodyBytes = size_t{1} << 20;
inline constexpr size_t kMaxSubjectBytes = 400;

// One plain address "local@domain": one '@', both sides non-empty, at most
// 254 bytes, printable ASCII without spaces, quotes, '<', '>', ',' or ';'.
// Stricter than RFC 5321 on purpose: no quoted local parts, no comments, no
// lists, nothing a header or an SMTP command could be smuggled through.
bool valid_address(std::string_view address);

// "bad_mail" naming the field at fault: an invalid `to`, a subject with a
// control character (CR, LF, NUL...), invalid UTF-8, too long; an empty,
// non-UTF-8, NUL-bearing or too large body.
Status check_mail(const Mail& mail);

// The whole message: headers, a blank line, the quoted-printable body; every
// line ends with CRLF. `mail` must have passed check_mail and `from`
// valid_address. The Message-ID is random, so two calls differ there.
std::string format_message(const Mail& mail, const std::string& from, int64_t unix_seconds);

// RFC 5322 date-time in UTC, e.g. "Thu, 01 Jan 1970 00:00:00 +0000".
std::string rfc5322_date(int64_t unix_seconds);

// The Subject header's value: as is when short printable ASCII, else RFC
// 2047 encoded-words of at most 75 characters, never splitting a UTF-8
// character, folded with CRLF SP.
std::string encode_subject(std::string_view subject);

// RFC 2045 quoted-printable with lines of at most 76 characters and CRLF
// hard breaks for "\n" (or "\r\n"); a body not ending with a line break ends
// with a soft break, so that decoding gives back the exact text.
std::string encode_quoted_printable(std::string_view text);

// The inverse, for tests and tools reading the outbox: hard breaks become
// "\n". std::nullopt on a malformed escape.
std::optional<std::string> decode_quoted_printable(std::string_view encoded);

}  // namespace isoloir::server

#endif  // ISOLOIR_SERVER_MAIL_MESSAGE_H_

#include "net/mail_message.h"

#include "text/text.h"

#include <sodium.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <ctime>

#include "isoloir/bytes.h"
#include "isoloir/random.h"

namespace isoloir::server {
namespace {

constexpr size_t kMaxAddressBytes = 254;  // RFC 5321 section 4.5.3.1.3, via its errata
constexpr size_t kQpLineMax = 76;         // RFC 2045 section 6.7, rule 5
// 42 bytes of UTF-8 are 56 base64 characters: "=?UTF-8?B?" + 56 + "?=" is
// 68, so even the first line "Subject: " + word stays within 78 characters.
constexpr size_t kSubjectChunkBytes = 42;
constexpr std::string_view kHexDigits = "0123456789ABCDEF";

bool is_continuation(unsigned char c) {
  return (c & 0xC0) == 0x80;
}

// Characters that would let an address break out of a header or an SMTP
// command, or that only quoted or commented forms (which we refuse) use.
bool address_char_ok(char c) {
  if (c <= 0x20 || c >= 0x7F) return false;  // controls, space, DEL, non-ASCII
  static constexpr std::string_view kSpecials = "<>()[]\\,;:\"";
  return kSpecials.find(c) == std::string_view::npos;
}

std::string_view domain_of(std::string_view address) {
  const size_t at = address.find('@');
  return at == std::string_view::npos ? std::string_view() : address.substr(at + 1);
}

// Mail headers refuse every C0 control and DEL: CR and LF would start a new
// header (injection), NUL truncates in C code downstream, the rest has no
// business in a subject.
std::optional<size_t> first_control(std::string_view s) {
  for (size_t i = 0; i < s.size(); ++i) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x20 || c == 0x7F) return i;
  }
  return std::nullopt;
}

Status check_subject(std::string_view subject) {
  if (const auto pos = first_control(subject)) {
    return fail("bad_mail", "subject: control character at byte " + std::to_string(*pos));
  }
  if (subject.size() > kMaxSubjectBytes) {
    return fail("bad_mail", "subject: longer than " + std::to_string(kMaxSubjectBytes) + " bytes");
  }
  if (!text::valid_utf8(subject)) return fail("bad_mail", "subject: not UTF-8");
  return {};
}

Status check_body(std::string_view body) {
  if (body.empty()) return fail("bad_mail", "body: empty");
  if (body.size() > kMaxBodyBytes) {
    return fail("bad_mail", "body: larger than " + std::to_string(kMaxBodyBytes) + " bytes");
  }
  if (body.find('\0') != std::string_view::npos) return fail("bad_mail", "body: NUL byte");
  if (!text::valid_utf8(body)) return fail("bad_mail", "body: not UTF-8");
  return {};
}

bool is_plain_ascii_subject(std::string_view subject) {
  for (const char c : subject) {
    if (c < 0x20 || c > 0x7E) return false;
  }
  // "=?" would read as the start of an encoded-word to a mail client.
  return subject.find("=?") == std::string_view::npos &&
         std::string_view("Subject: ").size() + subject.size() <= 78;
}

std::string base64(std::string_view bytes) {
  std::string out(sodium_base64_ENCODED_LEN(bytes.size(), sodium_base64_VARIANT_ORIGINAL), '\0');
  sodium_bin2base64(out.data(), out.size(), reinterpret_cast<const unsigned char*>(bytes.data()),
                    bytes.size(), sodium_base64_VARIANT_ORIGINAL);
  out.resize(out.size() - 1);  // the terminating NUL
  return out;
}

// Appends "=XX".
void append_escaped(std::string& out, unsigned char c) {
  out += '=';
  out += kHexDigits[c >> 4];
  out += kHexDigits[c & 0x0F];
}

// One character of a line as quoted-printable: literal when printable, else
// "=XX"; spaces and tabs at the end of a line are escaped because transports
// may strip trailing whitespace.
std::string qp_token(unsigned char c, bool last_of_line) {
  std::string token;
  const bool whitespace = c == ' ' || c == '\t';
  if ((c >= 33 && c <= 126 && c != '=') || (whitespace && !last_of_line)) {
    token += static_cast<char>(c);
  } else {
    append_escaped(token, c);
  }
  return token;
}

// Encodes one line of the text (no line break inside) with soft breaks
// "=CRLF" keeping every output line within 76 characters. With
// `soft_end` the line itself ends in a soft break (text without a final
// line break), so its last token has one character less of room.
void append_qp_line(std::string& out, std::string_view line, bool soft_end) {
  size_t width = 0;
  for (size_t i = 0; i < line.size(); ++i) {
    const bool last = i + 1 == line.size();
    const std::string token = qp_token(static_cast<unsigned char>(line[i]), last);
    // A soft break needs one column for its "=".
    const size_t room = last && !soft_end ? kQpLineMax : kQpLineMax - 1;
    if (width + token.size() > room) {
      out += "=\r\n";
      width = 0;
    }
    out += token;
    width += token.size();
  }
  if (soft_end) out += "=\r\n";
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

// Decodes one encoded line (without its line break); false on a bad escape.
bool decode_qp_line(std::string_view line, std::string& out) {
  for (size_t i = 0; i < line.size(); ++i) {
    if (line[i] != '=') {
      out += line[i];
      continue;
    }
    if (line.size() - i < 3) return false;  // '=' and two hex digits
    const int hi = hex_value(line[i + 1]);
    const int lo = hex_value(line[i + 2]);
    if (hi < 0 || lo < 0) return false;
    out += static_cast<char>(hi * 16 + lo);
    i += 2;
  }
  return true;
}

std::string message_id(std::string_view from) {
  std::array<uint8_t, 16> random{};
  ensure_sodium();
  randombytes_buf(random.data(), random.size());
  return "<" + hex_encode(ByteView(random.data(), random.size())) + "@" +
         std::string(domain_of(from)) + ">";
}

}  // namespace

bool valid_address(std::string_view address) {
  if (address.size() > kMaxAddressBytes) return false;
  const size_t at = address.find('@');
  if (at == std::string_view::npos || at == 0 || at + 1 == address.size()) return false;
  if (address.find('@', at + 1) != std::string_view::npos) return false;
  for (const char c : address) {
    if (c != '@' && !address_char_ok(c)) return false;
  }
  return true;
}

Status check_mail(const Mail& mail) {
  if (!valid_address(mail.to)) return fail("bad_mail", "to: not a single plain address");
  if (Status s = check_subject(mail.subject); !s) return s;
  return check_body(mail.body);
}

std::string rfc5322_date(int64_t unix_seconds) {
  static constexpr std::array<const char*, 7> kDays = {"Sun", "Mon", "Tue", "Wed",
                                                       "Thu", "Fri", "Sat"};
  static constexpr std::array<const char*, 12> kMonths = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                          "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  const auto t = static_cast<time_t>(unix_seconds);
  struct tm tm {};
  if (gmtime_r(&t, &tm) == nullptr || tm.tm_year + 1900 > 9999 || tm.tm_year + 1900 < 0) {
    return "Thu, 01 Jan 1970 00:00:00 +0000";  // unreachable for a real clock
  }
  std::array<char, 40> buf{};
  std::snprintf(buf.data(), buf.size(), "%s, %02d %s %04d %02d:%02d:%02d +0000",
                kDays.at(static_cast<size_t>(tm.tm_wday)), tm.tm_mday,
                kMonths.at(static_cast<size_t>(tm.tm_mon)), tm.tm_year + 1900, tm.tm_hour,
                tm.tm_min, tm.tm_sec);
  return buf.data();
}

std::string encode_subject(std::string_view subject) {
  if (is_plain_ascii_subject(subject)) return std::string(subject);
  std::string out;
  size_t pos = 0;
  while (pos < subject.size()) {
    size_t len = std::min(kSubjectChunkBytes, subject.size() - pos);
    // Back off so that the chunk does not end inside a UTF-8 character.
    while (pos + len < subject.size() &&
           is_continuation(static_cast<unsigned char>(subject[pos + len]))) {
      --len;
    }
    if (!out.empty()) out += "\r\n ";
    out += "=?UTF-8?B?" + base64(subject.substr(pos, len)) + "?=";
    pos += len;
  }
  return out;
}

std::string encode_quoted_printable(std::string_view text) {
  std::string out;
  out.reserve(text.size() + text.size() / 8);
  size_t start = 0;
  for (;;) {
    const size_t nl = text.find('\n', start);
    if (nl == std::string_view::npos) {
      // The rest has no line break: empty when the text ended with one.
      const std::string_view rest = text.substr(start);
      if (!rest.empty()) append_qp_line(out, rest, /*soft_end=*/true);
      return out;
    }
    size_t end = nl;
    if (end > start && text[end - 1] == '\r') --end;  // "\r\n" is one line break
    append_qp_line(out, text.substr(start, end - start), /*soft_end=*/false);
    out += "\r\n";
    start = nl + 1;
  }
}

std::optional<std::string> decode_quoted_printable(std::string_view encoded) {
  std::string out;
  size_t start = 0;
  while (start < encoded.size()) {
    const size_t nl = encoded.find('\n', start);
    const bool terminated = nl != std::string_view::npos;
    std::string_view line = encoded.substr(start, terminated ? nl - start : std::string::npos);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    // Trailing whitespace was added in transport (RFC 2045 section 6.7, rule 3).
    while (!line.empty() && (line.back() == ' ' || line.back() == '\t')) line.remove_suffix(1);
    const bool soft = !line.empty() && line.back() == '=';
    if (soft) line.remove_suffix(1);
    if (!decode_qp_line(line, out)) return std::nullopt;
    if (terminated && !soft) out += '\n';
    start = terminated ? nl + 1 : encoded.size();
  }
  return out;
}

std::string format_message(const Mail& mail, const std::string& from, int64_t unix_seconds) {
  std::string m;
  m.reserve(mail.body.size() * 11 / 10 + 512);
  m += "From: " + from + "\r\n";
  m += "To: " + mail.to + "\r\n";
  m += "Subject: " + encode_subject(mail.subject) + "\r\n";
  m += "Date: " + rfc5322_date(unix_seconds) + "\r\n";
  m += "Message-ID: " + message_id(from) + "\r\n";
  // RFC 3834: tells autoresponders (out of office...) not to answer us.
  m += "Auto-Submitted: auto-generated\r\n";
  m += "MIME-Version: 1.0\r\n";
  m += "Content-Type: text/plain; charset=UTF-8\r\n";
  m += "Content-Transfer-Encoding: quoted-printable\r\n";
  m += "\r\n";
  m += encode_quoted_printable(mail.body);
  return m;
}

}  // namespace isoloir::server

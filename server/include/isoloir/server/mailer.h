// The server's outgoing mail: password resets and notices to electors. Two
// interchangeable back ends behind one interface: an outbox directory (the
// demo and the tests read the links from files) and SMTP through libcurl.
// Both format the same RFC 5322 message: UTF-8 text/plain in
// quoted-printable, CRLF line endings, RFC 2047 subject when not ASCII.
#ifndef ISOLOIR_SERVER_MAILER_H_
#define ISOLOIR_SERVER_MAILER_H_

#include <memory>
#include <string>

#include "isoloir/result.h"

namespace isoloir::server {

struct Mail {
  std::string to;       // one address, e.g. "jeanne.dupont@ac-paris.fr"
  std::string subject;  // UTF-8, may contain accents ("Réinitialisation de votre mot de passe")
  std::string body;     // UTF-8 plain text, may contain accents and long URLs; "\n" or
                        // "\r\n" ends a line
};

class Mailer {
 public:
  virtual ~Mailer() = default;
  // Sends or stores one mail. Thread-safe (called from many HTTP worker threads).
  // Errors as values: "bad_mail" (invalid address, CR/LF/NUL in the address or subject,
  // empty body...), "mail_failed" (the SMTP server or the disk refused; the detail says why,
  // never includes a password).
  virtual Status send(const Mail& mail) = 0;
};

struct SmtpConfig {
  std::string url;       // "smtp://127.0.0.1:2525", "smtps://host:465" or "smtp://host:587"
  std::string from;      // envelope and header From address
  std::string username;  // empty: no AUTH
  std::string password;
  bool starttls = false;  // require STARTTLS on smtp:// (CURLUSESSL_ALL)
  long timeout_seconds = 20;
};

// Writes each mail as an RFC 5322 message file "<unix-ms>-<counter>.eml" in `dir` (created mode
// 0700 if missing); written to a temporary name, fsynced, then renamed, so a reader never sees a
// half mail. For the demo and the tests: whoever reads the directory gets the links.
// The "rename" is link(2) then unlink(2), which never replaces an existing mail; files are mode
// 0600; both numbers are zero-padded so that the names sort in send order. "bad_config" for an
// invalid `from` or a directory that cannot be created, opened or written.
Result<std::unique_ptr<Mailer>> make_outbox_mailer(const std::string& dir, const std::string& from);

// Sends through SMTP with libcurl (Debian's libcurl4-openssl-dev, already installed), one
// connection per mail (curl easy handle per send, so sends on different threads are independent).
// "bad_config" for an invalid `from`, a URL that is not smtp:// or smtps:// (or carries
// credentials), a timeout outside 1..600 seconds, or a password that would cross the network in
// clear (AUTH on smtp:// without STARTTLS to a host other than the loopback).
Result<std::unique_ptr<Mailer>> make_smtp_mailer(const SmtpConfig& config);

}  // namespace isoloir::server

#endif  // ISOLOIR_SERVER_MAILER_H_

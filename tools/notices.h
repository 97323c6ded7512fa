// The registrar's printed notices (issue 5): one A4 page per voter with the
// voter's name, how to vote and the initial vote code, as one PDF drawn with
// cairo. The code is a secret: the caller holds it in wiped memory and this
// module copies it nowhere but into the PDF.
#ifndef ISOLOIR_TOOLS_NOTICES_H_
#define ISOLOIR_TOOLS_NOTICES_H_

#include <string>
#include <vector>

#include "isoloir/result.h"
#include "isoloir/secret_bytes.h"

namespace isoloir::cli {

// "ABCDE-FGHJK-MNPQR-STVWX" (display_vote_code's form) and a terminating NUL.
inline constexpr size_t kDisplayCodeBytes = 24;

// What differs from one page to the next.
struct Notice {
  std::string name;                   // as on the electoral list (UTF-8)
  std::string identifier;             // the login identifier (e-mail)
  std::vector<std::string> address;   // postal lines under the name, "code city" last; may be empty
  std::vector<std::string> scrutins;  // titles of the scrutins the voter may vote in
  SecretBytes<kDisplayCodeBytes> code;  // display form, NUL-terminated; wiped with the notice
};

// What every page says.
struct NoticeText {
  std::string election_title;
  std::string election_id;
  std::string portal_url;  // may be empty: the text then names no address
  std::string period;      // french_voting_period(opens_at, closes_at)
};

// Writes every notice, one page each, to `path` (created mode 0600 if absent,
// truncated otherwise) and flushes it to disk. Errors: "unwritable" (with the
// path and the system's message) or "pdf" (cairo's).
Status write_notices(const std::string& path, const std::vector<Notice>& notices,
                     const NoticeText& text);

}  // namespace isoloir::cli

#endif  // ISOLOIR_TOOLS_NOTICES_H_

// The voter file the registrar hands to the urn: one row per voter with the
// identifier e-mail, the name, the scrutins the voter may vote in, the public
// credential made from the voter's initial code, and the pseudonym under
// which the election record lists that credential. Columns and format are
// documented in docs/urn-storage.md.
#ifndef ISOLOIR_URN_VOTER_FILE_H_
#define ISOLOIR_URN_VOTER_FILE_H_

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "isoloir/result.h"

namespace isoloir::urn {

struct VoterRow {
  std::string identifier;             // e-mail, the login identifier
  std::string name;                   // as shown on the electoral list
  std::vector<std::string> scrutins;  // manifest scrutin ids
  std::string credential;             // base64url Ed25519 public credential
  std::string pseudonym;              // the voter's name in the public record
  std::string numen;                  // re-issue (issue 5); may be empty
  std::string challenge;              // re-issue challenge data; may be empty
  std::string phone;                  // may be empty
  size_t line = 0;                    // where the row starts in its file (0: not from a file)

  // "line N" for a row from a file, else "row I" with the given 0-based index.
  std::string where(size_t index) const;
};

// The columns, in the order the header row must list them.
inline constexpr std::string_view kVoterFileHeader =
    "identifier,name,scrutins,credential,pseudonym,numen,challenge,phone";

// Parses a voter file: CSV per RFC 4180 (comma separator, fields optionally
// in double quotes, "" for a quote inside quotes, quoted fields may hold
// commas and line breaks; CRLF or LF line ends; a UTF-8 BOM is skipped),
// UTF-8 text, a header row exactly kVoterFileHeader, then one voter per
// record; `scrutins` holds ids separated by spaces. Blank lines are skipped.
// The first fault is "bad_voter_file" with a detail that starts "line N:".
// Only the syntax is checked here: Urn::import_voters checks the values.
Result<std::vector<VoterRow>> parse_voter_csv(std::string_view text);

}  // namespace isoloir::urn

#endif  // ISOLOIR_URN_VOTER_FILE_H_

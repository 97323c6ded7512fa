// The bureau de vote's printed documents (issue 10): the procès-verbal of the
// results and the émargement list (who voted, when), drawn with cairo's PDF
// surface in the notices' style (tools/notices.cpp), and the émargement list
// as CSV. Pure drawing from the structs below: no file format of the protocol
// is read here; the caller (isoloir-admin) fills them from the record and the
// urn. Dates are printed in Paris time (tools/paris_time.h). See
// docs/reports.md.
#ifndef ISOLOIR_TOOLS_REPORTS_H_
#define ISOLOIR_TOOLS_REPORTS_H_

#include <cstdint>
#include <string>
#include <vector>

#include "isoloir/result.h"

namespace isoloir::reports {

// --- The procès-verbal ----------------------------------------------------------

struct PvOption {
  std::string label;   // as in the manifest (UTF-8)
  bool blank = false;  // the blank vote: counted in "blancs", not in "exprimés"
  uint64_t count = 0;
};

struct PvScrutin {
  std::string id;
  std::string title;
  uint64_t registered = 0;        // inscrits
  uint64_t votes = 0;             // votants: ballots in the urn
  std::vector<PvOption> options;  // manifest order; printed in this order
};

struct PvData {
  std::string election_title;
  std::string election_id;
  std::string election_hash;  // the manifest's hash, as the record shows it
  uint64_t tree_size = 0;     // the close's tree head
  std::string tree_root;
  int64_t closed_at = 0;  // Unix seconds
  bool early_close = false;
  int64_t generated_at = 0;  // Unix seconds; also the PDF's creation date
  std::vector<PvScrutin> scrutins;
};

// Writes the procès-verbal to `path` (created mode 0600 if absent, truncated
// otherwise, then flushed to disk): the election, per scrutin the inscrits,
// votants, taux de participation, blancs (the blank options' counts),
// exprimés (votants − blancs), each list's votes and share of the exprimés;
// the record's fingerprint; the signature area; "page X / Y" on every page.
// Errors: "bad_report" (blancs > votants or votants > inscrits in a scrutin,
// named), "unwritable" (the path and the system's message), "pdf" (cairo's).
Status write_pv_pdf(const std::string& path, const PvData& data);

// --- The émargement list --------------------------------------------------------

struct EmargementRow {
  std::string name;        // as on the electoral list
  std::string identifier;  // login identifier (e-mail)
  std::string scrutin_title;
  int64_t voted_at = 0;  // Unix seconds
};

// The list as CSV (RFC 4180: CRLF line ends, fields with a comma, a quote or
// a line break quoted, quotes doubled), rows in the caller's order, after the
// header line
//   name,identifier,scrutin,voted_at_utc,voted_at_paris
// voted_at_utc is RFC 3339 UTC ("2026-12-01T08:03:12Z"), voted_at_paris the
// same instant in Paris time with its offset ("2026-12-01T09:03:12+01:00").
// A cell starting with = + - @ (or a tab or carriage return) gets a leading
// ' so that a spreadsheet shows it as text instead of running it as a formula.
std::string emargement_csv(const std::vector<EmargementRow>& rows);

// Writes the list as a PDF (same file handling and errors as write_pv_pdf,
// except "bad_report"): a table N°, name, identifier, voted at ("01/12/2026
// 09:03:12", Paris time), the table's header repeated on every page, "page
// X / Y". `scrutin_title` heads the list; when it is empty the list is for
// several scrutins and the table gets a scrutin column.
Status write_emargement_pdf(const std::string& path, const std::string& election_title,
                            const std::string& scrutin_title,
                            const std::vector<EmargementRow>& rows, int64_t generated_at);

// --- Formatting, as the documents print it --------------------------------------

// 12345678 -> "12 345 678" (U+00A0 NO-BREAK SPACE between groups).
std::string french_number(uint64_t n);
// part/whole as a French percentage rounded half up to `decimals` (0..4)
// digits: (724, 1000, 1) -> "72,4 %" (U+00A0 before %). whole == 0 -> "—".
std::string french_percent(uint64_t part, uint64_t whole, int decimals);
// "2026-12-01T08:03:12Z".
std::string rfc3339_utc(int64_t unix_seconds);
// "2026-12-01T09:03:12+01:00", Paris time.
std::string rfc3339_paris(int64_t unix_seconds);
// "01/12/2026 09:03:12", Paris time.
std::string paris_numeric_time(int64_t unix_seconds);

}  // namespace isoloir::reports

#endif  // ISOLOIR_TOOLS_REPORTS_H_

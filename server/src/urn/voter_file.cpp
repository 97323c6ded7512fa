#include "isoloir/urn/voter_file.h"

#include <array>
#include <cstdint>

#include "text/text.h"

namespace isoloir::urn {
namespace {

Error bad(size_t line, const std::string& what) {
  return fail("bad_voter_file", "line " + std::to_string(line) + ": " + what);
}

struct Record {
  size_t line = 0;  // where it starts
  std::vector<std::string> fields;
};

// Splits RFC 4180 records, counting physical lines for the error messages.
Result<std::vector<Record>> split_records(std::string_view text) {
  std::vector<Record> out;
  size_t line = 1;
  size_t i = 0;
  while (i < text.size()) {
    Record rec;
    rec.line = line;
    std::string field;
    bool end_of_record = false;
    while (!end_of_record) {
      field.clear();
      if (i < text.size() && text[i] == '"') {
        ++i;
        for (;;) {
          if (i >= text.size()) return bad(rec.line, "a quoted field is not closed");
          const char c = text[i++];
          if (c == '"') {
            if (i < text.size() && text[i] == '"') {
              field += '"';
              ++i;
              continue;
            }
            break;
          }
          if (c == '\n') ++line;
          field += c;
        }
        if (i < text.size() && text[i] != ',' && text[i] != '\n' && text[i] != '\r') {
          return bad(line, "text after a closing quote");
        }
      } else {
        while (i < text.size() && text[i] != ',' && text[i] != '\n' && text[i] != '\r') {
          if (text[i] == '"') return bad(line, "a quote inside an unquoted field");
          field += text[i++];
        }
      }
      rec.fields.push_back(field);
      if (i >= text.size()) {
        end_of_record = true;
      } else if (text[i] == ',') {
        ++i;
      } else if (text[i] == '\r') {
        if (i + 1 >= text.size() || text[i + 1] != '\n') return bad(line, "a lone carriage return");
        i += 2;
        ++line;
        end_of_record = true;
      } else {  // '\n'
        ++i;
        ++line;
        end_of_record = true;
      }
    }
    // A blank line is one empty unquoted field: skip it.
    if (rec.fields.size() == 1 && rec.fields[0].empty()) continue;
    out.push_back(std::move(rec));
  }
  return out;
}

std::vector<std::string> split_spaces(const std::string& s) {
  std::vector<std::string> out;
  size_t i = 0;
  while (i < s.size()) {
    while (i < s.size() && s[i] == ' ') ++i;
    const size_t start = i;
    while (i < s.size() && s[i] != ' ') ++i;
    if (i > start) out.push_back(s.substr(start, i - start));
  }
  return out;
}

}  // namespace

std::string VoterRow::where(size_t index) const {
  return line != 0 ? "line " + std::to_string(line) : "row " + std::to_string(index);
}

Result<std::vector<VoterRow>> parse_voter_csv(std::string_view text) {
  if (text.substr(0, 3) == "\xEF\xBB\xBF") text.remove_prefix(3);  // Excel's BOM
  if (!text::valid_utf8(text)) {
    // Name the line of the first bad byte sequence.
    size_t line = 1;
    size_t good = 0;
    for (size_t end = 0; end <= text.size(); ++end) {
      if (end == text.size() || text[end] == '\n') {
        if (!text::valid_utf8(text.substr(good, end - good))) return bad(line, "not UTF-8");
        ++line;
        good = end + 1;
      }
    }
    return bad(line, "not UTF-8");
  }
  auto records = split_records(text);
  if (!records) return records.error();
  if (records->empty()) return bad(1, "no header row");
  const Record& header = records->front();
  std::string header_text;
  for (size_t k = 0; k < header.fields.size(); ++k) {
    header_text += (k == 0 ? "" : ",") + header.fields[k];
  }
  if (header_text != kVoterFileHeader) {
    return bad(header.line, "the header must be " + std::string(kVoterFileHeader));
  }
  constexpr size_t kColumns = 8;
  std::vector<VoterRow> rows;
  rows.reserve(records->size() - 1);
  for (size_t r = 1; r < records->size(); ++r) {
    const Record& rec = (*records)[r];
    if (rec.fields.size() != kColumns) {
      return bad(rec.line, std::to_string(rec.fields.size()) + " fields, expected " +
                               std::to_string(kColumns));
    }
    VoterRow row;
    row.line = rec.line;
    row.identifier = rec.fields[0];
    row.name = rec.fields[1];
    row.scrutins = split_spaces(rec.fields[2]);
    row.credential = rec.fields[3];
    row.pseudonym = rec.fields[4];
    row.numen = rec.fields[5];
    row.challenge = rec.fields[6];
    row.phone = rec.fields[7];
    rows.push_back(std::move(row));
  }
  return rows;
}

}  // namespace isoloir::urn

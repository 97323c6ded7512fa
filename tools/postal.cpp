#include "postal.h"

#include <array>
#include <cstdint>

#include "isoloir/urn/voter_file.h"

namespace isoloir::cli {
namespace {

constexpr size_t kUrnColumns = 8;
constexpr std::array<std::string_view, 5> kNames = {"address_line1", "address_line2",
                                                    "address_line3", "postal_code", "city"};

Error bad(size_t line, const std::string& what) {
  return fail("bad_voter_file", "line " + std::to_string(line) + ": " + what);
}

struct Record {
  size_t line = 0;
  std::vector<std::string> fields;
  size_t cut = 0;  // offset of the comma before field kUrnColumns (or the end)
  size_t end = 0;  // offset of the record's end (its line break, or the text's end)
};

// RFC 4180 records, as the urn's parser reads them (blank lines skipped).
Result<std::vector<Record>> split_records(std::string_view text, size_t start) {
  std::vector<Record> out;
  size_t line = 1;
  size_t i = start;
  while (i < text.size()) {
    Record rec;
    rec.line = line;
    rec.cut = std::string_view::npos;
    for (;;) {
      std::string field;
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
          field += text[i++];
        }
      }
      rec.fields.push_back(std::move(field));
      if (i < text.size() && text[i] == ',') {
        if (rec.fields.size() == kUrnColumns) rec.cut = i;
        ++i;
        continue;
      }
      rec.end = i;
      if (i < text.size() && text[i] == '\r') {
        if (i + 1 >= text.size() || text[i + 1] != '\n') return bad(line, "a lone carriage return");
        ++i;
      }
      if (i < text.size() && text[i] == '\n') {
        ++i;
        ++line;
      }
      break;
    }
    if (rec.cut == std::string_view::npos) rec.cut = rec.end;
    if (rec.fields.size() == 1 && rec.fields[0].empty()) continue;
    out.push_back(std::move(rec));
  }
  return out;
}

// Decodes strict UTF-8 (no overlong forms, no surrogates, nothing past
// U+10FFFF); false on the first bad sequence.
bool decode_utf8(std::string_view s, std::vector<uint32_t>& out) {
  size_t i = 0;
  while (i < s.size()) {
    const auto b = static_cast<unsigned char>(s[i]);
    size_t n = 0;
    uint32_t cp = 0;
    uint32_t min = 0;
    if (b < 0x80) {
      cp = b;
    } else if (b >= 0xc2 && b <= 0xdf) {
      n = 1, cp = b & 0x1fU, min = 0x80;
    } else if (b >= 0xe0 && b <= 0xef) {
      n = 2, cp = b & 0x0fU, min = 0x800;
    } else if (b >= 0xf0 && b <= 0xf4) {
      n = 3, cp = b & 0x07U, min = 0x10000;
    } else {
      return false;
    }
    for (size_t k = 1; k <= n; ++k) {
      if (i + k >= s.size()) return false;
      const auto c = static_cast<unsigned char>(s[i + k]);
      if ((c & 0xc0U) != 0x80) return false;
      cp = (cp << 6U) | (c & 0x3fU);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return false;
    out.push_back(cp);
    i += n + 1;
  }
  return true;
}

// Characters a printed address may not hold: controls (C0, DEL, C1), line
// and paragraph separators, invisible format characters and the
// bidirectional overrides that would reorder what the print shop sees.
bool forbidden(uint32_t cp) {
  return cp < 0x20 || (cp >= 0x7f && cp <= 0x9f) || cp == 0xad || cp == 0x061c ||
         (cp >= 0x200b && cp <= 0x200f) || (cp >= 0x2028 && cp <= 0x202e) ||
         (cp >= 0x2060 && cp <= 0x206f) || cp == 0xfeff || (cp >= 0xfff9 && cp <= 0xfffb);
}

std::string hex(uint32_t cp) {
  static constexpr char kDigits[] = "0123456789ABCDEF";
  std::string out;
  for (int shift = cp > 0xffff ? 20 : 12; shift >= 0; shift -= 4) {
    out += kDigits[(cp >> static_cast<unsigned>(shift)) & 0xfU];
  }
  return "U+" + out;
}

// One field's value: text, bounded; an error names the column.
Status check_field(const Record& r, size_t column, const std::string& value) {
  const std::string where = std::string(kNames[column]) + ": ";
  std::vector<uint32_t> cps;
  if (!decode_utf8(value, cps)) return bad(r.line, where + "not UTF-8");
  for (uint32_t cp : cps) {
    if (forbidden(cp)) return bad(r.line, where + "the character " + hex(cp) + " is not allowed");
  }
  const size_t max = column == 3 ? kPostalCodeMax : column == 4 ? kCityMax : kAddressLineMax;
  if (cps.size() > max) {
    return bad(r.line, where + std::to_string(cps.size()) + " characters, at most " +
                           std::to_string(max) + " (La Poste's line)");
  }
  if (column == 3) {
    for (uint32_t cp : cps) {
      const bool ok = (cp >= '0' && cp <= '9') || (cp >= 'A' && cp <= 'Z') ||
                      (cp >= 'a' && cp <= 'z') || cp == ' ' || cp == '-';
      if (!ok) return bad(r.line, where + "only digits, letters, spaces and hyphens");
    }
  }
  return Status::Ok();
}

Result<std::vector<std::string>> address_of(const Record& r) {
  bool any = false;
  for (size_t c = 0; c < kNames.size(); ++c) {
    const std::string& v = r.fields[kUrnColumns + c];
    if (Status s = check_field(r, c, v); !s) return s.error();
    any = any || !v.empty();
  }
  std::vector<std::string> lines;
  if (!any) return lines;
  const auto field = [&](size_t c) -> const std::string& { return r.fields[kUrnColumns + c]; };
  for (size_t c : {size_t{0}, size_t{3}, size_t{4}}) {
    if (field(c).empty()) {
      return bad(r.line, std::string(kNames[c]) +
                             ": empty, while the voter has an address (address_line1, "
                             "postal_code and city are needed)");
    }
  }
  for (size_t c = 0; c < 3; ++c) {
    if (!field(c).empty()) lines.push_back(field(c));
  }
  lines.push_back(field(3) + " " + field(4));
  return lines;
}

}  // namespace

Result<VoterFileParts> split_address_columns(std::string_view text) {
  VoterFileParts parts;
  const size_t start = text.substr(0, 3) == "\xEF\xBB\xBF" ? 3 : 0;
  auto records = split_records(text, start);
  if (!records) return records.error();
  if (records->empty()) {  // the urn's parser says so in its own words
    parts.urn_text = std::string(text);
    return parts;
  }
  const Record& header = records->front();
  std::string names;
  for (size_t k = kUrnColumns; k < header.fields.size(); ++k) {
    names += (k == kUrnColumns ? "" : ",") + header.fields[k];
  }
  if (header.fields.size() <= kUrnColumns) {  // no address columns
    parts.urn_text = std::string(text);
    parts.addresses.resize(records->size() - 1);
    return parts;
  }
  if (names != kAddressColumns) {
    return bad(header.line, "the header must be " + std::string(urn::kVoterFileHeader) +
                                ", optionally followed by " + std::string(kAddressColumns));
  }
  size_t copied = 0;
  for (size_t k = 0; k < records->size(); ++k) {
    const Record& r = (*records)[k];
    if (r.fields.size() != kUrnColumns + kNames.size()) {
      return bad(r.line, std::to_string(r.fields.size()) + " fields, " +
                             std::to_string(kUrnColumns + kNames.size()) + " expected");
    }
    parts.urn_text.append(text.substr(copied, r.cut - copied));
    copied = r.end;
    if (k == 0) continue;
    auto lines = address_of(r);
    if (!lines) return lines.error();
    parts.addresses.push_back(std::move(*lines));
  }
  parts.urn_text.append(text.substr(copied));
  return parts;
}

}  // namespace isoloir::cli

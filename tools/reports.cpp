#include "reports.h"

#include <cairo-pdf.h>
#include <cairo.h>
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <functional>
#include <limits>
#include <memory>
#include <string_view>

#include "paris_time.h"

namespace isoloir::reports {
namespace {

// A4 in points, 20 mm side margins (as the notices). The text runs from kTop
// to kBottom; the footer sits below kBottom.
constexpr double kPageWidth = 595.2756;
constexpr double kPageHeight = 841.8898;
constexpr double kMargin = 56.6929;
constexpr double kContentWidth = kPageWidth - 2 * kMargin;
constexpr double kTop = 48;
constexpr double kBottom = kPageHeight - 54;
constexpr double kFooterBaseline = kPageHeight - 30;

constexpr const char* kSansFamily = "DejaVu Sans";
constexpr const char* kMonoFamily = "DejaVu Sans Mono";
// U+00A0 NO-BREAK SPACE: inside numbers, before %, around the "h" of hours.
#define NBSP "\u00a0"
constexpr std::string_view kEllipsis = "…";

enum class Face { kSans, kBold, kMono };

struct CairoDeleter {
  void operator()(cairo_t* cr) const { cairo_destroy(cr); }
  void operator()(cairo_surface_t* s) const { cairo_surface_destroy(s); }
};
using Context = std::unique_ptr<cairo_t, CairoDeleter>;
using Surface = std::unique_ptr<cairo_surface_t, CairoDeleter>;

// cairo writes the PDF through this, straight to the file.
struct Sink {
  int fd = -1;
  int error = 0;  // errno of the first failed write
};

cairo_status_t write_to_sink(void* closure, const unsigned char* data, unsigned int length) {
  auto* sink = static_cast<Sink*>(closure);
  while (length > 0) {
    const ssize_t n = ::write(sink->fd, data, length);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      sink->error = n < 0 ? errno : EIO;
      return CAIRO_STATUS_WRITE_ERROR;
    }
    data += n;
    length -= static_cast<unsigned int>(n);
  }
  return CAIRO_STATUS_SUCCESS;
}

size_t utf8_length(unsigned char lead) {
  if (lead >= 0xf0) return 4;
  if (lead >= 0xe0) return 3;
  if (lead >= 0xc0) return 2;
  return 1;
}

// Text as cairo can show it: strict UTF-8 (anything else becomes U+FFFD,
// which cairo would otherwise refuse for the whole document) and control
// characters (line breaks, tabs) as spaces.
std::string printable(std::string_view in) {
  std::string out;
  out.reserve(in.size());
  size_t i = 0;
  while (i < in.size()) {
    const auto c = static_cast<unsigned char>(in[i]);
    if (c < 0x80) {
      out.push_back(c < 0x20 || c == 0x7f ? ' ' : static_cast<char>(c));
      ++i;
      continue;
    }
    size_t n = 0;
    uint32_t cp = 0;
    if (c >= 0xc2 && c <= 0xdf) {
      n = 2;
      cp = c & 0x1fu;
    } else if (c >= 0xe0 && c <= 0xef) {
      n = 3;
      cp = c & 0x0fu;
    } else if (c >= 0xf0 && c <= 0xf4) {
      n = 4;
      cp = c & 0x07u;
    }
    bool ok = n > 0 && i + n <= in.size();
    for (size_t k = 1; ok && k < n; ++k) {
      const auto cc = static_cast<unsigned char>(in[i + k]);
      ok = (cc & 0xc0) == 0x80;
      cp = (cp << 6) | (cc & 0x3fu);
    }
    // No overlong forms, surrogates or code points past U+10FFFF; no C1.
    ok = ok && !(n == 3 && cp < 0x800) && !(n == 4 && (cp < 0x10000 || cp > 0x10ffff)) &&
         !(cp >= 0xd800 && cp <= 0xdfff);
    if (!ok) {
      out += "\ufffd";
      ++i;
      continue;
    }
    if (cp >= 0x80 && cp <= 0x9f) {
      out.push_back(' ');
    } else {
      out.append(in.substr(i, n));
    }
    i += n;
  }
  return out;
}

// "9 h 00" never split across lines.
std::string unbreakable_hours(std::string s) {
  for (size_t at = s.find(" h "); at != std::string::npos; at = s.find(" h ", at)) {
    s.replace(at, 3, NBSP "h" NBSP);
  }
  return s;
}

std::string paris_words(int64_t t) {
  return unbreakable_hours(cli::french_paris_time(t)) + ", heure de Paris";
}

// Drawing, or only measuring: with draw == false nothing is drawn, so that a
// document can be laid out once to count its pages and then drawn with
// "page X / Y" — both passes take the same decisions.
class Canvas {
 public:
  Canvas(cairo_t* cr, bool draw) : cr_(cr), draw_(draw) {}

  bool drawing() const { return draw_; }
  cairo_t* cr() const { return cr_; }

  void font(Face face, double size, double grey = 0) {
    cairo_select_font_face(cr_, face == Face::kMono ? kMonoFamily : kSansFamily,
                           CAIRO_FONT_SLANT_NORMAL,
                           face == Face::kBold ? CAIRO_FONT_WEIGHT_BOLD : CAIRO_FONT_WEIGHT_NORMAL);
    cairo_set_font_size(cr_, size);
    grey_ = grey;
  }

  double width(const std::string& s) {
    cairo_text_extents_t e;
    cairo_text_extents(cr_, s.c_str(), &e);
    return e.x_advance;
  }

  void text(double x, double baseline, const std::string& s) {
    if (!draw_) return;
    cairo_set_source_rgb(cr_, grey_, grey_, grey_);
    cairo_move_to(cr_, x, baseline);
    cairo_show_text(cr_, s.c_str());
  }

  void text_right(double right, double baseline, const std::string& s) {
    if (!draw_) return;
    text(right - width(s), baseline, s);
  }

  // Greedy wrapping at spaces; a word wider than the line (an e-mail, a
  // hash) is cut between characters. Never an empty result.
  std::vector<std::string> wrap(std::string_view text, double max_width) {
    std::vector<std::string> lines;
    std::string line;
    size_t i = 0;
    while (i <= text.size()) {
      const size_t space = std::min(text.find(' ', i), text.size());
      std::string word(text.substr(i, space - i));
      i = space + 1;
      if (word.empty()) continue;
      const std::string joined = line.empty() ? word : line + " " + word;
      if (width(joined) <= max_width) {
        line = joined;
        continue;
      }
      if (!line.empty()) lines.push_back(line);
      line.clear();
      while (width(word) > max_width) {
        size_t cut = 0;
        for (size_t k = 0; k < word.size(); k += utf8_length(static_cast<unsigned char>(word[k]))) {
          if (k > 0 && width(word.substr(0, k)) > max_width) break;
          cut = k;
        }
        if (cut == 0) cut = utf8_length(static_cast<unsigned char>(word[0]));
        lines.push_back(word.substr(0, cut));
        word.erase(0, cut);
      }
      line = word;
    }
    if (!line.empty() || lines.empty()) lines.push_back(line);
    return lines;
  }

  // Draws `text` wrapped to `max_width` from the baseline `y`; returns the
  // baseline of the line that would follow.
  double paragraph(double x, double y, double max_width, std::string_view s, double leading) {
    for (const std::string& line : wrap(s, max_width)) {
      text(x, y, line);
      y += leading;
    }
    return y;
  }

  // One line no wider than `max_width`: the font shrunk down to `min_size`,
  // then cut with "…". For running headers and footers, which repeat what
  // the first page prints in full.
  std::string one_line(const std::string& s, Face face, double size, double min_size,
                       double max_width, double grey) {
    for (; size > min_size; size -= 0.5) {
      font(face, size, grey);
      if (width(s) <= max_width) return s;
    }
    font(face, min_size, grey);
    if (width(s) <= max_width) return s;
    std::string cut = s;
    while (!cut.empty() && width(cut + std::string(kEllipsis)) > max_width) {
      size_t last = cut.size() - 1;
      while (last > 0 && (static_cast<unsigned char>(cut[last]) & 0xc0) == 0x80) --last;
      cut.erase(last);
    }
    return cut + std::string(kEllipsis);
  }

  void rule(double x0, double x1, double y, double grey, double line_width) {
    if (!draw_) return;
    cairo_set_source_rgb(cr_, grey, grey, grey);
    cairo_set_line_width(cr_, line_width);
    cairo_move_to(cr_, x0, y);
    cairo_line_to(cr_, x1, y);
    cairo_stroke(cr_);
  }

  void fill(double x, double y, double w, double h, double grey) {
    if (!draw_) return;
    cairo_set_source_rgb(cr_, grey, grey, grey);
    cairo_rectangle(cr_, x, y, w, h);
    cairo_fill(cr_);
  }

  void frame(double x, double y, double w, double h, double grey, double line_width) {
    if (!draw_) return;
    cairo_set_source_rgb(cr_, grey, grey, grey);
    cairo_set_line_width(cr_, line_width);
    cairo_rectangle(cr_, x, y, w, h);
    cairo_stroke(cr_);
  }

 private:
  cairo_t* cr_;
  bool draw_;
  double grey_ = 0;
};

// Pages in sequence: the cursor `y` (a top edge or a baseline, as the code
// using it says), a break that prints the footer and the next page's running
// header, and the page count once done.
class Flow {
 public:
  Flow(Canvas& c, int total, std::string running, std::string footer)
      : c_(c), total_(total), running_(std::move(running)), footer_(std::move(footer)) {}

  Canvas& canvas() { return c_; }
  int page() const { return page_; }
  double room() const { return kBottom - y; }
  bool fits(double height) const { return y + height <= kBottom; }

  // A new page unless `height` fits below the cursor.
  void ensure(double height) {
    if (!fits(height)) next_page();
  }

  void next_page() {
    end_page();
    ++page_;
    // The running header: one grey line and a rule.
    const std::string line = c_.one_line(running_, Face::kSans, 8, 6, kContentWidth, 0.35);
    c_.text(kMargin, kTop + 8, line);
    c_.rule(kMargin, kPageWidth - kMargin, kTop + 15, 0.7, 0.5);
    y = kTop + 30;
  }

  // Prints the footer and ends the page: call once after the last page.
  void end_page() {
    const std::string number = "page " + std::to_string(page_) + " / " + std::to_string(total_);
    c_.font(Face::kSans, 7.5, 0.35);
    const double number_width = c_.width(number);
    c_.text_right(kPageWidth - kMargin, kFooterBaseline, number);
    const std::string left =
        c_.one_line(footer_, Face::kSans, 7.5, 6, kContentWidth - number_width - 24, 0.35);
    c_.text(kMargin, kFooterBaseline, left);
    if (c_.drawing()) cairo_show_page(c_.cr());
  }

  double y = kTop;

 private:
  Canvas& c_;
  int total_;
  int page_ = 1;
  std::string running_;
  std::string footer_;
};

// --- Tables ---------------------------------------------------------------------

enum class Fit {
  kWrap,    // wrapped at the given size
  kShrink,  // shrunk down to kMinShrink to stay on one line, then wrapped
};
constexpr double kMinShrink = 6.5;
constexpr double kPadX = 4;
constexpr double kPadY = 2.5;
constexpr double kLeadingRatio = 1.22;
constexpr double kAscent = 0.93;  // of the font size, DejaVu's capitals and accents

struct Column {
  std::string title;
  double width;
  bool right = false;  // numbers
};

struct Cell {
  std::string text;
  Face face = Face::kSans;
  double size = 9;
  double grey = 0;
  Fit fit = Fit::kWrap;
};

struct LaidCell {
  std::vector<std::string> lines;
  Face face;
  double size;
  double grey;
};

// The cells' first lines share one baseline, `ascent` below the row's top
// padding, whatever size each cell was shrunk to.
struct LaidRow {
  std::vector<LaidCell> cells;
  double ascent = 0;
  double height = 0;
};

// The tallest row a page holds; longer cells end with "…" (a label of
// thousands of characters: not a real election).
constexpr double kMaxRowHeight = 420;

LaidRow lay_row(Canvas& c, const std::vector<Column>& columns, const std::vector<Cell>& cells) {
  LaidRow row;
  for (size_t i = 0; i < cells.size() && i < columns.size(); ++i) {
    const Cell& cell = cells[i];
    const double inner = columns[i].width - 2 * kPadX;
    const std::string text = printable(cell.text);
    double size = cell.size;
    c.font(cell.face, size);
    if (cell.fit == Fit::kShrink) {
      while (size > kMinShrink && c.width(text) > inner) {
        size = std::max(kMinShrink, size - 0.5);
        c.font(cell.face, size);
      }
    }
    LaidCell laid{c.wrap(text, inner), cell.face, size, cell.grey};
    const double leading = size * kLeadingRatio;
    const auto max_lines = static_cast<size_t>((kMaxRowHeight - 2 * kPadY) / leading);
    if (laid.lines.size() > max_lines) {
      laid.lines.resize(max_lines);
      laid.lines.back() += std::string(kEllipsis);
    }
    row.cells.push_back(std::move(laid));
  }
  for (size_t i = 0; i < cells.size() && i < columns.size(); ++i) {
    row.ascent = std::max(row.ascent, cells[i].size * kAscent);
  }
  for (const LaidCell& cell : row.cells) {
    const double below = static_cast<double>(cell.lines.size() - 1) * cell.size * kLeadingRatio +
                         cell.size * (kLeadingRatio - kAscent);
    row.height = std::max(row.height, row.ascent + below + 2 * kPadY);
  }
  return row;
}

void draw_row(Canvas& c, const std::vector<Column>& columns, const LaidRow& row, double top,
              double shade) {
  double total = 0;
  for (const Column& col : columns) total += col.width;
  if (shade < 1) c.fill(kMargin, top, total, row.height, shade);
  double x = kMargin;
  for (size_t i = 0; i < row.cells.size(); ++i) {
    const LaidCell& cell = row.cells[i];
    c.font(cell.face, cell.size, cell.grey);
    double baseline = top + kPadY + row.ascent;
    for (const std::string& line : cell.lines) {
      if (columns[i].right) {
        c.text_right(x + columns[i].width - kPadX, baseline, line);
      } else {
        c.text(x + kPadX, baseline, line);
      }
      baseline += cell.size * kLeadingRatio;
    }
    x += columns[i].width;
  }
  c.rule(kMargin, kMargin + total, top + row.height, 0.78, 0.4);
}

LaidRow header_row(Canvas& c, const std::vector<Column>& columns) {
  std::vector<Cell> cells;
  cells.reserve(columns.size());
  for (const Column& col : columns)
    cells.push_back({col.title, Face::kBold, 8, 0.15, Fit::kShrink});
  return lay_row(c, columns, cells);
}

// A table from the cursor (a top edge), its header repeated on each page it
// flows onto, after `continued` (which prints what the table is a part of).
// The first row comes with its header: a header is never alone at a page's
// foot. Zebra shading helps reading across long lists.
void table(Flow& f, const std::vector<Column>& columns, const std::vector<LaidRow>& rows,
           const std::function<void(Flow&)>& continued, bool zebra) {
  Canvas& c = f.canvas();
  const LaidRow header = header_row(c, columns);
  const double first = rows.empty() ? 0 : rows.front().height;
  if (!f.fits(header.height + first)) {
    f.next_page();
    continued(f);
  }
  draw_row(c, columns, header, f.y, 0.88);
  f.y += header.height;
  for (size_t i = 0; i < rows.size(); ++i) {
    if (!f.fits(rows[i].height)) {
      f.next_page();
      continued(f);
      draw_row(c, columns, header, f.y, 0.88);
      f.y += header.height;
    }
    draw_row(c, columns, rows[i], f.y, zebra && i % 2 == 1 ? 0.955 : 1);
    f.y += rows[i].height;
  }
}

// --- Rendering to a file --------------------------------------------------------

// Lays out the document on `canvas` with `total` pages (0 while measuring);
// returns the number of pages used.
using Layout = std::function<int(Canvas& canvas, int total)>;

Error unwritable(const std::string& what, const std::string& path, int err) {
  return fail("unwritable", "cannot write " + what + " '" + path + "': " + std::strerror(err));
}

Status render(const std::string& path, const std::string& what, const std::string& title,
              int64_t generated_at, const Layout& layout) {
  Sink sink;
  sink.fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (sink.fd < 0) return unwritable(what, path, errno);
  cairo_status_t status = CAIRO_STATUS_SUCCESS;
  {
    Surface surface(
        cairo_pdf_surface_create_for_stream(write_to_sink, &sink, kPageWidth, kPageHeight));
    const std::string clean_title = printable(title);
    // The document's own date, not the machine's clock: the same data make
    // the same file.
    const std::string date = rfc3339_utc(generated_at);
    cairo_pdf_surface_set_metadata(surface.get(), CAIRO_PDF_METADATA_TITLE, clean_title.c_str());
    cairo_pdf_surface_set_metadata(surface.get(), CAIRO_PDF_METADATA_CREATOR, "Isoloir");
    cairo_pdf_surface_set_metadata(surface.get(), CAIRO_PDF_METADATA_CREATE_DATE, date.c_str());
    Context cr(cairo_create(surface.get()));
    Canvas measure(cr.get(), false);
    const int pages = layout(measure, 0);
    if (cairo_status(cr.get()) == CAIRO_STATUS_SUCCESS) {
      Canvas draw(cr.get(), true);
      layout(draw, pages);
    }
    status = cairo_status(cr.get());
    cr.reset();
    cairo_surface_finish(surface.get());
    if (status == CAIRO_STATUS_SUCCESS) status = cairo_surface_status(surface.get());
  }
  const bool synced = status == CAIRO_STATUS_SUCCESS && ::fsync(sink.fd) == 0;
  const int sync_error = errno;
  const bool closed = ::close(sink.fd) == 0;
  const int close_error = errno;
  if (sink.error != 0) return unwritable(what, path, sink.error);
  if (status != CAIRO_STATUS_SUCCESS) {
    return fail("pdf",
                "cannot make " + what + " '" + path + "': " + cairo_status_to_string(status));
  }
  if (!synced) return unwritable(what, path, sync_error);
  if (!closed) return unwritable(what, path, close_error);
  return Status::Ok();
}

// --- The procès-verbal ----------------------------------------------------------

constexpr const char* kPvTitle = "Procès-verbal des résultats";

uint64_t blank_count(const PvScrutin& s) {
  uint64_t blank = 0;
  for (const PvOption& o : s.options) {
    if (o.blank) blank += o.count;
  }
  return blank;
}

Status check_pv(const PvData& d) {
  for (const PvScrutin& s : d.scrutins) {
    uint64_t blank = 0;
    for (const PvOption& o : s.options) {
      if (!o.blank) continue;
      if (o.count > std::numeric_limits<uint64_t>::max() - blank) {
        return fail("bad_report", "scrutin '" + s.id + "': blank counts overflow");
      }
      blank += o.count;
    }
    if (blank > s.votes) {
      return fail("bad_report", "scrutin '" + s.id + "': " + std::to_string(blank) +
                                    " blank votes for " + std::to_string(s.votes) + " votes");
    }
    if (s.votes > s.registered) {
      return fail("bad_report", "scrutin '" + s.id + "': " + std::to_string(s.votes) +
                                    " votes for " + std::to_string(s.registered) +
                                    " registered voters");
    }
  }
  return Status::Ok();
}

// Heading of a scrutin, from the cursor (a top edge); returns its height
// (drawing it only when `c` draws).
double scrutin_heading(Canvas& c, double top, const PvScrutin& s, bool continued) {
  c.font(Face::kBold, 12);
  const std::string title = printable(s.title) + (continued ? " (suite)" : "");
  double y = c.paragraph(kMargin, top + 12, kContentWidth, title, 15);
  c.font(Face::kSans, 8, 0.4);
  y = c.paragraph(kMargin, y - 1, kContentWidth, "Scrutin " + printable(s.id), 10);
  return y - 10 + 8 - top;
}

const std::vector<Column>& summary_columns() {
  static const std::vector<Column> kColumns = {
      {"Inscrits", (kContentWidth - 122) / 4, true}, {"Votants", (kContentWidth - 122) / 4, true},
      {"Taux de participation", 122, true},          {"Blancs", (kContentWidth - 122) / 4, true},
      {"Exprimés", (kContentWidth - 122) / 4, true},
  };
  return kColumns;
}

const std::vector<Column>& result_columns() {
  static const std::vector<Column> kColumns = {
      {"Liste", kContentWidth - 76 - 92, false},
      {"Voix", 76, true},
      {"% des exprimés", 92, true},
  };
  return kColumns;
}

void pv_scrutin(Flow& f, const PvScrutin& s) {
  Canvas& c = f.canvas();
  const uint64_t blank = blank_count(s);
  const uint64_t expressed = s.votes - blank;

  const LaidRow summary = lay_row(c, summary_columns(),
                                  {{french_number(s.registered), Face::kBold, 10.5},
                                   {french_number(s.votes), Face::kBold, 10.5},
                                   {french_percent(s.votes, s.registered, 1), Face::kBold, 10.5},
                                   {french_number(blank), Face::kBold, 10.5},
                                   {french_number(expressed), Face::kBold, 10.5}});
  std::vector<LaidRow> rows;
  for (const PvOption& o : s.options) {
    if (o.blank) continue;
    rows.push_back(lay_row(c, result_columns(),
                           {{o.label, Face::kSans, 9.5},
                            {french_number(o.count), Face::kBold, 9.5},
                            {french_percent(o.count, expressed, 2), Face::kSans, 9.5}}));
  }

  // The heading, the figures, the results' header and first row together.
  Canvas measure(c.cr(), false);
  const double heading = scrutin_heading(measure, 0, s, false);
  const double header = header_row(c, summary_columns()).height + summary.height;
  const double results_start =
      header_row(c, result_columns()).height + (rows.empty() ? 0 : rows.front().height);
  f.ensure(heading + 6 + header + 10 + results_start);

  f.y += scrutin_heading(c, f.y, s, false) + 6;
  const auto continued = [&s](Flow& flow) {
    flow.y += scrutin_heading(flow.canvas(), flow.y, s, true) + 6;
  };
  table(f, summary_columns(), {summary}, continued, false);
  f.y += 10;
  table(f, result_columns(), rows, continued, true);
  f.y += 24;
}

// Key-value rows (labels left, values right), e.g. the record's fingerprint.
void facts(Flow& f, const std::vector<std::pair<std::string, Cell>>& rows) {
  Canvas& c = f.canvas();
  const std::vector<Column> columns = {{"", 140}, {"", kContentWidth - 140}};
  for (const auto& [label, value] : rows) {
    const LaidRow row = lay_row(c, columns, {{label, Face::kSans, 9, 0.3}, value});
    f.ensure(row.height);
    draw_row(c, columns, row, f.y, 1);
    f.y += row.height;
  }
}

void pv_fingerprint(Flow& f, const PvData& d) {
  Canvas& c = f.canvas();
  const std::vector<std::pair<std::string, Cell>> rows = {
      {"Empreinte de l’élection", {d.election_hash, Face::kMono, 8.5, 0, Fit::kShrink}},
      {"Tête d’arbre finale : taille", {french_number(d.tree_size), Face::kSans, 9}},
      {"Tête d’arbre finale : racine", {d.tree_root, Face::kMono, 8.5, 0, Fit::kShrink}},
      {"Clôture du vote",
       {paris_words(d.closed_at) + (d.early_close ? " (clôture anticipée)" : " (heure prévue)"),
        Face::kSans, 9}},
      {"Procès-verbal établi le", {paris_words(d.generated_at), Face::kSans, 9}},
  };
  f.ensure(110);
  c.font(Face::kBold, 12);
  c.text(kMargin, f.y + 12, "Empreinte du registre");
  c.font(Face::kSans, 8.5, 0.3);
  f.y = c.paragraph(kMargin, f.y + 28, kContentWidth,
                    "Les résultats ci-dessus sont ceux du registre de l’élection identifié "
                    "ci-dessous ; chacun peut le vérifier avec la commande « isoloir record "
                    "verify » sur le registre publié.",
                    11) -
        4;
  facts(f, rows);
  f.y += 24;
}

// One box per signatory: the président and the secrétaire, then a délégué
// per list of the scrutin with the most lists (2 to 12), two to a row.
void pv_signatures(Flow& f, const PvData& d) {
  Canvas& c = f.canvas();
  size_t lists = 2;
  for (const PvScrutin& s : d.scrutins) {
    lists = std::max<size_t>(
        lists, static_cast<size_t>(std::count_if(s.options.begin(), s.options.end(),
                                                 [](const PvOption& o) { return !o.blank; })));
  }
  lists = std::min<size_t>(lists, 12);
  std::vector<std::string> boxes = {"Le président du bureau de vote",
                                    "Le secrétaire du bureau de vote"};
  for (size_t i = 0; i < lists; ++i) boxes.emplace_back("Délégué de liste");
  if (boxes.size() % 2 == 1) boxes.emplace_back("Délégué de liste");

  constexpr double kBoxHeight = 76;
  constexpr double kGap = 10;
  const double box_width = (kContentWidth - kGap) / 2;
  const size_t box_rows = boxes.size() / 2;  // even
  const double height = 52 + static_cast<double>(box_rows) * (kBoxHeight + kGap);
  f.ensure(height);
  c.font(Face::kBold, 12);
  c.text(kMargin, f.y + 12, "Signatures");
  c.font(Face::kSans, 9);
  c.text(kMargin, f.y + 32, "Fait à ……………………………………………………, le ……………………………………………………");
  f.y += 44;
  for (size_t i = 0; i < boxes.size(); i += 2) {
    for (size_t k = 0; k < 2; ++k) {
      const double x = kMargin + static_cast<double>(k) * (box_width + kGap);
      c.frame(x, f.y, box_width, kBoxHeight, 0.55, 0.6);
      c.font(Face::kBold, 8.5);
      c.text(x + 6, f.y + 13, boxes[i + k]);
      c.font(Face::kSans, 8, 0.35);
      c.text(x + 6, f.y + 28, i == 0 ? "Nom, prénom" NBSP ":" : "Nom, prénom, liste" NBSP ":");
      c.text(x + 6, f.y + 44, "Signature" NBSP ":");
    }
    f.y += kBoxHeight + kGap;
  }
}

int layout_pv(Canvas& c, int total, const PvData& d) {
  const std::string election_title = printable(d.election_title);
  Flow f(c, total, std::string(kPvTitle) + " · " + election_title,
         std::string(kPvTitle) + " · " + printable(d.election_id));

  // First page: what this is, the election, the close.
  c.font(Face::kBold, 8.5, 0.35);
  c.text(kMargin, kTop + 8, "VOTE PAR INTERNET · BUREAU DE VOTE ÉLECTRONIQUE");
  c.font(Face::kBold, 20);
  c.text(kMargin, kTop + 36, kPvTitle);
  c.font(Face::kBold, 13);
  double y = c.paragraph(kMargin, kTop + 60, kContentWidth, election_title, 16.5);
  c.font(Face::kSans, 8.5, 0.4);
  y = c.paragraph(kMargin, y, kContentWidth, "Élection " + printable(d.election_id), 11);
  c.rule(kMargin, kPageWidth - kMargin, y - 3, 0.6, 0.8);
  c.font(Face::kSans, 9.5);
  y = c.paragraph(kMargin, y + 16, kContentWidth,
                  std::string(d.early_close ? "Le vote a été clos par anticipation le "
                                            : "Le vote a été clos à l’heure prévue, le ") +
                      paris_words(d.closed_at) +
                      ". Le bureau de vote a procédé au dépouillement ; les résultats de chaque "
                      "scrutin sont les suivants. La participation est rapportée aux inscrits, "
                      "la part de chaque liste aux suffrages exprimés (votants moins blancs).",
                  13);
  f.y = y + 8;

  for (const PvScrutin& s : d.scrutins) pv_scrutin(f, s);
  pv_fingerprint(f, d);
  pv_signatures(f, d);
  f.end_page();
  return f.page();
}

// --- The émargement list --------------------------------------------------------

std::vector<Column> emargement_columns(bool with_scrutin) {
  // The time column fits its title and "01/12/2026 09:03:12"; long names and
  // identifiers shrink, then wrap.
  constexpr double kTime = 128;
  if (with_scrutin) {
    return {{"N°", 30, true},
            {"Nom", 124, false},
            {"Identifiant", 118, false},
            {"Scrutin", kContentWidth - 30 - 124 - 118 - kTime, false},
            {"Émargé le (heure de Paris)", kTime, false}};
  }
  return {{"N°", 34, true},
          {"Nom", 150, false},
          {"Identifiant", kContentWidth - 34 - 150 - kTime, false},
          {"Émargé le (heure de Paris)", kTime, false}};
}

int layout_emargement(Canvas& c, int total, const std::string& election_title,
                      const std::string& scrutin_title, const std::vector<LaidRow>& rows,
                      size_t count, int64_t generated_at, bool with_scrutin) {
  const std::string title = "Liste d’émargement";
  Flow f(c, total,
         title + " · " + (scrutin_title.empty() ? election_title : scrutin_title) + " (suite)",
         title + " · " + election_title);
  c.font(Face::kBold, 8.5, 0.35);
  c.text(kMargin, kTop + 8, "VOTE PAR INTERNET · DONNÉES PERSONNELLES, DIFFUSION RESTREINTE");
  c.font(Face::kBold, 18);
  c.text(kMargin, kTop + 34, title);
  c.font(Face::kBold, 12);
  double y = c.paragraph(kMargin, kTop + 56, kContentWidth, election_title, 15);
  c.font(Face::kSans, 10.5);
  y = c.paragraph(kMargin, y + 1, kContentWidth,
                  scrutin_title.empty() ? "Tous les scrutins" : "Scrutin" NBSP ": " + scrutin_title,
                  13.5);
  c.font(Face::kSans, 8.5, 0.35);
  y = c.paragraph(kMargin, y + 2, kContentWidth,
                  french_number(count) + (count > 1 ? " émargements" : " émargement") +
                      ", heures en heure de Paris. Liste établie le " + paris_words(generated_at) +
                      ".",
                  11);
  f.y = y + 2;
  table(
      f, emargement_columns(with_scrutin), rows, [](Flow&) {}, true);
  f.end_page();
  return f.page();
}

// --- CSV ------------------------------------------------------------------------

std::string csv_cell(std::string_view s) {
  std::string v;
  // A spreadsheet runs a cell that starts like a formula (OWASP's "CSV
  // injection"); a leading ' makes it text.
  if (!s.empty() && std::string_view("=+-@\t\r").find(s.front()) != std::string_view::npos) {
    v = "'";
  }
  v.append(s);
  if (v.find_first_of(",\"\r\n") == std::string::npos) return v;
  std::string quoted = "\"";
  for (char ch : v) {
    if (ch == '"') quoted += '"';
    quoted += ch;
  }
  quoted += '"';
  return quoted;
}

struct Clock {
  int year, month, day, hour, minute, second;
};

Clock clock_of(int64_t local) {
  using std::chrono::days;
  using std::chrono::sys_days;
  constexpr int64_t kDay = 86400;
  const int64_t day = local / kDay - (local % kDay < 0 ? 1 : 0);
  const int64_t sod = local - day * kDay;
  const std::chrono::year_month_day ymd{sys_days{days{day}}};
  return {static_cast<int>(ymd.year()),
          static_cast<int>(static_cast<unsigned>(ymd.month())),
          static_cast<int>(static_cast<unsigned>(ymd.day())),
          static_cast<int>(sod / 3600),
          static_cast<int>(sod / 60 % 60),
          static_cast<int>(sod % 60)};
}

std::string two(int v) {
  return std::string(1, static_cast<char>('0' + v / 10)) + static_cast<char>('0' + v % 10);
}

std::string iso_local(int64_t local) {
  const Clock k = clock_of(local);
  std::array<char, 16> year{};
  std::snprintf(year.data(), year.size(), "%04d", k.year);
  return std::string(year.data()) + "-" + two(k.month) + "-" + two(k.day) + "T" + two(k.hour) +
         ":" + two(k.minute) + ":" + two(k.second);
}

}  // namespace

// --- Public ---------------------------------------------------------------------

std::string french_number(uint64_t n) {
  std::string digits = std::to_string(n);
  std::string out;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += NBSP;
    out += digits[i];
  }
  return out;
}

std::string french_percent(uint64_t part, uint64_t whole, int decimals) {
  if (whole == 0) return "—";
  decimals = std::clamp(decimals, 0, 4);
  uint64_t unit = 1;
  for (int i = 0; i < decimals; ++i) unit *= 10;
  const uint64_t scale = unit * 100;
  uint64_t value = 0;  // part / whole in units of 1 / scale, rounded half up
  if (part <= std::numeric_limits<uint64_t>::max() / (2 * scale)) {
    value = (2 * part * scale + whole) / (2 * whole);
  } else {
    value =
        static_cast<uint64_t>(std::floor(static_cast<long double>(part) * scale / whole + 0.5L));
  }
  std::string out = french_number(value / unit);
  if (decimals > 0) {
    std::string frac = std::to_string(value % unit);
    frac.insert(0, static_cast<size_t>(decimals) - frac.size(), '0');
    out += "," + frac;
  }
  return out + NBSP "%";
}

std::string rfc3339_utc(int64_t unix_seconds) {
  return iso_local(unix_seconds) + "Z";
}

std::string rfc3339_paris(int64_t unix_seconds) {
  const int offset = cli::paris_offset_seconds(unix_seconds);
  return iso_local(unix_seconds + offset) + (offset == 7200 ? "+02:00" : "+01:00");
}

std::string paris_numeric_time(int64_t unix_seconds) {
  const Clock k = clock_of(unix_seconds + cli::paris_offset_seconds(unix_seconds));
  return two(k.day) + "/" + two(k.month) + "/" + std::to_string(k.year) + " " + two(k.hour) + ":" +
         two(k.minute) + ":" + two(k.second);
}

Status write_pv_pdf(const std::string& path, const PvData& data) {
  if (Status checked = check_pv(data); !checked.ok()) return checked;
  return render(path, "the procès-verbal", std::string(kPvTitle) + " · " + data.election_title,
                data.generated_at,
                [&data](Canvas& c, int total) { return layout_pv(c, total, data); });
}

std::string emargement_csv(const std::vector<EmargementRow>& rows) {
  std::string out = "name,identifier,scrutin,voted_at_utc,voted_at_paris\r\n";
  for (const EmargementRow& r : rows) {
    out += csv_cell(r.name) + "," + csv_cell(r.identifier) + "," + csv_cell(r.scrutin_title) + "," +
           rfc3339_utc(r.voted_at) + "," + rfc3339_paris(r.voted_at) + "\r\n";
  }
  return out;
}

Status write_emargement_pdf(const std::string& path, const std::string& election_title,
                            const std::string& scrutin_title,
                            const std::vector<EmargementRow>& rows, int64_t generated_at) {
  const bool with_scrutin = scrutin_title.empty();
  const std::string election = printable(election_title);
  const std::string scrutin = printable(scrutin_title);
  // The rows are laid out once (the longest part of the work) for both passes.
  std::vector<LaidRow> laid;
  laid.reserve(rows.size());
  return render(path, "the émargement list",
                "Liste d’émargement · " + election + (scrutin.empty() ? "" : " · " + scrutin),
                generated_at, [&](Canvas& c, int total) {
                  if (laid.empty() && !rows.empty()) {
                    const std::vector<Column> columns = emargement_columns(with_scrutin);
                    for (size_t i = 0; i < rows.size(); ++i) {
                      const EmargementRow& r = rows[i];
                      std::vector<Cell> cells = {{std::to_string(i + 1), Face::kSans, 7.5, 0.4},
                                                 {r.name, Face::kSans, 8.5, 0, Fit::kShrink},
                                                 {r.identifier, Face::kSans, 8.5, 0, Fit::kShrink}};
                      if (with_scrutin)
                        cells.push_back({r.scrutin_title, Face::kSans, 8, 0, Fit::kShrink});
                      cells.push_back({paris_numeric_time(r.voted_at), Face::kSans, 8.5});
                      laid.push_back(lay_row(c, columns, cells));
                    }
                  }
                  return layout_emargement(c, total, election, scrutin, laid, rows.size(),
                                           generated_at, with_scrutin);
                });
}

}  // namespace isoloir::reports

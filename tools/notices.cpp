#include "notices.h"

#include <cairo-pdf.h>
#include <cairo.h>
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <memory>
#include <string_view>

namespace isoloir::cli {
namespace {

// A4 in points, 20 mm margins.
constexpr double kPageWidth = 595.2756;
constexpr double kPageHeight = 841.8898;
constexpr double kMargin = 56.6929;
constexpr double kContentWidth = kPageWidth - 2 * kMargin;
constexpr double kMm = 2.834645669;  // points per millimetre
// The voter block sits where a window envelope shows it (docs/notices.md): an
// A4 page folded in three in a DL envelope (110 x 220 mm) whose window is
// 100 x 45 mm, 20 mm from the right edge, as La Poste recommends; on the page
// that is x 90..190 mm, y 45..90 mm. The block starts at 100 mm from the left
// and 50 mm from the top, 6 lines at most.
constexpr double kVoterX = 100 * kMm;
constexpr double kVoterTop = 50 * kMm;
constexpr double kVoterRight = 188 * kMm;
constexpr double kVoterBottom = 88 * kMm;
// The header (title, rule) ends above the window.
constexpr double kHeaderBottom = 42 * kMm;
// The grey code box, bottom left.
constexpr double kBoxWidth = 340;
constexpr double kBoxHeight = 92;
constexpr double kBoxY = kPageHeight - kMargin - kBoxHeight;

constexpr const char* kSans = "DejaVu Sans";
constexpr const char* kMono = "DejaVu Sans Mono";
// U+00A0 NO-BREAK SPACE, before French double punctuation and inside « ».
#define NBSP "\u00a0"

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

// Text on one page: fonts, measures, wrapped paragraphs. With draw == false
// it only measures, so that a page can be fitted before it is drawn.
class Writer {
 public:
  Writer(cairo_t* cr, bool draw, double scale) : cr_(cr), draw_(draw), scale_(scale) {}

  void font(const char* family, bool bold, double size, double grey = 0) {
    cairo_select_font_face(cr_, family, CAIRO_FONT_SLANT_NORMAL,
                           bold ? CAIRO_FONT_WEIGHT_BOLD : CAIRO_FONT_WEIGHT_NORMAL);
    cairo_set_font_size(cr_, size * scale_);
    cairo_set_source_rgb(cr_, grey, grey, grey);
  }

  double width(const std::string& s) {
    cairo_text_extents_t e;
    cairo_text_extents(cr_, s.c_str(), &e);
    return e.x_advance;
  }

  void text(double x, double baseline, const std::string& s) {
    if (!draw_) return;
    cairo_move_to(cr_, x, baseline);
    cairo_show_text(cr_, s.c_str());
  }

  // Greedy wrapping at spaces; a word wider than the line (an address) is cut
  // between characters.
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
    if (!line.empty()) lines.push_back(line);
    return lines;
  }

  // Draws `text` wrapped to `max_width` from the baseline `y`; returns the
  // baseline of the line that would follow.
  double paragraph(double x, double y, double max_width, std::string_view text, double leading) {
    for (const std::string& line : wrap(text, max_width)) {
      this->text(x, y, line);
      y += leading * scale_;
    }
    return y;
  }

  double scaled(double v) const { return v * scale_; }

 private:
  cairo_t* cr_;
  bool draw_;
  double scale_;
};

void rounded_rectangle(cairo_t* cr, double x, double y, double w, double h, double r) {
  constexpr double kQuarter = 1.5707963267948966;
  cairo_new_sub_path(cr);
  cairo_arc(cr, x + w - r, y + r, r, -kQuarter, 0);
  cairo_arc(cr, x + w - r, y + h - r, r, 0, kQuarter);
  cairo_arc(cr, x + r, y + h - r, r, kQuarter, 2 * kQuarter);
  cairo_arc(cr, x + r, y + r, r, 2 * kQuarter, 3 * kQuarter);
  cairo_close_path(cr);
}

// The instructions, from the baseline `y`; returns where they end.
double instructions(Writer& w, double y, const Notice& n, const NoticeText& t) {
  constexpr double kNumberWidth = 20;
  const double text_x = kMargin + kNumberWidth;
  const double text_width = kContentWidth - kNumberWidth;
  constexpr double kBody = 10.5;
  constexpr double kLeading = 14.5;

  w.font(kSans, true, 13);
  w.text(kMargin, y, "Quand voter");
  y += w.scaled(20);
  w.font(kSans, false, kBody);
  // "9 h 00" never split across lines.
  std::string period = t.period;
  for (size_t at = period.find(" h "); at != std::string::npos; at = period.find(" h ", at)) {
    period.replace(at, 3, NBSP "h" NBSP);
  }
  y = w.paragraph(kMargin, y, kContentWidth, "Le vote est ouvert " + period + ".", kLeading);
  y += w.scaled(14);

  w.font(kSans, true, 13);
  w.text(kMargin, y, "Comment voter");
  y += w.scaled(24);

  const std::string step1 =
      t.portal_url.empty()
          ? "Rendez-vous sur le portail de vote de l’élection, à l’adresse que vous a "
            "communiquée votre administration."
          : "Rendez-vous sur le portail de vote" NBSP ":";
  const std::vector<std::string> steps = {
      step1,
      "Connectez-vous avec votre identifiant, " + n.identifier +
          ", et votre mot de passe. À la première connexion, choisissez «" NBSP
          "Activer mon compte" NBSP "»" NBSP ": un lien vous est envoyé à cette adresse.",
      "Cliquez sur «" NBSP "Je vote" NBSP
      "», puis saisissez le code de vote imprimé en bas "
      "de cette page.",
      "Faites votre choix pour chacun de vos scrutins et validez" NBSP
      ": votre bulletin est "
      "chiffré dans votre navigateur avant d’être envoyé.",
  };
  for (size_t i = 0; i < steps.size(); ++i) {
    w.font(kSans, true, kBody);
    w.text(kMargin, y, std::to_string(i + 1) + ".");
    w.font(kSans, false, kBody);
    y = w.paragraph(text_x, y, text_width, steps[i], kLeading);
    if (i == 0 && !t.portal_url.empty()) {
      w.font(kSans, true, 12);
      y = w.paragraph(text_x, y + w.scaled(2), text_width, t.portal_url, 16);
    }
    y += w.scaled(5);
  }

  y += w.scaled(12);
  w.font(kSans, true, 11);
  w.text(kMargin, y, n.scrutins.size() == 1 ? "Votre scrutin" : "Vos scrutins");
  y += w.scaled(18);
  w.font(kSans, false, kBody);
  for (const std::string& title : n.scrutins) {
    w.text(kMargin + 4, y, "•");
    y = w.paragraph(text_x, y, text_width, title, kLeading);
  }

  y += w.scaled(16);
  w.font(kSans, true, kBody);
  w.text(kMargin, y, "Ce code est personnel et secret.");
  y += w.scaled(kLeading);
  w.font(kSans, false, kBody);
  return w.paragraph(
      kMargin, y, kContentWidth,
      "Ne le communiquez à personne" NBSP
      ": aucun service ne vous le demandera, ni par "
      "téléphone ni par courriel. Si vous le perdez, ou si quelqu’un d’autre a pu le voir, "
      "obtenez-en un nouveau depuis le portail (réassort du code de vote)" NBSP
      ": celui de cette notice cessera aussitôt d’être valable.",
      kLeading);
}

void draw_page(cairo_t* cr, const Notice& n, const NoticeText& t, size_t index, size_t count) {
  Writer w(cr, true, 1);

  // Header: what this is, the election (smaller if long), a rule; all above
  // the envelope's window.
  w.font(kSans, true, 8.5, 0.35);
  w.text(kMargin, 64, "NOTICE DE VOTE PAR INTERNET · DOCUMENT PERSONNEL ET CONFIDENTIEL");
  double title_size = 20;
  for (; title_size > 9; title_size -= 1) {
    Writer measure(cr, false, 1);
    measure.font(kSans, true, title_size);
    const size_t lines = measure.wrap(t.election_title, kContentWidth).size();
    if (88 + (static_cast<double>(lines) - 1) * title_size * 1.25 + 10 <= kHeaderBottom) break;
  }
  w.font(kSans, true, title_size);
  double y = w.paragraph(kMargin, 88, kContentWidth, t.election_title, title_size * 1.25);
  y = std::min(y - title_size * 1.25 + 10, kHeaderBottom);
  cairo_set_source_rgb(cr, 0.6, 0.6, 0.6);
  cairo_set_line_width(cr, 0.8);
  cairo_move_to(cr, kMargin, y);
  cairo_line_to(cr, kPageWidth - kMargin, y);
  cairo_stroke(cr);

  // The voter, where a window envelope shows it: the name and the postal
  // address (or, without one, the identifier), 6 lines at most.
  const double voter_width = kVoterRight - kVoterX;
  double vy = kVoterTop + 11;
  w.font(kSans, true, 10.5);
  std::vector<std::string> name = w.wrap(n.name, voter_width);
  const size_t room = n.address.empty() ? 5 : 6 - n.address.size();
  if (name.size() > room) name.resize(room);
  for (const std::string& line : name) {
    w.text(kVoterX, vy, line);
    vy += 13.5;
  }
  if (n.address.empty()) {
    w.font(kSans, false, 9.5, 0.3);
    vy = w.paragraph(kVoterX, vy, voter_width, n.identifier, 13);
  } else {
    // 38 characters fit at 9.5 pt; wide capitals ("WWW...") get a smaller
    // size rather than a line past the window.
    double size = 9.5;
    for (; size > 5; size -= 0.5) {
      w.font(kSans, false, size);
      const bool fits = std::all_of(n.address.begin(), n.address.end(), [&](const std::string& l) {
        return w.width(l) <= voter_width;
      });
      if (fits) break;
    }
    for (const std::string& line : n.address) {
      w.text(kVoterX, vy, line);
      vy += 13.5;
    }
  }

  // The instructions, smaller if a long list of scrutins needs it.
  const double top = std::max(vy + 30, kVoterBottom + 30);
  const double bottom = kBoxY - 24;
  double scale = 1;
  for (; scale > 0.7; scale -= 0.05) {
    Writer measure(cr, false, scale);
    if (instructions(measure, top, n, t) <= bottom) break;
  }
  Writer body(cr, true, scale);
  instructions(body, top, n, t);

  // The code, in a grey box at the bottom left.
  cairo_set_source_rgb(cr, 0.87, 0.87, 0.87);
  rounded_rectangle(cr, kMargin, kBoxY, kBoxWidth, kBoxHeight, 6);
  cairo_fill(cr);
  w.font(kSans, true, 8.5, 0.3);
  w.text(kMargin + 16, kBoxY + 22, "VOTRE CODE DE VOTE");
  // Straight from the wiped buffer: no std::string copy of the code.
  w.font(kMono, true, 21);
  cairo_move_to(cr, kMargin + 16, kBoxY + 54);
  cairo_show_text(cr, reinterpret_cast<const char*>(n.code.data()));
  w.font(kSans, false, 7.5, 0.3);
  w.text(kMargin + 16, kBoxY + 76,
         "20 caractères en 4 groupes de 5" NBSP
         ": des chiffres 0 et 1, jamais les lettres O, I "
         "ou L.");

  // For the print shop: which page of how many.
  w.font(kSans, false, 7.5, 0.45);
  const std::string footer =
      t.election_id + " · " + std::to_string(index + 1) + "/" + std::to_string(count);
  w.text(kPageWidth - kMargin - w.width(footer), kPageHeight - kMargin, footer);
}

Error unwritable(const std::string& path, int err) {
  return fail("unwritable", "cannot write notices '" + path + "': " + std::strerror(err));
}

}  // namespace

Status write_notices(const std::string& path, const std::vector<Notice>& notices,
                     const NoticeText& text) {
  Sink sink;
  sink.fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (sink.fd < 0) return unwritable(path, errno);
  cairo_status_t status = CAIRO_STATUS_SUCCESS;
  {
    Surface surface(
        cairo_pdf_surface_create_for_stream(write_to_sink, &sink, kPageWidth, kPageHeight));
    const std::string title = "Notices de vote · " + text.election_title;
    cairo_pdf_surface_set_metadata(surface.get(), CAIRO_PDF_METADATA_TITLE, title.c_str());
    cairo_pdf_surface_set_metadata(surface.get(), CAIRO_PDF_METADATA_CREATOR,
                                   "isoloir codes issue");
    Context cr(cairo_create(surface.get()));
    for (size_t i = 0; i < notices.size() && cairo_status(cr.get()) == CAIRO_STATUS_SUCCESS; ++i) {
      draw_page(cr.get(), notices[i], text, i, notices.size());
      cairo_show_page(cr.get());
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
  if (sink.error != 0) return unwritable(path, sink.error);
  if (status != CAIRO_STATUS_SUCCESS) {
    return fail("pdf", "cannot make notices '" + path + "': " + cairo_status_to_string(status));
  }
  if (!synced) return unwritable(path, sync_error);
  if (!closed) return unwritable(path, close_error);
  return Status::Ok();
}

}  // namespace isoloir::cli

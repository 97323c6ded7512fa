// The bureau de vote's documents (tools/reports.h): the procès-verbal and the
// émargement list. The PDFs are read back with poppler's pdftotext and pdfinfo
// (poppler-utils), the CSV as text. Fixed instants only, never the clock's:
// a winter date (CET, UTC+1) and a summer one (CEST, UTC+2).
#include "reports.h"

#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

namespace isoloir::reports {
namespace {

namespace fs = std::filesystem;

#define NBSP "\u00a0"

// 2026-12-01T08:03:12Z: 09:03:12 in Paris (winter).
constexpr int64_t kWinter = 1796112192;
// 2026-07-14T10:30:05Z: 12:30:05 in Paris (summer).
constexpr int64_t kSummer = 1784025005;
// 2026-12-08T16:00:00Z, 17 h 00 in Paris: the planned close.
constexpr int64_t kClose = 1796745600;
// 2026-12-09T07:30:00Z: the procès-verbal is drawn up the next morning.
constexpr int64_t kGenerated = 1796801400;

const std::string kHash = "3f9a0c1d2e4b5a6978c0d1e2f3a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6";
const std::string kRoot = "QmFzZTY0dXJsUm9vdE9mVGhlRmluYWxUcmVlSGVhZA";

struct Outcome {
  int code = -1;
  std::string out;
};

std::string shell_quote(const std::string& s) {
  std::string q = "'";
  for (char c : s) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return q + "'";
}

// Runs a poppler tool on a file; its standard output.
Outcome poppler(const std::string& tool, const std::string& options, const std::string& file) {
  Outcome r;
  const std::string command =
      tool + " " + options + " " + shell_quote(file) + (tool == "pdfinfo" ? "" : " -") + " 2>&1";
  FILE* pipe = popen(command.c_str(), "r");
  EXPECT_NE(pipe, nullptr) << command;
  if (pipe == nullptr) return r;
  char buffer[4096];
  size_t n = 0;
  while ((n = fread(buffer, 1, sizeof buffer, pipe)) > 0) r.out.append(buffer, n);
  const int status = pclose(pipe);
  r.code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}

// The text of a PDF, no-break spaces as plain ones (poppler 22 writes them so;
// the formatting tests check the no-break spaces themselves).
std::string text_of(const std::string& pdf) {
  Outcome r = poppler("pdftotext", "-layout", pdf);
  EXPECT_EQ(r.code, 0) << "pdftotext (poppler-utils): " << r.out;
  for (size_t at = r.out.find("\u00a0"); at != std::string::npos; at = r.out.find("\u00a0", at)) {
    r.out.replace(at, 2, " ");
  }
  return r.out;
}

int pages_of(const std::string& pdf) {
  Outcome r = poppler("pdfinfo", "", pdf);
  EXPECT_EQ(r.code, 0) << "pdfinfo (poppler-utils): " << r.out;
  std::smatch m;
  static const std::regex kPages("Pages:\\s+([0-9]+)");
  if (!std::regex_search(r.out, m, kPages)) {
    ADD_FAILURE() << r.out;
    return -1;
  }
  return std::stoi(m[1]);
}

std::vector<std::string> split(const std::string& text, const std::string& separator) {
  std::vector<std::string> out;
  size_t start = 0;
  for (size_t at = text.find(separator); at != std::string::npos;
       at = text.find(separator, start)) {
    out.push_back(text.substr(start, at - start));
    start = at + separator.size();
  }
  if (start < text.size()) out.push_back(text.substr(start));
  return out;
}

std::vector<std::string> words_of(const std::string& s) {
  std::istringstream in(s);
  std::vector<std::string> words;
  for (std::string w; in >> w;) words.push_back(w);
  return words;
}

bool contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

// Every word's box (pdftotext -bbox) lies on its page, inside the margins
// less a little: nothing is cut off or runs into the paper's edge.
void expect_words_inside(const std::string& pdf) {
  Outcome boxes = poppler("pdftotext", "-bbox", pdf);
  ASSERT_EQ(boxes.code, 0) << boxes.out;
  const std::vector<std::string> pages = split(boxes.out, "<page ");
  ASSERT_GE(pages.size(), 2u);
  static const std::regex kSize("width=\"([0-9.]+)\" height=\"([0-9.]+)\"");
  static const std::regex kWord(
      "<word xMin=\"([-0-9.]+)\" yMin=\"([-0-9.]+)\" xMax=\"([-0-9.]+)\" "
      "yMax=\"([-0-9.]+)\">([^<]*)</word>");
  size_t words = 0;
  for (size_t p = 1; p < pages.size(); ++p) {
    std::smatch size;
    ASSERT_TRUE(std::regex_search(pages[p], size, kSize));
    const double width = std::stod(size[1]);
    const double height = std::stod(size[2]);
    for (auto it = std::sregex_iterator(pages[p].begin(), pages[p].end(), kWord);
         it != std::sregex_iterator(); ++it) {
      const std::smatch& w = *it;
      ++words;
      EXPECT_GE(std::stod(w[1]), 50) << w[5] << ", page " << p;
      EXPECT_LE(std::stod(w[3]), width - 50) << w[5] << ", page " << p;
      EXPECT_GE(std::stod(w[2]), 30) << w[5] << ", page " << p;
      EXPECT_LE(std::stod(w[4]), height - 20) << w[5] << ", page " << p;
    }
  }
  EXPECT_GT(words, 0u);
}

class Reports : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = (fs::temp_directory_path() / "isoloir-reports-XXXXXX").string();
    ASSERT_NE(mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
  }
  void TearDown() override {
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }
  std::string path(const std::string& name) const { return (dir_ / name).string(); }

  fs::path dir_;
};

// Two scrutins as the académie de Lyon might hold them.
PvData sample_pv() {
  PvData d;
  d.election_title = "Élections professionnelles 2026 — Académie de Lyon";
  d.election_id = "ep2026-lyon";
  d.election_hash = kHash;
  d.tree_size = 12873;
  d.tree_root = kRoot;
  d.closed_at = kClose;
  d.early_close = false;
  d.generated_at = kGenerated;
  PvScrutin capa;
  capa.id = "capa-certifies";
  capa.title = "CAPA des professeurs certifiés";
  capa.registered = 10000;
  capa.votes = 7240;
  capa.options = {
      {"AVEC LA FSU POUR LE SECOND DEGRÉ", false, 3120},
      {"UNSA Éducation", false, 1850},
      {"SNALC — Syndicat national des lycées, collèges, écoles et du supérieur", false, 1500},
      {"Vote blanc", true, 770}};
  PvScrutin csa;
  csa.id = "csa-academique";
  csa.title = "Comité social d’administration académique";
  csa.registered = 3;
  csa.votes = 2;
  csa.options = {{"Liste A", false, 1}, {"Liste B", false, 1}, {"Vote blanc", true, 0}};
  d.scrutins = {capa, csa};
  return d;
}

// --- Formatting -----------------------------------------------------------------

TEST(ReportFormat, FrenchNumbers) {
  EXPECT_EQ(french_number(0), "0");
  EXPECT_EQ(french_number(999), "999");
  EXPECT_EQ(french_number(1000), "1" NBSP "000");
  EXPECT_EQ(french_number(12345678), "12" NBSP "345" NBSP "678");
  EXPECT_EQ(french_number(18446744073709551615ull),
            "18" NBSP "446" NBSP "744" NBSP "073" NBSP "709" NBSP "551" NBSP "615");
}

TEST(ReportFormat, FrenchPercentages) {
  EXPECT_EQ(french_percent(724, 1000, 1), "72,4" NBSP "%");
  EXPECT_EQ(french_percent(7240, 10000, 1), "72,4" NBSP "%");
  EXPECT_EQ(french_percent(2, 3, 2), "66,67" NBSP "%");
  EXPECT_EQ(french_percent(1, 3, 2), "33,33" NBSP "%");
  EXPECT_EQ(french_percent(1, 16, 1), "6,3" NBSP "%");  // 6.25: half up
  EXPECT_EQ(french_percent(1, 8, 0), "13" NBSP "%");    // 12.5: half up
  EXPECT_EQ(french_percent(0, 5, 1), "0,0" NBSP "%");
  EXPECT_EQ(french_percent(5, 5, 2), "100,00" NBSP "%");
  EXPECT_EQ(french_percent(1, 20000, 2), "0,01" NBSP "%");  // 0.005: half up
  EXPECT_EQ(french_percent(3, 0, 1), "—");
  // Past what integer arithmetic holds: still right.
  EXPECT_EQ(french_percent(9223372036854775807ull, 18446744073709551615ull, 1), "50,0" NBSP "%");
}

TEST(ReportFormat, TimesInUtcAndParis) {
  EXPECT_EQ(rfc3339_utc(kWinter), "2026-12-01T08:03:12Z");
  EXPECT_EQ(rfc3339_paris(kWinter), "2026-12-01T09:03:12+01:00");
  EXPECT_EQ(paris_numeric_time(kWinter), "01/12/2026 09:03:12");
  EXPECT_EQ(rfc3339_utc(kSummer), "2026-07-14T10:30:05Z");
  EXPECT_EQ(rfc3339_paris(kSummer), "2026-07-14T12:30:05+02:00");
  EXPECT_EQ(paris_numeric_time(kSummer), "14/07/2026 12:30:05");
  // Both sides of both changes of 2026 (values from Debian's tzdata).
  EXPECT_EQ(rfc3339_paris(1774745999), "2026-03-29T01:59:59+01:00");
  EXPECT_EQ(rfc3339_paris(1774746000), "2026-03-29T03:00:00+02:00");
  EXPECT_EQ(rfc3339_paris(1792889999), "2026-10-25T02:59:59+02:00");
  EXPECT_EQ(rfc3339_paris(1792890000), "2026-10-25T02:00:00+01:00");
  // Across a new year, in Paris only.
  EXPECT_EQ(rfc3339_utc(946684799), "1999-12-31T23:59:59Z");
  EXPECT_EQ(paris_numeric_time(946684799), "01/01/2000 00:59:59");
  EXPECT_EQ(rfc3339_utc(0), "1970-01-01T00:00:00Z");
}

// --- The émargement list as CSV -------------------------------------------------

TEST(EmargementCsv, HeaderRowsAndTimes) {
  const std::string csv = emargement_csv(
      {{"Anaïs Lefèvre", "anais.lefevre@ac-lyon.fr", "CAPA des professeurs certifiés", kWinter},
       {"Élodie Martin", "elodie.martin@ac-lyon.fr", "CAPA des professeurs certifiés", kSummer}});
  EXPECT_EQ(csv,
            "name,identifier,scrutin,voted_at_utc,voted_at_paris\r\n"
            "Anaïs Lefèvre,anais.lefevre@ac-lyon.fr,CAPA des professeurs certifiés,"
            "2026-12-01T08:03:12Z,2026-12-01T09:03:12+01:00\r\n"
            "Élodie Martin,elodie.martin@ac-lyon.fr,CAPA des professeurs certifiés,"
            "2026-07-14T10:30:05Z,2026-07-14T12:30:05+02:00\r\n");
  EXPECT_EQ(emargement_csv({}), "name,identifier,scrutin,voted_at_utc,voted_at_paris\r\n");
}

TEST(EmargementCsv, QuotesAndNeutralisesFormulas) {
  const std::string csv = emargement_csv({
      {"Martin, Élodie", "say \"hi\"@x.fr", "ligne 1\nligne 2", kWinter},
      {"=HYPERLINK(\"http://evil\",\"x\")", "+33 6 12", "-2+3", kWinter},
      {"@SUM(A1:A2)", "\tTab", "\rCR", kWinter},
      {"Jean-Pierre = ok", "a-b@c.fr", "x@y", kWinter},
  });
  const std::vector<std::string> lines = split(csv, "\r\n");
  ASSERT_EQ(lines.size(), 5u) << csv;
  const std::string t = ",2026-12-01T08:03:12Z,2026-12-01T09:03:12+01:00";
  EXPECT_EQ(lines[1], "\"Martin, Élodie\",\"say \"\"hi\"\"@x.fr\",\"ligne 1\nligne 2\"" + t);
  EXPECT_EQ(lines[2], "\"'=HYPERLINK(\"\"http://evil\"\",\"\"x\"\")\",'+33 6 12,'-2+3" + t);
  EXPECT_EQ(lines[3], "'@SUM(A1:A2),'\tTab,\"'\rCR\"" + t);
  // Only a leading sign counts.
  EXPECT_EQ(lines[4], "Jean-Pierre = ok,a-b@c.fr,x@y" + t);
}

// --- The procès-verbal ----------------------------------------------------------

TEST_F(Reports, PvHasTheResultsAndTheFingerprint) {
  const std::string pdf = path("pv.pdf");
  const Status written = write_pv_pdf(pdf, sample_pv());
  ASSERT_TRUE(written.ok()) << written.error().message();
  struct stat st {};
  ASSERT_EQ(stat(pdf.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);

  const int pages = pages_of(pdf);
  EXPECT_GE(pages, 1);
  EXPECT_LE(pages, 2);
  const std::string text = text_of(pdf);
  for (const std::string& s : std::vector<std::string>{
           "Procès-verbal des résultats",
           "Élections professionnelles 2026 — Académie de Lyon",
           "ep2026-lyon",
           // The first scrutin: 10 000 inscrits, 7 240 votants, 770 blancs,
           // 6 470 exprimés.
           "CAPA des professeurs certifiés",
           "Inscrits",
           "Votants",
           "Taux de participation",
           "Blancs",
           "Exprimés",
           "10 000",
           "7 240",
           "72,4 %",
           "770",
           "6 470",
           "AVEC LA FSU POUR LE SECOND DEGRÉ",
           "3 120",
           "48,22 %",  // 3120 / 6470
           "UNSA Éducation",
           "1 850",
           "28,59 %",
           "1 500",
           "23,18 %",
           // The second: 2 of 3, no blank.
           "Comité social d’administration académique",
           "66,7 %",
           "50,00 %",
           // The fingerprint.
           "Empreinte du registre",
           kHash,
           kRoot,
           "12 873",
           "mardi 8 décembre 2026 à 17 h 00, heure de Paris",
           "heure prévue",
           "mercredi 9 décembre 2026 à 8 h 30",
           // Signatures.
           "Signatures",
           "Le président du bureau de vote",
           "Délégué de liste",
       }) {
    EXPECT_TRUE(contains(text, s)) << "missing: " << s << "\n" << text;
  }
  // The SNALC's label is on one or two lines: all its words are there.
  for (const std::string& w :
       words_of("SNALC — Syndicat national des lycées, collèges, écoles et du supérieur")) {
    EXPECT_TRUE(contains(text, w)) << w;
  }
  EXPECT_FALSE(contains(text, "anticipée"));
  // "page X / Y" on each page.
  const std::vector<std::string> page_texts = split(text, "\f");
  ASSERT_EQ(page_texts.size(), static_cast<size_t>(pages));
  for (int p = 1; p <= pages; ++p) {
    EXPECT_TRUE(contains(page_texts[static_cast<size_t>(p - 1)],
                         "page " + std::to_string(p) + " / " + std::to_string(pages)))
        << page_texts[static_cast<size_t>(p - 1)];
  }
  expect_words_inside(pdf);
}

TEST_F(Reports, PvEarlyCloseInSummerTime) {
  PvData d = sample_pv();
  d.closed_at = kSummer;
  d.early_close = true;
  const std::string pdf = path("pv.pdf");
  ASSERT_TRUE(write_pv_pdf(pdf, d).ok());
  const std::string text = text_of(pdf);
  EXPECT_TRUE(contains(text, "mardi 14 juillet 2026 à 12 h 30, heure de Paris")) << text;
  EXPECT_TRUE(contains(text, "clôture anticipée")) << text;
  EXPECT_FALSE(contains(text, "heure prévue")) << text;
}

TEST_F(Reports, PvWithManyListsAndScrutinsFlowsOntoPages) {
  PvData d = sample_pv();
  d.scrutins.clear();
  const std::string long_label =
      "Fédération syndicale unitaire — Syndicat national des enseignements de second degré, "
      "Syndicat national unitaire des instituteurs, professeurs des écoles et PEGC, et "
      "Syndicat national de l’éducation physique de l’enseignement public (FSU-SNES-SNUipp-"
      "SNEP), liste d’union soutenue par l’intersyndicale académique";
  for (int s = 0; s < 9; ++s) {
    PvScrutin sc;
    sc.id = "scrutin-" + std::to_string(s);
    sc.title = "Commission administrative paritaire académique numéro " + std::to_string(s) +
               " des personnels de direction, d’inspection et d’encadrement";
    sc.registered = 100000;
    sc.votes = 61234;
    uint64_t left = sc.votes;
    for (int o = 0; o < 15; ++o) {
      const uint64_t count = o == 14 ? left : 3000 + static_cast<uint64_t>(o) * 17;
      left -= count;
      sc.options.push_back(
          {o == 3 ? long_label
                  : "Liste numéro " + std::to_string(o) + " — Syndicat n°" + std::to_string(o),
           o == 14, count});
    }
    d.scrutins.push_back(sc);
  }
  const std::string pdf = path("pv-long.pdf");
  const Status written = write_pv_pdf(pdf, d);
  ASSERT_TRUE(written.ok()) << written.error().message();
  const int pages = pages_of(pdf);
  EXPECT_GE(pages, 4);
  EXPECT_LE(pages, 12);
  const std::string text = text_of(pdf);
  const std::vector<std::string> page_texts = split(text, "\f");
  ASSERT_EQ(page_texts.size(), static_cast<size_t>(pages));
  for (int p = 1; p <= pages; ++p) {
    EXPECT_TRUE(contains(page_texts[static_cast<size_t>(p - 1)],
                         "page " + std::to_string(p) + " / " + std::to_string(pages)));
  }
  for (int s = 0; s < 9; ++s) {
    EXPECT_TRUE(contains(text, "scrutin-" + std::to_string(s)));
    for (int o = 0; o < 14; ++o) {
      if (o == 3) continue;
      EXPECT_TRUE(contains(
          text, "Liste numéro " + std::to_string(o) + " — Syndicat n°" + std::to_string(o)))
          << s << " " << o;
    }
  }
  for (const std::string& w : words_of(long_label)) EXPECT_TRUE(contains(text, w)) << w;
  // Blank: 61234 − 14 lists (3000 + 17·o) = 61234 − 43547 = 17687.
  EXPECT_TRUE(contains(text, "17 687"));
  EXPECT_TRUE(contains(text, "43 547"));
  EXPECT_TRUE(contains(text, "61,2 %"));
  EXPECT_TRUE(contains(text, "(suite)")) << "a table carried over names its scrutin";
  EXPECT_TRUE(contains(page_texts.back(), "Signatures"));
  expect_words_inside(pdf);
}

TEST_F(Reports, PvRefusesInconsistentCounts) {
  PvData d = sample_pv();
  d.scrutins[0].options.back().count = 7241;  // more blank votes than votes
  const std::string pdf = path("pv.pdf");
  Status s = write_pv_pdf(pdf, d);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().reason, "bad_report");
  EXPECT_TRUE(contains(s.error().detail, "capa-certifies")) << s.error().detail;
  d = sample_pv();
  d.scrutins[1].votes = 4;  // more votes than registered voters
  s = write_pv_pdf(pdf, d);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().reason, "bad_report");
  EXPECT_TRUE(contains(s.error().detail, "csa-academique")) << s.error().detail;
  EXPECT_FALSE(fs::exists(pdf));
}

TEST_F(Reports, UnwritablePath) {
  const Status s = write_pv_pdf(path("no/such/dir/pv.pdf"), sample_pv());
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().reason, "unwritable");
  EXPECT_TRUE(contains(s.error().detail, "no/such/dir/pv.pdf")) << s.error().detail;
  const Status e = write_emargement_pdf(path("no/such/e.pdf"), "É", "S", {}, kGenerated);
  ASSERT_FALSE(e.ok());
  EXPECT_EQ(e.error().reason, "unwritable");
}

TEST_F(Reports, SameDataSameFile) {
  ASSERT_TRUE(write_pv_pdf(path("a.pdf"), sample_pv()).ok());
  ASSERT_TRUE(write_pv_pdf(path("b.pdf"), sample_pv()).ok());
  std::ifstream a(path("a.pdf"), std::ios::binary);
  std::ifstream b(path("b.pdf"), std::ios::binary);
  const std::string bytes_a((std::istreambuf_iterator<char>(a)), std::istreambuf_iterator<char>());
  const std::string bytes_b((std::istreambuf_iterator<char>(b)), std::istreambuf_iterator<char>());
  EXPECT_EQ(bytes_a, bytes_b);
  const Outcome info = poppler("pdfinfo", "", path("a.pdf"));
  EXPECT_TRUE(contains(info.out, "2026")) << "the creation date is generated_at's\n" << info.out;
}

TEST_F(Reports, PvWithLongTitlesAndOddBytesStaysOnThePage) {
  PvData d = sample_pv();
  d.election_title =
      "Élections professionnelles 2026 des personnels enseignants, d’éducation, "
      "d’orientation, administratifs, techniques, sociaux et de santé, d’inspection et de "
      "direction du ministère de l’Éducation nationale et de la Jeunesse — Académie de Lyon";
  d.election_id = "ep2026-lyon-" + std::string(120, 'x');  // one word wider than the page
  // A line break and a byte that is not UTF-8: printed as a space and U+FFFD
  // rather than failing the whole document.
  d.scrutins[0].options[1].label = "UNSA\nÉducation \xff fin";
  d.scrutins[0].title = "CAPA des professeurs certifiés et des professeurs agrégés, hors classe";
  const std::string pdf = path("pv.pdf");
  const Status written = write_pv_pdf(pdf, d);
  ASSERT_TRUE(written.ok()) << written.error().message();
  const std::string text = text_of(pdf);
  for (const std::string& w : words_of(d.election_title)) EXPECT_TRUE(contains(text, w)) << w;
  EXPECT_TRUE(contains(text, "UNSA Éducation \ufffd fin")) << text;
  expect_words_inside(pdf);
}

// --- The émargement list as PDF -------------------------------------------------

TEST_F(Reports, EmargementPdfSmall) {
  const std::string pdf = path("emargement.pdf");
  const std::string long_name =
      "Marie-Hélène Du Pont de Nemours de La Tour d’Auvergne-Lauraguais épouse Saint-Exupéry";
  const std::vector<EmargementRow> rows = {
      {"Anaïs Lefèvre", "anais.lefevre@ac-lyon.fr", "CAPA des professeurs certifiés", kWinter},
      {"Élodie Martin", "elodie.martin@ac-lyon.fr", "CAPA des professeurs certifiés", kSummer},
      {long_name, "marie-helene.du-pont-de-nemours-de-la-tour-d-auvergne@ac-lyon.fr",
       "CAPA des professeurs certifiés", kWinter + 60},
  };
  const Status written = write_emargement_pdf(pdf, "Élections professionnelles 2026",
                                              "CAPA des professeurs certifiés", rows, kGenerated);
  ASSERT_TRUE(written.ok()) << written.error().message();
  EXPECT_EQ(pages_of(pdf), 1);
  const std::string text = text_of(pdf);
  for (const std::string& s : std::vector<std::string>{
           "Liste d’émargement", "Élections professionnelles 2026",
           "CAPA des professeurs certifiés", "Nom", "Identifiant", "Émargé le (heure de Paris)",
           "Anaïs Lefèvre", "anais.lefevre@ac-lyon.fr", "01/12/2026 09:03:12", "Élodie Martin",
           "14/07/2026 12:30:05", "01/12/2026 09:04:12", "3 émargements", "page 1 / 1"}) {
    EXPECT_TRUE(contains(text, s)) << "missing: " << s << "\n" << text;
  }
  for (const std::string& w : words_of(long_name)) EXPECT_TRUE(contains(text, w)) << w;
  EXPECT_FALSE(contains(text, "Scrutin  ")) << "one scrutin: no scrutin column";
  expect_words_inside(pdf);
}

TEST_F(Reports, EmargementPdfForSeveralScrutins) {
  const std::string pdf = path("emargement.pdf");
  const Status written =
      write_emargement_pdf(pdf, "Élections professionnelles 2026", "",
                           {{"Anaïs Lefèvre", "a@b.fr", "CAPA des certifiés", kWinter},
                            {"Anaïs Lefèvre", "a@b.fr", "CSA académique", kWinter + 5}},
                           kGenerated);
  ASSERT_TRUE(written.ok()) << written.error().message();
  const std::string text = text_of(pdf);
  for (const std::string& s :
       std::vector<std::string>{"Tous les scrutins", "Scrutin", "CAPA des certifiés",
                                "CSA académique", "01/12/2026 09:03:17", "2 émargements"}) {
    EXPECT_TRUE(contains(text, s)) << "missing: " << s << "\n" << text;
  }
}

TEST_F(Reports, EmargementPdfEmpty) {
  const std::string pdf = path("emargement.pdf");
  ASSERT_TRUE(write_emargement_pdf(pdf, "Élection", "Scrutin", {}, kGenerated).ok());
  EXPECT_EQ(pages_of(pdf), 1);
  EXPECT_TRUE(contains(text_of(pdf), "0 émargement"));
}

TEST_F(Reports, EmargementPdfOfFiveThousandRows) {
  std::vector<EmargementRow> rows;
  for (int i = 0; i < 5000; ++i) {
    rows.push_back({"Électeur n°" + std::to_string(i + 1) + " Lefèvre-Château",
                    "electeur" + std::to_string(i + 1) + "@ac-lyon.fr",
                    "CAPA des professeurs certifiés", kWinter + i * 7});
  }
  const std::string pdf = path("emargement.pdf");
  const auto start = std::chrono::steady_clock::now();
  const Status written = write_emargement_pdf(pdf, "Élections professionnelles 2026",
                                              "CAPA des professeurs certifiés", rows, kGenerated);
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  ASSERT_TRUE(written.ok()) << written.error().message();
  RecordProperty("seconds", std::to_string(seconds));
  std::printf("5000 rows: %.2f s, %ju bytes\n", seconds,
              static_cast<uintmax_t>(fs::file_size(pdf)));
  EXPECT_LT(seconds, 15) << "shared 2-core machine: generous";
  const int pages = pages_of(pdf);
  EXPECT_GE(pages, 60);
  EXPECT_LE(pages, 140);
  const std::string text = text_of(pdf);
  const std::vector<std::string> page_texts = split(text, "\f");
  ASSERT_EQ(page_texts.size(), static_cast<size_t>(pages));
  for (int p = 1; p <= pages; ++p) {
    const std::string& page = page_texts[static_cast<size_t>(p - 1)];
    EXPECT_TRUE(contains(page, "Identifiant")) << "header repeated, page " << p;
    EXPECT_TRUE(contains(page, "page " + std::to_string(p) + " / " + std::to_string(pages)));
  }
  EXPECT_TRUE(contains(text, "5 000 émargements"));
  // Every row is there, once, in order.
  size_t at = 0;
  for (int i = 0; i < 5000; ++i) {
    const std::string id = "electeur" + std::to_string(i + 1) + "@ac-lyon.fr";
    const size_t found = text.find(id, at);
    ASSERT_NE(found, std::string::npos) << id;
    at = found + id.size();
  }
  // The last one: 4999 · 7 s = 9 h 43 min 13 s after 09:03:12.
  EXPECT_TRUE(contains(page_texts.back(), "01/12/2026 18:46:25")) << page_texts.back();
}

}  // namespace
}  // namespace isoloir::reports

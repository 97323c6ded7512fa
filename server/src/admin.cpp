// isoloir-admin: loads an election and its voters into a data directory and
// reports its state. Run while no server holds the directory (the urn's lock
// refuses a second owner).
//
// Setup order: `server-key` first (it creates the key and prints its public
// half), the registrar writes that key into the manifest's server_key, then
// `election import` and `voters import`.
//
// Exit status: 0 done; 1 refused (a bad manifest or voter file, a second
// import, a directory in use): nothing was changed; 2 usage or unreadable
// file.
#include <sys/stat.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <exception>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "isoloir/bytes.h"
#include "isoloir/canonical_json.h"
#include "isoloir/closing.h"
#include "isoloir/manifest.h"
#include "isoloir/timestamp.h"
#include "isoloir/urn/data_dir.h"
#include "isoloir/urn/voter_file.h"
#include "reports.h"
#include "text/text.h"
#include "urn/ceremony_store.h"

namespace {

using isoloir::Error;
using isoloir::Result;

enum ExitCode : int { kOk = 0, kRefused = 1, kUsage = 2 };

constexpr const char* kUsageText =
    "usage: isoloir-admin --data-dir DIR COMMAND\n"
    "  server-key                 print the server's public key (base64url), creating it if\n"
    "                             needed: put it in the manifest's server_key before importing\n"
    "  election import MANIFEST TRUSTEES\n"
    "                             store the election and its trustees' transcript\n"
    "                             (trustees.json: the manifest's public_key must be its key);\n"
    "                             prints its election hash\n"
    "  voters import FILE.csv     register the voters (docs/urn-storage.md); prints how many\n"
    "  status                     election hash, voters, ballots, latest tree head\n"
    "  reclamations               the voters' complaints, one JSON object per line, oldest\n"
    "                             first (works while the server runs)\n"
    "  turnout                    per scrutin: registered voters, votes, rate (works while\n"
    "                             the server runs)\n"
    "  close                      close the vote now, before closes_at: signed and final,\n"
    "                             casting is refused from then on (works while the server runs)\n"
    "  ceremony open --election-id ID --threshold T [--url URL] NAME...\n"
    "                             open the trustees' key ceremony in the browser; prints\n"
    "                             each trustee's single-use link (URL/tresorier#TOKEN)\n"
    "  ceremony finish --out TRUSTEES\n"
    "                             trustees.json from what the trustees posted; prints the\n"
    "                             election key (a trustee at fault is named, nothing written)\n"
    "  tally RECORD_DIR PARTIALS...\n"
    "                             the count: combine the trustees' partials files (any\n"
    "                             threshold of valid ones; a bad one is named and set\n"
    "                             aside), write the whole record into RECORD_DIR (new) and\n"
    "                             publish it (works while the server runs)\n"
    "  record publish DIR         check the count in DIR (tally.json, results.json from\n"
    "                             `isoloir tally combine`) against the urn and publish it\n"
    "  emargements csv|pdf FILE   the émargement list (who voted in which scrutin, and when):\n"
    "                             CSV, or a PDF to print (works while the server runs)\n"
    "  report FILE.pdf            the procès-verbal of the published results: per scrutin\n"
    "                             registered voters, votes, blank, each list's count, and\n"
    "                             the record's fingerprint (works while the server runs)\n";

int usage(const std::string& why) {
  std::fprintf(stderr, "isoloir-admin: %s\n%s", why.c_str(), kUsageText);
  return kUsage;
}

int refused(const Error& e, const std::string& hint = {}) {
  std::fprintf(stderr, "isoloir-admin: refused: %s\n", e.message().c_str());
  if (!hint.empty()) std::fprintf(stderr, "%s\n", hint.c_str());
  return kRefused;
}

Result<std::string> read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return isoloir::fail("unreadable", path + ": " + std::strerror(errno));
  std::ostringstream buf;
  buf << in.rdbuf();
  if (in.bad()) return isoloir::fail("unreadable", path + ": read error");
  return buf.str();
}

int server_key(const std::string& dir) {
  auto key = isoloir::urn::open_server_key(dir);
  if (!key) return refused(key.error());
  std::printf("%s\n", isoloir::base64url_encode(key->public_key()).c_str());
  return kOk;
}

int import_election(const std::string& dir, const std::string& path,
                    const std::string& trustees_path) {
  auto text = read_file(path);
  if (!text) return usage(text.error().detail);
  auto trustees = read_file(trustees_path);
  if (!trustees) return usage(trustees.error().detail);
  auto urn = isoloir::urn::open_data_dir(dir);
  if (!urn) return refused(urn.error());
  if (auto s = (*urn)->import_election(*text, *trustees); !s) {
    const bool key_hint = s.error().reason == "bad_manifest" &&
                          s.error().detail.find("server_key") != std::string::npos;
    return refused(s.error(), key_hint ? "the manifest's server_key must be the output of "
                                         "`isoloir-admin --data-dir " +
                                             dir + " server-key`"
                                       : "");
  }
  auto canonical = (*urn)->manifest();
  if (!canonical) return refused(canonical.error());
  auto manifest = isoloir::parse_manifest(*canonical);
  if (!manifest) return refused(manifest.error());
  std::printf("%s\n", manifest->hash_b64.c_str());
  return kOk;
}

int import_voters(const std::string& dir, const std::string& path) {
  auto text = read_file(path);
  if (!text) return usage(text.error().detail);
  auto rows = isoloir::urn::parse_voter_csv(*text);
  if (!rows) return refused(rows.error());
  auto urn = isoloir::urn::open_data_dir(dir);
  if (!urn) return refused(urn.error());
  // The initial credentials are valid from now: ballots cast before the
  // import could not have been admitted anyway.
  if (auto s = (*urn)->import_voters(*rows, isoloir::Timestamp::now()); !s) {
    return refused(s.error());
  }
  std::printf("%zu\n", rows->size());
  return kOk;
}

int status(const std::string& dir) {
  auto urn = isoloir::urn::open_data_dir(dir);
  if (!urn) return refused(urn.error());
  std::string out;
  auto canonical = (*urn)->manifest();
  if (canonical) {
    auto manifest = isoloir::parse_manifest(*canonical);
    if (!manifest) return refused(manifest.error());
    out += "election: " + manifest->hash_b64 + " (" + manifest->id + ")\n";
  } else {
    out += "election: none\n";
  }
  auto voters = (*urn)->voter_count();
  if (!voters) return refused(voters.error());
  out += "voters: " + std::to_string(*voters) + "\n";
  out += "ballots: " + std::to_string((*urn)->size()) + "\n";
  auto head = (*urn)->latest_tree_head();
  out += "tree head: " + (head ? head->document : std::string("none")) + "\n";
  std::fputs(out.c_str(), stdout);
  return kOk;
}

// JSON Lines: one complaint per line, its text with its line breaks escaped,
// so that a complaint can never pass for two, and every control or
// invisible formatting character escaped too.
int reclamations(const std::string& dir) {
  auto all = isoloir::urn::read_reclamations(dir);
  if (!all) return refused(all.error());
  for (const isoloir::urn::Reclamation& r : *all) {
    isoloir::Json line = isoloir::Json::object();
    line["id"] = r.id;
    line["filed_at"] = r.filed_at;
    line["voter"] = r.voter;
    line["scrutin"] = r.scrutin;
    line["text"] = r.text;
    // Rows stored before the server refused them may hold C1 controls or
    // bidirectional overrides: written as JSON escapes, never raw to the
    // officer's terminal.
    std::printf("%s\n", isoloir::text::escape_unprintable(isoloir::canonical_dump(line)).c_str());
  }
  return kOk;
}

std::string percent(uint64_t part, uint64_t whole) {
  if (whole == 0) return "-";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f %%",
                100.0 * static_cast<double>(part) / static_cast<double>(whole));
  return buf;
}

int turnout(const std::string& dir) {
  auto all = isoloir::urn::read_turnout(dir);
  if (!all) return refused(all.error());
  for (const isoloir::urn::Turnout& t : *all) {
    std::printf("%s: %llu registered, %llu votes, %s\n", t.scrutin.c_str(),
                static_cast<unsigned long long>(t.registered),
                static_cast<unsigned long long>(t.votes), percent(t.votes, t.registered).c_str());
  }
  return kOk;
}

int close_now(const std::string& dir) {
  auto c = isoloir::urn::close_early(dir, isoloir::Timestamp::now());
  if (!c) return refused(c.error());
  std::printf("closed at %s%s\n%s\n", c->closed_at.c_str(),
              c->early ? " (early close)" : " (end of the voting window)", c->tree_head.c_str());
  return kOk;
}

int publish_record(const std::string& dir, const std::string& record_dir) {
  auto tally = read_file(record_dir + "/tally.json");
  if (!tally) return usage(tally.error().detail);
  auto results = read_file(record_dir + "/results.json");
  if (!results) return usage(results.error().detail);
  auto report = isoloir::urn::publish_count(dir, *tally, *results);
  if (!report) return refused(report.error());
  std::printf("published: %llu ballots, %llu voters\n",
              static_cast<unsigned long long>(report->ballots),
              static_cast<unsigned long long>(report->voters));
  for (const isoloir::RecordScrutinResult& r : report->results) {
    std::printf("scrutin %s: %llu ballots\n", r.scrutin.c_str(),
                static_cast<unsigned long long>(r.ballots));
    for (const isoloir::RecordCount& c : r.counts) {
      std::printf("  %s: %llu\n", c.option.c_str(), static_cast<unsigned long long>(c.count));
    }
  }
  return kOk;
}

int emargements(const std::string& dir, const std::string& format, const std::string& out) {
  if (format != "csv" && format != "pdf")
    return usage("emargements csv FILE or emargements pdf FILE");
  auto list = isoloir::urn::read_emargements(dir);
  if (!list) return refused(list.error());
  auto manifest = isoloir::urn::read_manifest(dir);
  if (!manifest) return refused(manifest.error());
  std::vector<isoloir::reports::EmargementRow> rows;
  for (const isoloir::urn::EmargementEntry& e : *list) {
    auto voted = isoloir::Timestamp::parse(e.voted_at, "voted_at");
    if (!voted) return refused(voted.error());
    const isoloir::Scrutin* s = manifest->find_scrutin(e.scrutin);
    rows.push_back({e.name, e.identifier, s != nullptr ? s->title : e.scrutin, voted->seconds});
  }
  if (format == "csv") {
    std::ofstream f(out, std::ios::binary | std::ios::trunc);
    f << isoloir::reports::emargement_csv(rows);
    f.close();
    if (!f) return usage("cannot write " + out);
  } else if (auto st = isoloir::reports::write_emargement_pdf(out, manifest->title, "", rows,
                                                              isoloir::Timestamp::now().seconds);
             !st) {
    return refused(st.error());
  }
  std::printf("%zu émargements: %s\n", rows.size(), out.c_str());
  return kOk;
}

int report(const std::string& dir, const std::string& out) {
  auto manifest = isoloir::urn::read_manifest(dir);
  if (!manifest) return refused(manifest.error());
  auto close = isoloir::urn::read_close(dir);
  if (!close) return refused(close.error());
  auto results_text = isoloir::urn::read_published(dir, "results.json");
  if (!results_text) return refused(results_text.error());
  auto turnout = isoloir::urn::read_turnout(dir);
  if (!turnout) return refused(turnout.error());
  auto verified = isoloir::verify_close(close->document, *manifest);
  if (!verified) return refused(verified.error());
  auto results = isoloir::parse_canonical(*results_text);
  if (!results) return refused(results.error());

  isoloir::reports::PvData pv;
  pv.election_title = manifest->title;
  pv.election_id = manifest->id;
  pv.election_hash = manifest->hash_b64;
  pv.tree_size = verified->tree_head.size;
  pv.tree_root = isoloir::base64url_encode(verified->tree_head.root);
  pv.closed_at = verified->closed_at.seconds;
  pv.early_close = verified->early;
  pv.generated_at = isoloir::Timestamp::now().seconds;
  // results.json was checked with the whole record when it was published:
  // its counts are in manifest order.
  const isoloir::Json& scrutins = (*results)["scrutins"];
  for (size_t i = 0; i < manifest->scrutins.size() && i < scrutins.size(); ++i) {
    const isoloir::Scrutin& s = manifest->scrutins[i];
    isoloir::reports::PvScrutin out_s;
    out_s.id = s.id;
    out_s.title = s.title;
    out_s.votes = scrutins[i]["ballots"].get<uint64_t>();
    for (const isoloir::urn::Turnout& t : *turnout) {
      if (t.scrutin == s.id) out_s.registered = t.registered;
    }
    const isoloir::Json& counts = scrutins[i]["counts"];
    for (size_t k = 0; k < s.options.size() && k < counts.size(); ++k) {
      out_s.options.push_back(
          {s.options[k].label, s.options[k].blank, counts[k]["count"].get<uint64_t>()});
    }
    pv.scrutins.push_back(std::move(out_s));
  }
  if (auto st = isoloir::reports::write_pv_pdf(out, pv); !st) return refused(st.error());
  std::printf("procès-verbal: %s\n", out.c_str());
  return kOk;
}

// The count in one step for the election officer: what `isoloir tally
// combine` does from the board's files, done from the urn's own, then
// published as `record publish` does.
int tally(const std::string& dir, const std::string& out_dir,
          const std::vector<std::string>& partials_paths) {
  auto files = isoloir::urn::read_record(dir);
  if (!files) return refused(files.error());
  if (auto close = isoloir::urn::read_close(dir); !close) return refused(close.error());
  std::vector<isoloir::PartialsFile> partials;
  for (const std::string& path : partials_paths) {
    auto bytes = read_file(path);
    if (!bytes) return usage(bytes.error().detail);
    partials.push_back({path, std::move(*bytes)});
  }
  // Every ballot is checked again: the count trusts no store.
  auto board = isoloir::verify_board(isoloir::BoardFiles{
      files->manifest, files->trustees, files->credentials, files->ballots, files->tree_head});
  if (!board) return refused(board.error());
  auto combined =
      isoloir::combine_tally(board->manifest, board->trustees, board->aggregates, partials);
  if (!combined) return refused(combined.error());
  for (const isoloir::SetAside& a : combined->set_aside) {
    std::fprintf(stderr, "isoloir-admin: set aside: %s: %s\n", a.who.c_str(), a.reason.c_str());
  }
  files->tally = combined->tally;
  files->results = combined->results;
  if (::mkdir(out_dir.c_str(), 0755) != 0) {
    return usage("cannot create " + out_dir + ": " + std::strerror(errno));
  }
  const std::pair<const char*, const std::string*> parts[] = {
      {"manifest.json", &files->manifest},       {"trustees.json", &files->trustees},
      {"credentials.json", &files->credentials}, {"ballots.jsonl", &files->ballots},
      {"tree_head.json", &files->tree_head},     {"tally.json", &files->tally},
      {"results.json", &files->results}};
  for (const auto& [name, content] : parts) {
    std::ofstream f(out_dir + "/" + name, std::ios::binary | std::ios::trunc);
    f << *content;
    f.close();
    if (!f) return usage("cannot write " + out_dir + "/" + name);
  }
  return publish_record(dir, out_dir);
}

int run(const std::vector<std::string>& args) {
  // The key ceremony's relay (ceremony_store.h): its own options.
  if (args.size() >= 3 && args[0] == "--data-dir" && args[2] == "ceremony") {
    return isoloir::server::ceremony_admin(args[1], {args.begin() + 2, args.end()});
  }
  std::string dir;
  std::vector<std::string> command;
  for (size_t i = 0; i < args.size(); ++i) {
    if (args[i] == "--help" || args[i] == "-h") {
      std::fputs(kUsageText, stdout);
      return kOk;
    }
    if (args[i] == "--data-dir") {
      if (i + 1 >= args.size()) return usage("--data-dir needs a directory");
      dir = args[++i];
    } else if (args[i].starts_with("--")) {
      return usage("unknown option " + args[i]);
    } else {
      command.push_back(args[i]);
    }
  }
  if (dir.empty()) return usage("no --data-dir");
  if (command == std::vector<std::string>{"server-key"}) return server_key(dir);
  if (command == std::vector<std::string>{"status"}) return status(dir);
  if (command == std::vector<std::string>{"reclamations"}) return reclamations(dir);
  if (command == std::vector<std::string>{"turnout"}) return turnout(dir);
  if (command == std::vector<std::string>{"close"}) return close_now(dir);
  if (command.size() == 3 && command[0] == "emargements") {
    return emargements(dir, command[1], command[2]);
  }
  if (command.size() == 2 && command[0] == "report") return report(dir, command[1]);
  if (command.size() >= 3 && command[0] == "tally") {
    return tally(dir, command[1], std::vector<std::string>(command.begin() + 2, command.end()));
  }
  if (command.size() == 3 && command[0] == "record" && command[1] == "publish") {
    return publish_record(dir, command[2]);
  }
  if (command.size() == 4 && command[0] == "election" && command[1] == "import") {
    return import_election(dir, command[2], command[3]);
  }
  if (command.size() == 3 && command[0] == "voters" && command[1] == "import") {
    return import_voters(dir, command[2]);
  }
  if (command.size() == 3 && command[0] == "election" && command[1] == "import") {
    return usage(
        "election import needs the trustees' transcript: election import MANIFEST TRUSTEES");
  }
  return usage(command.empty() ? "no command" : "unknown command");
}

}  // namespace

int main(int argc, char** argv) {
  try {
    return run(std::vector<std::string>(argv + 1, argv + argc));
  } catch (const std::exception& e) {
    std::fprintf(stderr, "isoloir-admin: %s\n", e.what());
    return kUsage;
  }
}

// isoloir: the command-line tool for voters, registrars and auditors. It makes
// and checks the protocol's documents with the same core as the browser
// module, so that anyone can reproduce what the booth shows.
//
// Exit status: 0 done, 1 refused (a ballot, receipt or record that does not verify),
// 2 anything else (usage, unreadable file, bad manifest, bad arguments).
// Output is assembled first and written only at the end: a command that fails
// prints nothing on standard output but its refusal. The one command that
// writes files (codes issue) writes them under temporary names and gives them
// their names only once everything has succeeded.
#include <fcntl.h>
#include <sodium.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <filesystem>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "cli.h"
#include "isoloir/ballot.h"
#include "isoloir/bytes.h"
#include "isoloir/credential.h"
#include "isoloir/manifest.h"
#include "isoloir/random.h"
#include "isoloir/receipt.h"
#include "isoloir/record.h"
#include "isoloir/result.h"
#include "isoloir/secret_bytes.h"
#include "isoloir/urn/voter_file.h"
#include "isoloir/vote_code.h"
#include "notices.h"
#include "paris_time.h"
#include "postal.h"

namespace isoloir::cli {
namespace {

// ---------------------------------------------------------------------------
// Input.

Result<Manifest> load_manifest(Inputs& in, const std::string& path) {
  auto text = in.read(path, "manifest file");
  if (!text) return text.error();
  auto manifest = parse_manifest(*text);
  if (!manifest) {
    return fail(manifest.error().reason,
                "manifest file '" + path + "': " + manifest.error().message());
  }
  return manifest;
}

// A vote code from the command line, or from standard input for "-" (so that
// it need not appear in the process list), without its line ending.
Status load_code(Inputs& in, const std::string& arg, WipedString& code) {
  if (arg != "-") {
    code.value = arg;
    return Status::Ok();
  }
  auto text = in.read(arg, "vote code");
  if (!text) return text.error();
  code.value = std::move(*text);
  while (!code.value.empty() && (code.value.back() == '\n' || code.value.back() == '\r')) {
    code.value.pop_back();
  }
  return Status::Ok();
}

std::vector<std::string> split_choices(std::string_view list) {
  std::vector<std::string> out;
  if (list.empty()) return out;  // no option marked (a scrutin with min = 0)
  size_t start = 0;
  while (true) {
    size_t comma = list.find(',', start);
    out.emplace_back(list.substr(start, comma - start));
    if (comma == std::string_view::npos) break;
    start = comma + 1;
  }
  return out;
}

// ---------------------------------------------------------------------------
// The commands.

Output manifest_hash(const Args& a) {
  Inputs in;
  auto manifest = load_manifest(in, a.positional[0]);
  if (!manifest) return failed(manifest.error().detail);
  return done(manifest->hash_b64 + "\n");
}

Output ballot_create(const Args& a) {
  Inputs in;
  auto manifest = load_manifest(in, a.options.find("manifest")->second);
  if (!manifest) return failed(manifest.error().detail);
  WipedString code;
  if (Status s = load_code(in, a.options.find("code")->second, code); !s) {
    return failed(s.error().detail);
  }
  auto key = credential_key(manifest->id, code.value);
  if (!key) return failed(key.error().message());
  SystemScalarSource rng;
  auto ballot = create_ballot(*manifest, a.options.find("scrutin")->second,
                              split_choices(a.options.find("choice")->second), *key, rng);
  if (!ballot) return failed(ballot.error().message());
  // The exact bytes to send: no newline, which would make them non-canonical.
  return done(std::move(ballot->bytes));
}

Output ballot_verify(const Args& a) {
  Inputs in;
  auto manifest = load_manifest(in, a.options.find("manifest")->second);
  if (!manifest) return failed(manifest.error().detail);
  auto bytes = in.read(a.positional[0], "ballot file");
  if (!bytes) return failed(bytes.error().detail);
  auto ballot = verify_ballot(*manifest, *bytes);
  if (!ballot) return refused(ballot.error());
  return done(ballot->reference + "\n");
}

Output code_new(const Args& /*a*/) {
  WipedString code;
  code.value = generate_vote_code();
  return done(display_vote_code(code.value) + "\n");
}

Output code_credential(const Args& a) {
  Inputs in;
  WipedString code;
  if (Status s = load_code(in, a.positional[0], code); !s) return failed(s.error().detail);
  auto key = credential_key(a.options.find("election")->second, code.value);
  if (!key) return failed(key.error().message());
  return done(base64url_encode(key->public_key()) + "\n");
}

Output receipt_verify(const Args& a) {
  Inputs in;
  auto manifest = load_manifest(in, a.options.find("manifest")->second);
  if (!manifest) return failed(manifest.error().detail);
  auto bytes = in.read(a.positional[0], "receipt file");
  if (!bytes) return failed(bytes.error().detail);
  auto receipt = verify_receipt(*manifest, *bytes);
  if (!receipt) return refused(receipt.error());
  std::string out = "kind: " + std::string(receipt->kind()) + "\n";
  out += "scrutin: " + receipt->scrutin() + "\n";
  if (const Deposit* d = receipt->deposit()) {
    out += "reference: " + d->reference + "\n";
    out += "received_at: " + d->received_at.to_string() + "\n";
    out += "log_index: " + std::to_string(d->log_index) + "\n";
    out += "tree_size: " + std::to_string(d->tree_head.size) + "\n";
    out += "tree_root: " + base64url_encode(d->tree_head.root) + "\n";
    out += "tree_timestamp: " + d->tree_head.timestamp.to_string() + "\n";
  } else if (const Emargement* e = receipt->emargement()) {
    out += "voter: " + e->voter + "\n";
    out += "voted_at: " + e->voted_at.to_string() + "\n";
  }
  return done(std::move(out));
}

// ---------------------------------------------------------------------------
// record verify: the auditor's check of a whole election record (section 8).

Output record_verify(const Args& a) {
  Inputs in;
  const std::filesystem::path dir(a.positional[0]);
  RecordFiles files;
  const std::pair<const char*, std::string*> parts[] = {
      {"manifest.json", &files.manifest},       {"trustees.json", &files.trustees},
      {"credentials.json", &files.credentials}, {"ballots.jsonl", &files.ballots},
      {"tree_head.json", &files.tree_head},     {"tally.json", &files.tally},
      {"results.json", &files.results}};
  for (const auto& [name, bytes] : parts) {
    auto text = in.read((dir / name).string(), "record file");
    if (!text) return failed(text.error().detail);
    *bytes = std::move(*text);
  }
  // On a terminal, a progress line on standard error as the ballots are
  // checked (the one output not kept for the end: it is not the answer).
  RecordProgress progress;
  const auto start = std::chrono::steady_clock::now();
  if (::isatty(STDERR_FILENO) == 1) {
    progress = [start](uint64_t done, uint64_t total) {
      const double s =
          std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      const double rate = s > 0 ? static_cast<double>(done) / s : 0;
      const auto left =
          static_cast<long long>(rate > 0 ? static_cast<double>(total - done) / rate : 0);
      std::fprintf(stderr, "\r\033[Kballots %llu / %llu, %.0f/s, %lld:%02lld left",
                   static_cast<unsigned long long>(done), static_cast<unsigned long long>(total),
                   rate, left / 60, left % 60);
      if (done == total) std::fputs("\r\033[K", stderr);
      std::fflush(stderr);
    };
  }
  auto report = verify_record(files, progress);
  if (!report) return refused(report.error());
  std::string out = "election: " + report->election_hash + "\n";
  out += "ballots: " + std::to_string(report->ballots) + "\n";
  out += "voters: " + std::to_string(report->voters) + "\n";
  for (const RecordScrutinResult& r : report->results) {
    out += "scrutin " + r.scrutin + ": " + std::to_string(r.ballots) + " ballots\n";
    for (const RecordCount& c : r.counts) {
      out += "  " + c.option + ": " + std::to_string(c.count) + "\n";
    }
  }
  return done(std::move(out));
}

// ---------------------------------------------------------------------------
// codes issue: the registrar's initial codes (PROTOCOL.md section 3).

std::string lower_ascii(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

bool has_control(std::string_view s) {
  for (char c : s) {
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7f) return true;
  }
  return false;
}

// The address printed on the notices, which voters type: http(s), printable
// ASCII, no spaces, short enough for a line.
bool plausible_portal_url(std::string_view url) {
  if (url.size() > 120) return false;
  if (url.substr(0, 8) != "https://" && url.substr(0, 7) != "http://") return false;
  for (char c : url) {
    if (c <= ' ' || c > '~') return false;
  }
  return true;
}

// "v-" and 10 lower-case Crockford base32 symbols (50 bits), not in `taken`.
std::string fresh_pseudonym(std::set<std::string>& taken) {
  for (;;) {
    std::array<uint8_t, 10> raw{};
    random_bytes(raw);
    std::string p = "v-";
    for (uint8_t b : raw) {
      const char c = kCodeAlphabet[b & 31];
      p.push_back(c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c);
    }
    if (taken.insert(p).second) return p;
  }
}

// One field of RFC 4180: quoted when it holds a comma, a quote or a line break.
std::string csv_field(std::string_view v) {
  if (v.find_first_of(",\"\r\n") == std::string_view::npos) return std::string(v);
  std::string out = "\"";
  for (char c : v) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

// The voter file the urn imports (docs/urn-storage.md).
std::string voter_csv(const std::vector<urn::VoterRow>& rows) {
  std::string out = std::string(urn::kVoterFileHeader) + "\n";
  for (const urn::VoterRow& r : rows) {
    std::string scrutins;
    for (const std::string& s : r.scrutins) scrutins += (scrutins.empty() ? "" : " ") + s;
    for (const std::string_view f :
         {std::string_view(r.identifier), std::string_view(r.name), std::string_view(scrutins),
          std::string_view(r.credential), std::string_view(r.pseudonym), std::string_view(r.numen),
          std::string_view(r.challenge)}) {
      out += csv_field(f) + ",";
    }
    out += csv_field(r.phone) + "\n";
  }
  return out;
}

// The rows a registrar may issue codes for: no credential yet, known scrutins,
// each voter once. The urn's import checks the rest of each value.
Status check_voters(const Manifest& m, const std::vector<urn::VoterRow>& rows,
                    const std::string& path) {
  if (rows.empty()) return fail("malformed", "voter file '" + path + "': no voters");
  std::set<std::string> identifiers;
  std::set<std::string> pseudonyms;
  for (size_t i = 0; i < rows.size(); ++i) {
    const urn::VoterRow& r = rows[i];
    const std::string where = "voter file '" + path + "', " + r.where(i) + ": ";
    if (!r.credential.empty()) {
      return fail("credential_set", where + "a credential is already set (" + r.identifier +
                                        "): codes are issued once, for voters without one");
    }
    if (r.identifier.empty()) return fail("malformed", where + "identifier is empty");
    if (r.name.empty() || has_control(r.name)) {
      return fail("malformed", where + "name is empty or has control characters");
    }
    if (r.scrutins.empty()) return fail("malformed", where + "scrutins is empty");
    std::set<std::string_view> seen;
    for (const std::string& s : r.scrutins) {
      if (m.find_scrutin(s) == nullptr) {
        return fail("unknown_scrutin", where + "unknown scrutin '" + s + "'");
      }
      if (!seen.insert(s).second) return fail("malformed", where + "scrutin " + s + " twice");
    }
    if (!identifiers.insert(lower_ascii(r.identifier)).second) {
      return fail("duplicate_voter", where + "identifier " + r.identifier + " is given twice");
    }
    if (!r.pseudonym.empty() && !pseudonyms.insert(r.pseudonym).second) {
      return fail("duplicate_voter", where + "pseudonym " + r.pseudonym + " is given twice");
    }
  }
  return Status::Ok();
}

Output codes_issue(const Args& a) {
  const std::string& manifest_path = a.options.find("manifest")->second;
  const std::string& voters_path = a.options.find("voters")->second;
  const std::string& notices_path = a.options.find("notices")->second;
  const std::string& out_path = a.options.find("out")->second;
  std::string portal_url;
  if (auto it = a.options.find("portal-url"); it != a.options.end()) portal_url = it->second;

  if (notices_path == "-" || out_path == "-" || notices_path.empty() || out_path.empty()) {
    return failed("--notices and --out name files (standard output never gets codes)");
  }
  std::error_code ec;
  std::error_code ec2;
  const auto notices_full = std::filesystem::weakly_canonical(notices_path, ec);
  const auto out_full = std::filesystem::weakly_canonical(out_path, ec2);
  if (notices_path == out_path || (!ec && !ec2 && notices_full == out_full)) {
    return failed("--notices and --out must name two different files");
  }
  if (!portal_url.empty() && !plausible_portal_url(portal_url)) {
    return failed("--portal-url: an http(s) address of at most 120 printable characters");
  }
  // Never overwrite: a second run makes new codes and would silently orphan
  // the notices already printed. (publish() checks again, atomically.)
  for (const std::string* p : {&notices_path, &out_path}) {
    const auto st = std::filesystem::symlink_status(*p, ec);
    if (ec && ec != std::errc::no_such_file_or_directory) {
      return failed("cannot check '" + *p + "': " + ec.message());
    }
    if (std::filesystem::exists(st)) {
      return failed("'" + *p +
                    "' already exists: codes issue never overwrites (the codes of a new run "
                    "would orphan the notices of the previous one)");
    }
  }

  Inputs in;
  auto manifest = load_manifest(in, manifest_path);
  if (!manifest) return failed(manifest.error().detail);
  auto text = in.read(voters_path, "voter file");
  if (!text) return failed(text.error().detail);
  auto parts = split_address_columns(*text);
  if (!parts) return failed("voter file '" + voters_path + "': " + parts.error().message());
  auto rows = urn::parse_voter_csv(parts->urn_text);
  if (!rows) return failed("voter file '" + voters_path + "': " + rows.error().message());
  if (parts->addresses.size() != rows->size()) {
    return failed("voter file '" + voters_path + "': the address columns do not match the rows");
  }
  if (Status s = check_voters(*manifest, *rows, voters_path); !s) {
    return failed(s.error().message());
  }

  // One code per voter: its public credential goes to the CSV, its display
  // form to the notice; the code itself only ever lives in wiped buffers.
  std::set<std::string> pseudonyms;
  for (const urn::VoterRow& r : *rows) pseudonyms.insert(r.pseudonym);
  std::vector<Notice> notices;
  notices.reserve(rows->size());
  for (size_t row = 0; row < rows->size(); ++row) {
    urn::VoterRow& r = (*rows)[row];
    SecretBytes<kCodeSymbols> code;
    {
      std::string fresh = generate_vote_code();
      std::memcpy(code.data(), fresh.data(), kCodeSymbols);
      sodium_memzero(fresh.data(), fresh.size());
    }
    auto key = credential_key(
        manifest->id, std::string_view(reinterpret_cast<const char*>(code.data()), kCodeSymbols));
    if (!key) return failed(key.error().message());
    r.credential = base64url_encode(key->public_key());
    if (r.pseudonym.empty()) r.pseudonym = fresh_pseudonym(pseudonyms);

    Notice& n = notices.emplace_back();
    n.name = r.name;
    n.identifier = r.identifier;
    n.address = std::move(parts->addresses[row]);
    for (const std::string& s : r.scrutins) n.scrutins.push_back(manifest->find_scrutin(s)->title);
    // display_vote_code's form, written straight into the wiped buffer.
    size_t k = 0;
    for (size_t i = 0; i < kCodeSymbols; ++i) {
      if (i > 0 && i % 5 == 0) n.code.data()[k++] = '-';
      n.code.data()[k++] = code.data()[i];
    }
    n.code.data()[k] = 0;
  }

  // Both files under temporary names in their directories, then named.
  auto notices_tmp = TempFile::next_to(notices_path);
  if (!notices_tmp) return failed(notices_tmp.error().detail);
  auto csv_tmp = TempFile::next_to(out_path);
  if (!csv_tmp) return failed(csv_tmp.error().detail);
  notices_tmp->close_fd();
  NoticeText notice_text{
      manifest->title, manifest->id, portal_url,
      french_voting_period(manifest->opens_at.seconds, manifest->closes_at.seconds)};
  if (Status s = write_notices(notices_tmp->path(), notices, notice_text); !s) {
    return failed(s.error().detail);
  }
  if (Status s = csv_tmp->write_all(voter_csv(*rows), out_path); !s) {
    return failed(s.error().detail);
  }
  if (Status s = publish(*notices_tmp, notices_path); !s) return failed(s.error().detail);
  if (Status s = publish(*csv_tmp, out_path); !s) {
    ::unlink(notices_path.c_str());  // ours, named a moment ago: all or nothing
    return failed(s.error().detail);
  }
  const std::string count = std::to_string(notices.size());
  return done(count + " notices to print: " + notices_path + "\n" + count +
              " voters with their credentials, for isoloir-admin voters import: " + out_path +
              "\n");
}

const std::vector<Command>& commands() {
  static const std::vector<Command> kCommands = [] {
    std::vector<Command> all = {
        {"manifest",
         "hash",
         "manifest hash MANIFEST",
         "print the election hash",
         "Prints the election hash of MANIFEST (base64url of the SHA-256 of its canonical\n"
         "bytes): the \"election\" field of every ballot and receipt of that election.\n",
         {},
         {},
         1,
         manifest_hash},
        {"ballot",
         "create",
         "ballot create --manifest MANIFEST --scrutin ID --choice OPTION_ID[,OPTION_ID...] "
         "--code CODE",
         "encrypt, prove and sign a ballot",
         "Writes to standard output the canonical bytes of a ballot for scrutin ID marking\n"
         "the listed options (--choice '' marks none, where the scrutin allows it), signed\n"
         "with the credential of the vote code CODE (any typed form; - reads it from\n"
         "standard input, keeping it out of the process list). Nothing else is written,\n"
         "not even a newline: the bytes are what the server hashes.\n",
         {"manifest", "scrutin", "choice", "code"},
         {},
         0,
         ballot_create},
        {"ballot",
         "verify",
         "ballot verify --manifest MANIFEST BALLOT",
         "check a ballot and print its reference",
         "Checks BALLOT (a file, or - for standard input) as a receiver does before\n"
         "looking at its own state (PROTOCOL.md section 4) and prints its reference.\n"
         "A ballot that fails prints 'refused: <reason>' and, on standard error, which\n"
         "field is at fault; the exit status is then 1.\n",
         {"manifest"},
         {},
         1,
         ballot_verify},
        {"code",
         "new",
         "code new",
         "print a fresh vote code",
         "Prints a fresh vote code from the system's random generator, in its display\n"
         "form (four groups of five symbols).\n",
         {},
         {},
         0,
         code_new},
        {"code",
         "credential",
         "code credential --election ELECTION_ID CODE",
         "print the public credential of a vote code",
         "Prints the public credential (base64url Ed25519 key) that the vote code CODE\n"
         "(any typed form, or - for standard input) gives in the election whose manifest\n"
         "id is ELECTION_ID: what the registrar sends to the server.\n",
         {"election"},
         {},
         1,
         code_credential},
        {"codes",
         "issue",
         "codes issue --manifest MANIFEST --voters VOTERS.csv --notices NOTICES.pdf "
         "--out CREDENTIALS.csv [--portal-url URL]",
         "make the initial vote codes: notices to print, credentials for the urn",
         "Makes a fresh vote code for each voter of VOTERS.csv (the urn's voter file,\n"
         "docs/urn-storage.md, with the credential column empty; optionally followed by the\n"
         "columns address_line1,address_line2,address_line3,postal_code,city, docs/notices.md)\n"
         "and writes two new files:\n"
         "NOTICES.pdf, one A4 page per voter to print, with the voter's name and postal\n"
         "address where a window envelope shows it, the voting dates in Paris time, how to vote\n"
         "(on the portal at URL, when given) and the code; CREDENTIALS.csv, the same rows\n"
         "with each public credential filled in and a fresh pseudonym where none is given,\n"
         "for 'isoloir-admin voters import'. The codes are written nowhere else. Both files\n"
         "are mode 0600. An existing file is never overwritten (the codes of a new run would\n"
         "orphan the notices already printed); a refusal writes nothing.\n",
         {"manifest", "voters", "notices", "out"},
         {"portal-url"},
         0,
         codes_issue},
        {"receipt",
         "verify",
         "receipt verify --manifest MANIFEST RECEIPT",
         "check a deposit proof or an emargement",
         "Checks RECEIPT (a file, or - for standard input): a deposit proof (with the\n"
         "signed tree head it carries) or an emargement, signed by the manifest's\n"
         "server_key for this election. Prints what it states, one 'key: value' per line,\n"
         "or 'refused: <reason>' with exit status 1.\n",
         {"manifest"},
         {},
         1,
         receipt_verify},
        {"record",
         "verify",
         "record verify DIR",
         "check a whole election record",
         "Checks the election record in DIR (manifest.json, trustees.json,\n"
         "credentials.json, ballots.jsonl, tree_head.json, tally.json, results.json;\n"
         "PROTOCOL.md section 8) from these files alone: every hash, proof, signature,\n"
         "aggregate and count. Prints the election hash, the number of ballots and\n"
         "voters and the counts of each scrutin, or 'refused: <reason>' with, on\n"
         "standard error, the file and entry at fault; the exit status is then 1.\n"
         "The ballots are checked on every core; on a terminal, standard error shows\n"
         "their progress (ballots checked, rate, time left).\n",
         {},
         {},
         1,
         record_verify},
    };
    for (std::vector<Command> group : {trustee_commands(), tally_commands()}) {
      for (Command& c : group) all.push_back(std::move(c));
    }
    return all;
  }();
  return kCommands;
}

std::string usage() {
  std::string s =
      "usage: isoloir <command> <subcommand> [arguments]\n"
      "\n"
      "Makes and checks Isoloir's documents (protocol isoloir/1).\n"
      "\n";
  for (const Command& c : commands()) {
    s += "  isoloir " + std::string(c.synopsis) + "\n      " + std::string(c.summary) + "\n";
  }
  s += "\n"
       "File arguments may be - for standard input.\n"
       "Exit status: 0 done, 1 refused by a check, 2 usage or input error.\n"
       "'isoloir <command> <subcommand> --help' tells more.\n";
  return s;
}

std::string command_help(const Command& c) {
  return "usage: isoloir " + std::string(c.synopsis) + "\n\n" + std::string(c.help);
}

std::string group_help(std::string_view group) {
  std::string s = "usage:\n";
  for (const Command& c : commands()) {
    if (c.group == group) s += "  isoloir " + std::string(c.synopsis) + "\n";
  }
  return s;
}

bool is_help(std::string_view arg) {
  return arg == "--help" || arg == "-h" || arg == "help";
}

// --name value, --name=value, "--" ends the options, "-" is a file argument.
// Returns the arguments, or the usage error to print; `help` is set by --help.
Result<Args> parse_args(const Command& c, const std::vector<std::string_view>& argv, bool& help) {
  Args a;
  bool options_done = false;
  for (size_t i = 0; i < argv.size(); ++i) {
    std::string_view arg = argv[i];
    if (!options_done && (arg == "--help" || arg == "-h")) {
      help = true;
      return a;
    }
    if (!options_done && arg == "--") {
      options_done = true;
      continue;
    }
    if (options_done || arg == "-" || arg.empty() || arg[0] != '-') {
      a.positional.emplace_back(arg);
      continue;
    }
    if (arg.substr(0, 2) != "--") return fail("usage", "unknown option " + std::string(arg));
    std::string_view name = arg.substr(2);
    std::optional<std::string_view> value;
    if (size_t eq = name.find('='); eq != std::string_view::npos) {
      value = name.substr(eq + 1);
      name = name.substr(0, eq);
    }
    bool known = false;
    for (std::string_view o : c.options) known = known || o == name;
    for (std::string_view o : c.optional) known = known || o == name;
    if (!known) return fail("usage", "unknown option --" + std::string(name));
    if (!value) {
      if (i + 1 == argv.size()) return fail("usage", "--" + std::string(name) + " needs a value");
      value = argv[++i];
    }
    if (!a.options.emplace(std::string(name), std::string(*value)).second) {
      return fail("usage", "--" + std::string(name) + " is given twice");
    }
  }
  for (std::string_view o : c.options) {
    if (a.options.find(o) == a.options.end()) {
      return fail("usage", "missing --" + std::string(o));
    }
  }
  if (a.positional.size() < c.positional ||
      (a.positional.size() > c.positional && !c.more_positional)) {
    return fail("usage", a.positional.size() < c.positional
                             ? "missing argument"
                             : "unexpected argument '" + a.positional[c.positional] + "'");
  }
  return a;
}

Output run(const std::vector<std::string_view>& argv) {
  if (argv.empty()) return Output{{}, usage(), kFailed};
  if (is_help(argv[0])) return done(usage());
  const std::string_view group = argv[0];
  bool group_known = false;
  for (const Command& c : commands()) group_known = group_known || c.group == group;
  if (!group_known) {
    return Output{
        {}, "isoloir: unknown command '" + std::string(group) + "'\n\n" + usage(), kFailed};
  }
  if (argv.size() < 2) return Output{{}, group_help(group), kFailed};
  if (is_help(argv[1])) return done(group_help(group));
  for (const Command& c : commands()) {
    if (c.group != group || c.name != argv[1]) continue;
    bool help = false;
    auto args = parse_args(c, {argv.begin() + 2, argv.end()}, help);
    if (help) return done(command_help(c));
    if (!args) {
      return Output{{}, "isoloir: " + args.error().detail + "\n" + command_help(c), kFailed};
    }
    return c.run(*args);
  }
  return Output{{},
                "isoloir: unknown command '" + std::string(group) + " " + std::string(argv[1]) +
                    "'\n" + group_help(group),
                kFailed};
}

void write_all(std::FILE* f, const std::string& s) {
  if (!s.empty()) std::fwrite(s.data(), 1, s.size(), f);
}

}  // namespace
}  // namespace isoloir::cli

int main(int argc, char** argv) {
  using isoloir::cli::Output;
  Output result;
  try {
    if (sodium_init() < 0) {
      std::fputs("isoloir: cannot initialise libsodium\n", stderr);
      return isoloir::cli::kFailed;
    }
    std::vector<std::string_view> args(argv + 1, argv + argc);
    result = isoloir::cli::run(args);
  } catch (const std::exception& e) {
    // Nothing has been written yet: the failure is the whole output.
    std::fprintf(stderr, "isoloir: internal error: %s\n", e.what());
    return isoloir::cli::kFailed;
  } catch (...) {
    std::fputs("isoloir: internal error\n", stderr);
    return isoloir::cli::kFailed;
  }
  isoloir::cli::write_all(stdout, result.out);
  isoloir::cli::write_all(stderr, result.err);
  if (std::fflush(stdout) != 0) {
    std::fprintf(stderr, "isoloir: cannot write standard output: %s\n", std::strerror(errno));
    return isoloir::cli::kFailed;
  }
  return result.code;
}

// isoloir: the command-line tool for voters, registrars and auditors. It makes
// and checks the protocol's documents with the same core as the browser
// module, so that anyone can reproduce what the booth shows.
//
// Exit status: 0 done, 1 refused (a ballot or receipt that does not verify),
// 2 anything else (usage, unreadable file, bad manifest, bad arguments).
// Output is assembled first and written only at the end: a command that fails
// prints nothing on standard output but its refusal.
#include <sodium.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <exception>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "isoloir/ballot.h"
#include "isoloir/bytes.h"
#include "isoloir/credential.h"
#include "isoloir/manifest.h"
#include "isoloir/random.h"
#include "isoloir/receipt.h"
#include "isoloir/result.h"
#include "isoloir/vote_code.h"

namespace isoloir::cli {
namespace {

enum ExitCode : int { kOk = 0, kRefused = 1, kFailed = 2 };

// What a command prints, kept until it has finished.
struct Output {
  std::string out;
  std::string err;
  int code = kOk;
};

Output done(std::string out) {
  return Output{std::move(out), {}, kOk};
}
Output failed(const std::string& message) {
  return Output{{}, "isoloir: " + message + "\n", kFailed};
}
Output refused(const Error& e) {
  return Output{"refused: " + e.reason + "\n", e.detail.empty() ? "" : e.detail + "\n", kRefused};
}

// ---------------------------------------------------------------------------
// Commands and their help.

struct Args {
  std::map<std::string, std::string, std::less<>> options;
  std::vector<std::string> positional;
};

struct Command {
  std::string_view group;
  std::string_view name;
  std::string_view synopsis;  // after "isoloir "
  std::string_view summary;
  std::string_view help;  // what follows the usage line in --help
  std::vector<std::string_view> options;
  size_t positional;
  Output (*run)(const Args&);
};

// The code is a secret: wipe every copy the tool made once it is used.
struct WipedString {
  std::string value;
  WipedString() = default;
  WipedString(const WipedString&) = delete;
  WipedString& operator=(const WipedString&) = delete;
  ~WipedString() { sodium_memzero(value.data(), value.size()); }
};

// ---------------------------------------------------------------------------
// Input.

// Reads a whole file, or standard input for "-" (once per run: a second "-"
// would read nothing). `what` names the file for the message.
class Inputs {
 public:
  Result<std::string> read(const std::string& path, std::string_view what) {
    if (path == "-") {
      if (stdin_used_) {
        return fail("usage", std::string(what) + ": standard input is already read for another " +
                                 "argument");
      }
      stdin_used_ = true;
      return read_stream(stdin, "standard input", what);
    }
    std::FILE* f = std::fopen(path.c_str(), "rb");
    if (f == nullptr) {
      return fail("unreadable",
                  "cannot read " + std::string(what) + " '" + path + "': " + std::strerror(errno));
    }
    Result<std::string> r = read_stream(f, "'" + path + "'", what);
    std::fclose(f);
    return r;
  }

 private:
  static Result<std::string> read_stream(std::FILE* f, const std::string& name,
                                         std::string_view what) {
    std::string data;
    char buf[65536];
    size_t n = 0;
    while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) data.append(buf, n);
    // The input may be a vote code: leave no copy of it on the stack.
    sodium_memzero(buf, sizeof buf);
    if (std::ferror(f)) {
      return fail("unreadable",
                  "cannot read " + std::string(what) + " " + name + ": " + std::strerror(errno));
    }
    return data;
  }

  bool stdin_used_ = false;
};

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

const std::vector<Command>& commands() {
  static const std::vector<Command> kCommands = {
      {"manifest",
       "hash",
       "manifest hash MANIFEST",
       "print the election hash",
       "Prints the election hash of MANIFEST (base64url of the SHA-256 of its canonical\n"
       "bytes): the \"election\" field of every ballot and receipt of that election.\n",
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
       1,
       ballot_verify},
      {"code",
       "new",
       "code new",
       "print a fresh vote code",
       "Prints a fresh vote code from the system's random generator, in its display\n"
       "form (four groups of five symbols).\n",
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
       1,
       code_credential},
      {"receipt",
       "verify",
       "receipt verify --manifest MANIFEST RECEIPT",
       "check a deposit proof or an emargement",
       "Checks RECEIPT (a file, or - for standard input): a deposit proof (with the\n"
       "signed tree head it carries) or an emargement, signed by the manifest's\n"
       "server_key for this election. Prints what it states, one 'key: value' per line,\n"
       "or 'refused: <reason>' with exit status 1.\n",
       {"manifest"},
       1,
       receipt_verify},
  };
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
  if (a.positional.size() != c.positional) {
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

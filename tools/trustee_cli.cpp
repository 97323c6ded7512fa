// isoloir trustee commands (docs/election-end.md section 1): the key
// ceremony's three rounds on each trustee's machine, and the assembly of
// trustees.json. Round files are public canonical JSON; key files are secret,
// mode 0600, sealed under the trustee's passphrase (tools/passphrase.h), which
// is read from the terminal or the first line of standard input; so standard
// input is never a file argument here.
//
// Exit status: 0 done; 1 a round file refused by a check (the trustee at fault
// named on standard error); 2 usage, unreadable or unwritable files, and a key
// file that does not open (wrong passphrase or altered file).
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <string>
#include <utility>
#include <vector>

#include "cli.h"
#include "isoloir/canonical_json.h"
#include "isoloir/ceremony.h"
#include "isoloir/key_file.h"
#include "isoloir/random.h"
#include "passphrase.h"

namespace isoloir::cli {
namespace {

constexpr mode_t kSecretMode = 0600;
constexpr mode_t kPublicMode = 0644;

const std::string& option(const Args& a, std::string_view name) {
  return a.options.find(name)->second;
}

// A decimal number in [1, kMaxCeremonyTrustees], nothing else.
Result<uint32_t> parse_count(const std::string& text, std::string_view name) {
  uint32_t v = 0;
  bool ok = !text.empty() && text.size() <= 3 && text[0] != '0';
  for (const char c : text) {
    ok = ok && c >= '0' && c <= '9';
    if (ok) v = v * 10 + static_cast<uint32_t>(c - '0');
  }
  if (!ok || v > kMaxCeremonyTrustees) {
    return fail("usage", "--" + std::string(name) + ": a number from 1 to " +
                             std::to_string(kMaxCeremonyTrustees));
  }
  return v;
}

Result<KdfLimits> kdf_option(const Args& a) {
  const auto it = a.options.find("kdf");
  auto limits = kdf_limits(it == a.options.end() ? "moderate" : it->second);
  if (!limits) return fail("usage", "--kdf: " + limits.error().detail);
  return limits;
}

// Outputs: named files, not standard output, each new and distinct.
Status check_outputs(const std::vector<std::string>& paths) {
  for (size_t k = 0; k < paths.size(); ++k) {
    const std::string& p = paths[k];
    if (p.empty() || p == "-") return fail("usage", "outputs are named files");
    for (size_t m = 0; m < k; ++m) {
      if (paths[m] == p) return fail("usage", "'" + p + "' is given for two outputs");
    }
    std::error_code ec;
    const auto st = std::filesystem::symlink_status(p, ec);
    if (ec && ec != std::errc::no_such_file_or_directory) {
      return fail("unwritable", "cannot check '" + p + "': " + ec.message());
    }
    if (std::filesystem::exists(st)) {
      return fail("exists", "'" + p + "' already exists: the trustee commands never overwrite");
    }
  }
  return Status::Ok();
}

struct NewFile {
  std::string path;
  std::string data;
  mode_t mode;
};

// All the files or none: each written under a temporary name, then named.
Status write_new_files(const std::vector<NewFile>& files) {
  std::vector<TempFile> temps;
  temps.reserve(files.size());
  for (const NewFile& f : files) {
    auto tmp = TempFile::next_to(f.path);
    if (!tmp) return tmp.error();
    if (::chmod(tmp->path().c_str(), f.mode) != 0) {
      return fail("unwritable", "cannot set the mode of '" + f.path + "'");
    }
    if (Status s = tmp->write_all(f.data, f.path); !s) return s;
    temps.push_back(std::move(*tmp));
  }
  for (size_t k = 0; k < files.size(); ++k) {
    if (Status s = publish(temps[k], files[k].path); !s) {
      for (size_t m = 0; m < k; ++m) ::unlink(files[m].path.c_str());  // ours, just named
      return s;
    }
  }
  return Status::Ok();
}

Output failed_with(const Error& e) {
  return failed(e.detail.empty() ? e.reason : e.detail);
}

// The public round files given as arguments, sorted by kind.
struct RoundFiles {
  std::vector<TrusteeCommitment> commitments;
  std::vector<TrusteeShares> shares;
  std::vector<TrusteeVerificationKey> verification_keys;
};

// Reads a round file. A file that cannot be read is an input error (`unreadable`
// set); one that is not a round document the command takes is refused.
Status read_round_file(Inputs& in, const std::string& path, bool shares_ok, bool keys_ok,
                       RoundFiles& out, bool& unreadable) {
  if (path == "-") {
    unreadable = true;
    return fail("usage", "round files are named files (standard input carries the passphrase)");
  }
  auto text = in.read(path, "round file");
  if (!text) {
    unreadable = true;
    return text.error();
  }
  auto doc = parse_json(*text);
  if (!doc) return fail(doc.error().reason, "'" + path + "': " + doc.error().detail);
  auto kind = get_string(*doc, "kind", "round file");
  auto named = [&](const Error& e) { return fail(e.reason, "'" + path + "': " + e.detail); };
  if (!kind) return named(kind.error());
  if (*kind == "trustee-commitment") {
    auto c = parse_commitment(*doc);
    if (!c) return named(c.error());
    out.commitments.push_back(std::move(*c));
  } else if (*kind == "trustee-shares" && shares_ok) {
    auto s = parse_shares(*doc);
    if (!s) return named(s.error());
    out.shares.push_back(std::move(*s));
  } else if (*kind == "trustee-verification-key" && keys_ok) {
    auto v = parse_verification_key(*doc);
    if (!v) return named(v.error());
    out.verification_keys.push_back(std::move(*v));
  } else {
    return fail("wrong_kind", "'" + path + "': a \"" + *kind + "\" document is not expected here");
  }
  return Status::Ok();
}

// Every positional argument as a round file; on failure, the output to give.
bool read_round_files(const Args& a, bool shares_ok, bool keys_ok, RoundFiles& out,
                      Output& failure) {
  Inputs in;
  for (const std::string& path : a.positional) {
    bool unreadable = false;
    if (Status s = read_round_file(in, path, shares_ok, keys_ok, out, unreadable); !s) {
      failure = unreadable ? failed_with(s.error()) : refused(s.error());
      return false;
    }
  }
  return true;
}

Result<CeremonyKey> open_ceremony_key(const std::string& path, SecretBuffer& passphrase) {
  if (path == "-") return fail("usage", "--key-file names a file");
  Inputs in;
  auto text = in.read(path, "key file");
  if (!text) return text.error();
  auto pass = read_passphrase("Passphrase of " + path + ": ", false);
  if (!pass) return fail(pass.error().reason, "passphrase: " + pass.error().detail);
  passphrase = std::move(*pass);
  auto key = open_ceremony_key_file(*text, passphrase.view());
  if (!key) return fail(key.error().reason, "key file '" + path + "': " + key.error().message());
  return key;
}

// ---------------------------------------------------------------------------
// The commands.

Output trustee_init(const Args& a) {
  const std::string& key_path = option(a, "key-file");
  const std::string& out_path = option(a, "out");
  auto index = parse_count(option(a, "index"), "index");
  if (!index) return failed_with(index.error());
  auto n = parse_count(option(a, "trustees"), "trustees");
  if (!n) return failed_with(n.error());
  auto t = parse_count(option(a, "threshold"), "threshold");
  if (!t) return failed_with(t.error());
  auto limits = kdf_option(a);
  if (!limits) return failed_with(limits.error());
  if (Status s = check_outputs({key_path, out_path}); !s) return failed_with(s.error());

  SystemScalarSource rng;
  auto start = ceremony_init(option(a, "election-id"), *index, *n, *t, option(a, "name"), rng);
  if (!start) return failed(start.error().message());
  auto pass = read_passphrase("Passphrase for the new key file " + key_path + ": ", true);
  if (!pass) return failed("passphrase: " + pass.error().detail);
  auto sealed = seal_ceremony_key_file(start->key, pass->view(), *limits);
  if (!sealed) return failed(sealed.error().message());
  if (Status s = write_new_files(
          {{key_path, std::move(*sealed), kSecretMode},
           {out_path, canonical_dump(commitment_to_json(start->commitment)), kPublicMode}});
      !s) {
    return failed_with(s.error());
  }
  return done("trustee " + std::to_string(*index) + " of " + std::to_string(*n) + " (threshold " +
              std::to_string(*t) + ")\nkey file: " + key_path + "\ncommitment: " + out_path + "\n");
}

Output trustee_shares(const Args& a) {
  const std::string& out_path = option(a, "out");
  if (Status s = check_outputs({out_path}); !s) return failed_with(s.error());
  RoundFiles files;
  Output failure;
  if (!read_round_files(a, false, false, files, failure)) return failure;
  auto checked = check_commitments(std::move(files.commitments));
  if (!checked) return refused(checked.error());

  SecretBuffer passphrase;
  auto me = open_ceremony_key(option(a, "key-file"), passphrase);
  if (!me) return failed_with(me.error());
  auto shares = ceremony_shares(*me, *checked);
  if (!shares) return refused(shares.error());
  if (Status s =
          write_new_files({{out_path, canonical_dump(shares_to_json(*shares)), kPublicMode}});
      !s) {
    return failed_with(s.error());
  }
  return done("shares of trustee " + std::to_string(me->index) + " to " +
              std::to_string(shares->shares.size()) + " trustees: " + out_path + "\n");
}

Output trustee_finish(const Args& a) {
  const std::string& share_key_path = option(a, "share-key-file");
  const std::string& out_path = option(a, "out");
  auto limits = kdf_option(a);
  if (!limits) return failed_with(limits.error());
  if (Status s = check_outputs({share_key_path, out_path}); !s) return failed_with(s.error());
  RoundFiles files;
  Output failure;
  if (!read_round_files(a, true, false, files, failure)) return failure;
  auto checked = check_commitments(std::move(files.commitments));
  if (!checked) return refused(checked.error());

  SecretBuffer passphrase;
  auto me = open_ceremony_key(option(a, "key-file"), passphrase);
  if (!me) return failed_with(me.error());
  auto finish = ceremony_finish(*me, *checked, files.shares);
  if (!finish) return refused(finish.error());
  // The share key is sealed under the same passphrase as the ceremony key.
  auto sealed = seal_share_key_file(finish->key, passphrase.view(), *limits);
  if (!sealed) return failed(sealed.error().message());
  if (Status s = write_new_files(
          {{share_key_path, std::move(*sealed), kSecretMode},
           {out_path, canonical_dump(verification_key_to_json(finish->verification_key)),
            kPublicMode}});
      !s) {
    return failed_with(s.error());
  }
  return done("trustee " + std::to_string(me->index) + ": every share checked\nverification_key: " +
              finish->verification_key.verification_key.to_base64url() +
              "\nshare key file: " + share_key_path + "\nverification key: " + out_path + "\n");
}

Output trustees_combine(const Args& a) {
  const std::string& out_path = option(a, "out");
  if (Status s = check_outputs({out_path}); !s) return failed_with(s.error());
  RoundFiles files;
  Output failure;
  if (!read_round_files(a, true, true, files, failure)) return failure;
  auto trustees =
      assemble_trustees(std::move(files.commitments), files.shares, files.verification_keys);
  if (!trustees) return refused(trustees.error());
  if (Status s =
          write_new_files({{out_path, canonical_dump(trustees_to_json(*trustees)), kPublicMode}});
      !s) {
    return failed_with(s.error());
  }
  return done("public_key: " + trustees->public_key.to_base64url() +
              "\nthreshold: " + std::to_string(trustees->threshold) + " of " +
              std::to_string(trustees->trustees.size()) + "\ntrustees: " + out_path + "\n");
}

}  // namespace

std::vector<Command> trustee_commands() {
  return {
      {"trustee",
       "init",
       "trustee init --election-id ID --index I --trustees N --threshold T --name NAME "
       "--key-file KEY --out COMMITMENT [--kdf interactive|moderate|sensitive]",
       "key ceremony round 1: a trustee's key file and public commitment",
       "Makes trustee I's secrets for the key ceremony of election ID (N trustees, any T\n"
       "of them to decrypt): writes them to the new key file KEY (mode 0600, sealed under\n"
       "a passphrase) and the public commitment (Feldman commitments, proof of knowledge,\n"
       "box key) to COMMITMENT, for the other trustees. The passphrase is asked twice on\n"
       "the terminal, or read from the first line of standard input. --kdf sets the\n"
       "Argon2id cost of the key file (default moderate). Existing files are never\n"
       "overwritten.\n",
       {"election-id", "index", "trustees", "threshold", "name", "key-file", "out"},
       {"kdf"},
       0,
       trustee_init},
      {"trustee",
       "shares",
       "trustee shares --key-file KEY --out SHARES COMMITMENT...",
       "key ceremony round 2: the shares sealed to each other trustee",
       "Checks every trustee's COMMITMENT file (one election, N and T, each index once,\n"
       "every proof of knowledge, this key file's own among them), then writes to SHARES\n"
       "the shares of this trustee's polynomial, each sealed to its recipient's box key.\n"
       "A trustee whose commitment fails is named on standard error ('refused: <reason>',\n"
       "exit status 1) and nothing is written. A key file that does not open with the\n"
       "passphrase exits with status 2.\n",
       {"key-file", "out"},
       {},
       1,
       trustee_shares,
       true},
      {"trustee",
       "finish",
       "trustee finish --key-file KEY --share-key-file SHARE_KEY --out VERIFICATION_KEY "
       "[--kdf interactive|moderate|sensitive] COMMITMENT... SHARES...",
       "key ceremony round 3: check the shares received, keep the key share",
       "Checks the commitments as 'trustee shares' does, opens the share every other\n"
       "trustee sealed to this one (SHARES files, in any order with the COMMITMENT files)\n"
       "and checks each against its sender's commitments: a sender whose share does not\n"
       "open or does not match is named (exit status 1) and nothing is written. Then writes\n"
       "the key share to the new key file SHARE_KEY (mode 0600, sealed under the same\n"
       "passphrase as KEY) and the public verification key to VERIFICATION_KEY.\n",
       {"key-file", "share-key-file", "out"},
       {"kdf"},
       2,
       trustee_finish,
       true},
      {"trustees",
       "combine",
       "trustees combine --out TRUSTEES COMMITMENT... SHARES... VERIFICATION_KEY...",
       "end of the key ceremony: trustees.json and the election key",
       "Checks every round file of the ceremony (all N of each kind, in any order): every\n"
       "proof of knowledge and every verification key against the commitments, then\n"
       "writes the public transcript TRUSTEES (trustees.json) and prints the election key\n"
       "('public_key: ...'), the manifest's public_key. A trustee at fault is named on\n"
       "standard error (exit status 1) and nothing is written.\n",
       {"out"},
       {},
       3,
       trustees_combine,
       true},
  };
}

}  // namespace isoloir::cli

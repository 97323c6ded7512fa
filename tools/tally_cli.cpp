// isoloir tally commands (docs/election-end.md section 4): a trustee's partial
// decryption of the board's aggregates, and their combination into the
// election record.
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <string>
#include <utility>
#include <vector>

#include "cli.h"
#include "isoloir/closing.h"
#include "isoloir/key_file.h"
#include "isoloir/random.h"
#include "isoloir/record.h"
#include "passphrase.h"

namespace isoloir::cli {
namespace {

namespace fs = std::filesystem;

// The files the board serves after the close (section 3), as read from DIR.
struct BoardText {
  std::string manifest;
  std::string trustees;
  std::string credentials;
  std::string ballots;
  std::string tree_head;
  std::string close;
  std::string aggregates;
};

Result<BoardText> read_board(Inputs& in, const std::string& dir) {
  BoardText b;
  const std::pair<const char*, std::string*> parts[] = {
      {"manifest.json", &b.manifest},       {"trustees.json", &b.trustees},
      {"credentials.json", &b.credentials}, {"ballots.jsonl", &b.ballots},
      {"tree_head.json", &b.tree_head},     {"close.json", &b.close},
      {"aggregates.json", &b.aggregates}};
  for (const auto& [name, bytes] : parts) {
    auto text = in.read((fs::path(dir) / name).string(), "board file");
    if (!text) return text.error();
    *bytes = std::move(*text);
  }
  return b;
}

// Everything `record verify` checks of the first five files, then the close
// and aggregates.json (verify_closed_board).
Result<Board> check_board(const BoardText& b) {
  return verify_closed_board(
      ClosedBoardFiles{BoardFiles{b.manifest, b.trustees, b.credentials, b.ballots, b.tree_head},
                       b.close, b.aggregates});
}

// RECORD_DIR must be new, or an empty directory.
Status check_record_dir(const std::string& dir) {
  std::error_code ec;
  if (!fs::exists(dir, ec)) return Status::Ok();
  if (!fs::is_directory(dir, ec) || !fs::is_empty(dir, ec)) {
    return fail("exists", "'" + dir + "' exists and is not an empty directory");
  }
  return Status::Ok();
}

// Writes the seven files into `dir` (created if need be), each under a
// temporary name then linked to its own; on a failure the files already
// named are removed again: all or nothing.
Status write_record(const std::string& dir, const RecordFiles& files) {
  if (Status s = check_record_dir(dir); !s) return s;
  std::error_code ec;
  if (!fs::exists(dir, ec) && !fs::create_directory(dir, ec)) {
    return fail("unwritable", "cannot create the directory '" + dir + "': " + ec.message());
  }
  const std::pair<const char*, const std::string*> parts[] = {
      {"manifest.json", &files.manifest},       {"trustees.json", &files.trustees},
      {"credentials.json", &files.credentials}, {"ballots.jsonl", &files.ballots},
      {"tree_head.json", &files.tree_head},     {"tally.json", &files.tally},
      {"results.json", &files.results}};
  std::vector<std::string> named;
  for (const auto& [name, bytes] : parts) {
    const std::string target = (fs::path(dir) / name).string();
    auto tmp = TempFile::next_to(target);
    Status s = tmp ? tmp->write_all(*bytes, target) : Status(tmp.error());
    if (s) s = publish(*tmp, target);
    if (!s) {
      for (const std::string& p : named) ::unlink(p.c_str());
      return s;
    }
    named.push_back(target);
  }
  return Status::Ok();
}

std::string counts_text(const RecordReport& report) {
  std::string out = "election: " + report.election_hash + "\n";
  out += "ballots: " + std::to_string(report.ballots) + "\n";
  out += "voters: " + std::to_string(report.voters) + "\n";
  for (const RecordScrutinResult& r : report.results) {
    out += "scrutin " + r.scrutin + ": " + std::to_string(r.ballots) + " ballots\n";
    for (const RecordCount& c : r.counts) {
      out += "  " + c.option + ": " + std::to_string(c.count) + "\n";
    }
  }
  return out;
}

// ---------------------------------------------------------------------------
// trustee decrypt

Output trustee_decrypt(const Args& a) {
  const std::string& key_path = a.options.find("share-key-file")->second;
  const std::string& board_dir = a.options.find("board")->second;
  const std::string& out = a.options.find("out")->second;
  std::error_code ec;
  if (fs::exists(out, ec)) return failed("'" + out + "' exists: it is never overwritten");
  Inputs in;
  auto text = read_board(in, board_dir);
  if (!text) return failed(text.error().detail);
  auto key_text = in.read(key_path, "share key file");
  if (!key_text) return failed(key_text.error().detail);
  // The key file first: a mistyped passphrase is said at once, not after
  // every ballot of the board was checked (minutes on a large board).
  auto share = [&]() -> Result<ShareKey> {
    auto passphrase = read_passphrase("Passphrase of " + key_path + ": ", false);
    if (!passphrase) return passphrase.error();
    return open_share_key_file(*key_text, passphrase->view());
  }();
  // A key file that does not open is an input error (exit 2), as in the
  // ceremony's rounds: a wrong passphrase and an altered file look the same.
  if (!share) return failed("share key file '" + key_path + "': " + share.error().message());
  auto board = check_board(*text);
  if (!board) return refused(board.error());
  SystemScalarSource rng;
  auto partials = decrypt_board(*board, share->election_id, share->index, share->key_share, rng);
  if (!partials) return refused(partials.error());
  auto tmp = TempFile::next_to(out);
  if (!tmp) return failed(tmp.error().detail);
  if (Status s = tmp->write_all(*partials, out); !s) return failed(s.error().detail);
  if (Status s = publish(*tmp, out); !s) return failed(s.error().detail);
  return done("election: " + board->manifest.hash_b64 +
              "\nballots: " + std::to_string(board->report.ballots) + "\ntrustee " +
              std::to_string(share->index) + " partials: " + out + "\n");
}

// ---------------------------------------------------------------------------
// tally combine

Output tally_combine(const Args& a) {
  const std::string& board_dir = a.options.find("board")->second;
  const std::string& out_dir = a.options.find("out")->second;
  if (Status s = check_record_dir(out_dir); !s) return failed(s.error().detail);
  Inputs in;
  auto text = read_board(in, board_dir);
  if (!text) return failed(text.error().detail);
  std::vector<PartialsFile> partials;
  for (const std::string& path : a.positional) {
    auto bytes = in.read(path, "partials file");
    if (!bytes) return failed(bytes.error().detail);
    partials.push_back(PartialsFile{path, std::move(*bytes)});
  }
  auto board = check_board(*text);
  if (!board) return refused(board.error());
  auto combined = combine_tally(board->manifest, board->trustees, board->aggregates, partials);
  if (!combined) return refused(combined.error());
  std::string err;
  for (const SetAside& s : combined->set_aside)
    err += "set aside: " + s.who + ": " + s.reason + "\n";

  RecordFiles record{std::move(text->manifest),    std::move(text->trustees),
                     std::move(text->credentials), std::move(text->ballots),
                     std::move(text->tree_head),   std::move(combined->tally),
                     std::move(combined->results)};
  // The record is checked as an auditor will check it before it is written.
  auto report = verify_record(record);
  if (!report) {
    Output o = refused(report.error());
    o.err = err + o.err;
    return o;
  }
  if (Status s = write_record(out_dir, record); !s) return failed(s.error().detail);
  std::string trustees;
  for (uint32_t j : combined->trustees) {
    trustees += (trustees.empty() ? "" : ", ") + std::to_string(j);
  }
  Output o = done(counts_text(*report) + "trustees: " + trustees + "\nrecord: " + out_dir + "\n");
  o.err = std::move(err);
  return o;
}

}  // namespace

std::vector<Command> tally_commands() {
  return {
      {"trustee",
       "decrypt",
       "trustee decrypt --share-key-file SHARE_KEY --board DIR --out PARTIALS.json",
       "decrypt the board's aggregates with a trustee's key share",
       "Checks the board in DIR (manifest.json, trustees.json, credentials.json,\n"
       "ballots.jsonl, tree_head.json, close.json, aggregates.json, as the board serves\n"
       "them after the close): the close signed by the manifest's server_key with the\n"
       "tree head of tree_head.json, every credential, ballot and the tree head as\n"
       "'record verify' does, and that aggregates.json is the product of the ballots\n"
       "('refused: aggregates_differ' naming the scrutin and option otherwise). Then\n"
       "opens SHARE_KEY (written by 'trustee finish'; the passphrase is asked on the\n"
       "terminal, or read from the first line of standard input when it is not one)\n"
       "and writes PARTIALS.json, a new file: the trustee's partial decryption of every\n"
       "option with its proof, for 'isoloir tally combine'.\n",
       {"share-key-file", "board", "out"},
       {},
       0,
       trustee_decrypt},
      {"tally",
       "combine",
       "tally combine --board DIR --out RECORD_DIR PARTIALS...",
       "count the election from the trustees' partial decryptions",
       "Checks the board in DIR (manifest.json, trustees.json, credentials.json,\n"
       "ballots.jsonl, tree_head.json, close.json, aggregates.json) as 'trustee decrypt'\n"
       "does, then every PARTIALS file (written by 'isoloir trustee decrypt'): a file\n"
       "that does not read, has a proof that fails or repeats a trustee is named on\n"
       "standard error ('set aside: ...') and left out. Any t valid files suffice;\n"
       "with fewer, nothing is written ('refused: not_enough_partials', naming the\n"
       "trustees missing). Writes the seven files of the election record (PROTOCOL.md\n"
       "section 8) into RECORD_DIR, which must not exist or be empty, after checking\n"
       "them as 'record verify' does, and prints the counts.\n",
       {"board", "out"},
       {},
       1,
       tally_combine,
       true},
  };
}

}  // namespace isoloir::cli

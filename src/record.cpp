#include "isoloir/record.h"

#include <algorithm>
#include <atomic>
#include <map>
#include <optional>
#include <thread>

#include "isoloir/ballot.h"
#include "isoloir/canonical_json.h"
#include "isoloir/closing.h"
#include "isoloir/manifest.h"
#include "isoloir/merkle.h"
#include "isoloir/record_writer.h"
#include "isoloir/registry.h"
#include "isoloir/signed_document.h"
#include "isoloir/tally.h"
#include "isoloir/tree_head.h"
#include "isoloir/trustees.h"

namespace isoloir {
namespace {

// Prefixes an error's detail with where it was found.
Error in(const std::string& where, const Error& e) {
  return fail(e.reason, e.detail.empty() ? where : where + ": " + e.detail);
}

Error bad(const std::string& where, const std::string& what) {
  return fail("bad_record", where + ": " + what);
}

std::string at(std::string_view base, size_t i) {
  return std::string(base) + "[" + std::to_string(i) + "]";
}

// version, kind, exact keys and election of a record file.
Status check_header(const Json& doc, std::string_view kind, const Manifest& m,
                    const std::string& file, std::initializer_list<std::string_view> keys) {
  if (Status s = check_document_header(doc, kind, keys, file); !s) return s;
  return check_election(doc, m.hash_b64, file);
}

Result<Registry> load_credentials(const Manifest& m, std::string_view text) {
  const std::string f = "credentials.json";
  auto doc = parse_canonical(text);
  if (!doc) return in(f, doc.error());
  if (Status s =
          check_header(*doc, "credentials", m, f, {"version", "kind", "election", "credentials"});
      !s) {
    return s.error();
  }
  const Json& list = (*doc)["credentials"];
  if (!list.is_array()) return fail("malformed", f + ": credentials is not an array");
  Registry registry(m);
  for (size_t i = 0; i < list.size(); ++i) {
    const std::string where = f + " " + at("credentials", i);
    const Json& e = list[i];
    if (Status s = require_keys(e, {"voter", "credential", "issued_at", "revoked_at"}, where); !s) {
      return s.error();
    }
    CredentialEvent ev;
    auto voter = get_string(e, "voter", where);
    if (!voter) return voter.error();
    ev.voter = *voter;
    auto cred_text = get_string(e, "credential", where);
    if (!cred_text) return cred_text.error();
    auto cred = base64url_decode_fixed<32>(*cred_text, where + ".credential");
    if (!cred) return cred.error();
    ev.credential = *cred;
    auto issued_text = get_string(e, "issued_at", where);
    if (!issued_text) return issued_text.error();
    auto issued = Timestamp::parse(*issued_text, where + ".issued_at");
    if (!issued) return issued.error();
    ev.issued_at = *issued;
    if (!e["revoked_at"].is_null()) {
      auto revoked_text = get_string(e, "revoked_at", where);
      if (!revoked_text) return revoked_text.error();
      auto revoked = Timestamp::parse(*revoked_text, where + ".revoked_at");
      if (!revoked) return revoked.error();
      ev.revoked_at = *revoked;
    }
    if (Status s = registry.add_event(ev); !s) return in(where, s.error());
  }
  return registry;
}

struct BallotsSummary {
  explicit BallotsSummary(const Manifest& m) : aggregates(m) {}
  std::vector<merkle::Hash> leaves;
  Aggregates aggregates;
  std::map<std::string, bool> voters;
};

// One line of ballots.jsonl, checked on its own: everything but the state
// (credentials, one ballot per voter), which needs the lines in order.
struct CheckedLine {
  std::optional<Error> error;
  Timestamp received;
  VerifiedBallot ballot;
};

CheckedLine check_line(const Manifest& m, std::string_view line, size_t index,
                       const std::string& where) {
  CheckedLine out;
  auto entry = parse_canonical(line);
  if (!entry) return {in(where, entry.error()), {}, {}};
  if (Status s = require_keys(*entry, {"log_index", "received_at", "reference", "ballot"}, where);
      !s) {
    return {s.error(), {}, {}};
  }
  auto log_index = get_int(*entry, "log_index", where);
  if (!log_index) return {log_index.error(), {}, {}};
  if (*log_index != static_cast<int64_t>(index)) {
    return {bad(where, "log_index " + std::to_string(*log_index) + " out of order"), {}, {}};
  }
  auto received_text = get_string(*entry, "received_at", where);
  if (!received_text) return {received_text.error(), {}, {}};
  auto received = Timestamp::parse(*received_text, where + ".received_at");
  if (!received) return {received.error(), {}, {}};
  const std::string bytes = canonical_dump((*entry)["ballot"]);
  auto ballot = verify_ballot(m, bytes);
  if (!ballot) return {in(where, ballot.error()), {}, {}};
  auto reference = get_string(*entry, "reference", where);
  if (!reference) return {reference.error(), {}, {}};
  if (*reference != ballot->reference) return {bad(where, "reference is not the ballot's"), {}, {}};
  out.received = *received;
  out.ballot = std::move(*ballot);
  return out;
}

// Checks lines first .. first + out.size() - 1 of `lines` into `out`, on every core: the
// proofs are independent, and the verifier has every core to itself. The
// WebAssembly module has no threads (its Web Worker is the parallelism).
void check_lines(const Manifest& m, const std::vector<std::string_view>& lines,
                 const std::vector<size_t>& numbers, size_t first, std::vector<CheckedLine>& out) {
  auto one = [&](size_t k) {
    const size_t i = first + k;
    out[k] = check_line(m, lines[i], i, "ballots.jsonl line " + std::to_string(numbers[i]));
  };
#ifdef __EMSCRIPTEN__
  for (size_t k = 0; k < out.size(); ++k) one(k);
#else
  std::atomic<size_t> next{0};
  auto work = [&] {
    for (size_t k = next++; k < out.size(); k = next++) one(k);
  };
  const unsigned cores = std::max(1U, std::thread::hardware_concurrency());
  const size_t threads = std::min<size_t>(cores, out.size() / 8 + 1);
  std::vector<std::thread> pool;
  for (size_t t = 1; t < threads; ++t) pool.emplace_back(work);
  work();
  for (auto& t : pool) t.join();
#endif
}

Result<BallotsSummary> check_ballots(const Manifest& m, Registry& registry, std::string_view text,
                                     const RecordProgress& progress) {
  BallotsSummary out(m);
  std::vector<std::string_view> lines;
  std::vector<size_t> numbers;  // 1-based line numbers, for the details
  size_t line_no = 0;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    const std::string_view line = text.substr(pos, end - pos);
    pos = end + 1;
    ++line_no;
    if (line.empty()) continue;
    lines.push_back(line);
    numbers.push_back(line_no);
  }
  // In blocks, so that memory stays bounded whatever the record's size; in
  // log order, the first fault wins, whether of the line or of the state.
  constexpr size_t kBlock = 1024;
  std::vector<CheckedLine> checked;
  for (size_t first = 0; first < lines.size(); first += kBlock) {
    checked.assign(std::min(kBlock, lines.size() - first), CheckedLine{});
    check_lines(m, lines, numbers, first, checked);
    for (size_t k = 0; k < checked.size(); ++k) {
      CheckedLine& c = checked[k];
      if (c.error) return *c.error;
      const std::string where = "ballots.jsonl line " + std::to_string(numbers[first + k]);
      auto voter = registry.admit(c.ballot, c.received);
      if (!voter) return in(where, voter.error());
      out.voters[*voter] = true;
      if (Status s = out.aggregates.add(c.ballot); !s) return in(where, s.error());
      out.leaves.push_back(merkle::leaf_hash(c.ballot.digest));
    }
    if (progress) progress(first + checked.size(), lines.size());
  }
  if (progress && lines.empty()) progress(0, 0);
  return out;
}

// Every subset of `k` elements of {0 .. n-1}, in lexicographic order.
std::vector<std::vector<size_t>> subsets(size_t n, size_t k) {
  std::vector<std::vector<size_t>> out;
  if (k == 0 || k > n) return out;
  std::vector<size_t> idx(k);
  for (size_t i = 0; i < k; ++i) idx[i] = i;
  for (;;) {
    out.push_back(idx);
    size_t i = k;
    while (i > 0 && idx[i - 1] == n - k + i - 1) --i;
    if (i == 0) return out;
    ++idx[i - 1];
    for (size_t j = i; j < k; ++j) idx[j] = idx[j - 1] + 1;
  }
}

// One option of tally.json: aggregate, partial decryptions, the count that
// every t-subset of them gives.
Result<uint64_t> check_option(const Manifest& m, const Trustees& trustees, const Scrutin& s,
                              size_t i, const Aggregates::Scrutin& agg, const Json& opt,
                              const std::string& where) {
  auto id = get_string(opt, "id", where);
  if (!id) return id.error();
  auto index = get_int(opt, "index", where);
  if (!index) return index.error();
  if (*id != s.options[i].id || *index != static_cast<int64_t>(i)) {
    return bad(where, "option is not the manifest's option " + std::to_string(i));
  }
  if (agg.ballots == 0) {
    if (Status st = require_keys(opt, {"id", "index"}, where); !st) return st.error();
    return uint64_t{0};
  }
  if (Status st = require_keys(opt, {"id", "index", "alpha", "beta", "partials"}, where); !st) {
    return st.error();
  }
  auto alpha_text = get_string(opt, "alpha", where);
  if (!alpha_text) return alpha_text.error();
  auto beta_text = get_string(opt, "beta", where);
  if (!beta_text) return beta_text.error();
  const Ciphertext& product = agg.options[i];
  if (*alpha_text != product.alpha.to_base64url() || *beta_text != product.beta.to_base64url()) {
    return bad(where, "aggregate differs from the product of the ballots");
  }
  const Json& list = opt["partials"];
  if (!list.is_array()) return fail("malformed", where + ".partials is not an array");
  const DecryptionContext ctx{m.hash, s.id, static_cast<uint32_t>(i)};
  std::vector<PartialDecryption> partials;
  for (size_t k = 0; k < list.size(); ++k) {
    const std::string pw = where + "." + at("partials", k);
    auto p = parse_partial(list[k], pw);
    if (!p) return p.error();
    const TrusteeInfo* t = trustees.find(p->trustee);
    if (t == nullptr) return bad(pw, "no trustee " + std::to_string(p->trustee));
    for (const auto& q : partials) {
      if (q.trustee == p->trustee) return bad(pw, "trustee decrypted twice");
    }
    if (Status st = verify_partial(ctx, t->verification_key, product.alpha, *p); !st) {
      return in(pw, st.error());
    }
    partials.push_back(*p);
  }
  if (partials.size() < trustees.threshold) {
    return fail("not_enough_partials", where + ": fewer partial decryptions than the threshold");
  }
  std::optional<uint64_t> count;
  for (const auto& subset : subsets(partials.size(), trustees.threshold)) {
    std::vector<PartialDecryption> chosen;
    chosen.reserve(subset.size());
    for (size_t k : subset) chosen.push_back(partials[k]);
    auto ax = combine_partials(chosen, trustees.threshold);
    if (!ax) return in(where, ax.error());
    auto c = decrypt_count(product.beta, *ax, agg.ballots);
    if (!c) return in(where, c.error());
    if (count && *count != *c) return bad(where, "two sets of trustees decrypt different counts");
    count = *c;
  }
  return *count;
}

Result<std::vector<RecordScrutinResult>> check_tally(const Manifest& m, const Trustees& trustees,
                                                     const Aggregates& aggregates,
                                                     std::string_view text) {
  const std::string f = "tally.json";
  auto doc = parse_canonical(text);
  if (!doc) return in(f, doc.error());
  if (Status s = check_header(*doc, "tally", m, f, {"version", "kind", "election", "scrutins"});
      !s) {
    return s.error();
  }
  const Json& list = (*doc)["scrutins"];
  if (!list.is_array() || list.size() != m.scrutins.size()) {
    return bad(f, "scrutins must list the manifest's scrutins, in its order");
  }
  std::vector<RecordScrutinResult> out;
  for (size_t si = 0; si < m.scrutins.size(); ++si) {
    const Scrutin& s = m.scrutins[si];
    const std::string where = f + " " + at("scrutins", si);
    const Json& e = list[si];
    if (Status st = require_keys(e, {"id", "ballots", "options"}, where); !st) return st.error();
    auto id = get_string(e, "id", where);
    if (!id) return id.error();
    if (*id != s.id) return bad(where, "is not scrutin " + s.id);
    const Aggregates::Scrutin& agg = aggregates.of(s.id);
    auto count = get_int(e, "ballots", where);
    if (!count) return count.error();
    if (*count != static_cast<int64_t>(agg.ballots)) {
      return bad(where, "ballots is not the number of ballots in the log");
    }
    const Json& options = e["options"];
    if (!options.is_array() || options.size() != s.options.size()) {
      return bad(where, "options must list the scrutin's options");
    }
    RecordScrutinResult r{s.id, agg.ballots, {}};
    for (size_t i = 0; i < s.options.size(); ++i) {
      auto c = check_option(m, trustees, s, i, agg, options[i], where + "." + at("options", i));
      if (!c) return c.error();
      r.counts.push_back(RecordCount{s.options[i].id, *c});
    }
    out.push_back(std::move(r));
  }
  return out;
}

Status check_results(const Manifest& m, const std::vector<RecordScrutinResult>& computed,
                     std::string_view text) {
  const std::string f = "results.json";
  auto doc = parse_canonical(text);
  if (!doc) return in(f, doc.error());
  if (Status s = check_header(*doc, "results", m, f, {"version", "kind", "election", "scrutins"});
      !s) {
    return s;
  }
  // The product's own writer must give these exact bytes.
  if (std::string(text) != results_file(m.hash_b64, computed)) {
    return bad(f, "the published results differ from the recomputed counts");
  }
  return Status::Ok();
}

}  // namespace

Result<Board> verify_board(const BoardFiles& files, const RecordProgress& progress) {
  auto m = parse_manifest(files.manifest);
  if (!m) return in("manifest.json", m.error());
  if (m->canonical != files.manifest) {
    return fail("non_canonical_json", "manifest.json is not exactly its canonical bytes");
  }

  auto trustees_doc = parse_canonical(files.trustees);
  if (!trustees_doc) return in("trustees.json", trustees_doc.error());
  auto trustees = load_trustees(*trustees_doc);
  if (!trustees) return in("trustees.json", trustees.error());
  if (trustees->election_id != m->id) return fail("wrong_election", "trustees.json election_id");
  if (!(trustees->public_key == m->public_key)) {
    return fail("bad_public_key", "trustees.json: the trustees' key is not the manifest's");
  }

  auto registry = load_credentials(*m, files.credentials);
  if (!registry) return registry.error();
  auto ballots = check_ballots(*m, *registry, files.ballots, progress);
  if (!ballots) return ballots.error();

  auto head = verify_tree_head(files.tree_head, m->server_key, m->hash_b64);
  if (!head) return in("tree_head.json", head.error());
  if (head->size != ballots->leaves.size()) {
    return bad("tree_head.json", "size is not the number of ballots");
  }
  if (head->root != merkle::root(ballots->leaves)) {
    return bad("tree_head.json", "root is not the Merkle root of the ballots");
  }

  RecordReport report;
  report.election_hash = m->hash_b64;
  report.ballots = ballots->leaves.size();
  report.voters = ballots->voters.size();
  return Board{std::move(*m), std::move(*trustees), std::move(ballots->aggregates), *head,
               std::move(report)};
}

Result<RecordReport> verify_record(const RecordFiles& files) {
  return verify_record(files, RecordProgress());
}

Result<RecordReport> verify_record(const RecordFiles& files, const RecordProgress& progress) {
  auto board = verify_board(
      BoardFiles{files.manifest, files.trustees, files.credentials, files.ballots, files.tree_head},
      progress);
  if (!board) return board.error();
  auto results = check_tally(board->manifest, board->trustees, board->aggregates, files.tally);
  if (!results) return results.error();
  if (Status s = check_results(board->manifest, *results, files.results); !s) return s.error();
  RecordReport report = std::move(board->report);
  report.results = std::move(*results);
  return report;
}

}  // namespace isoloir

#include "isoloir/closing.h"

#include <algorithm>
#include <map>
#include <set>
#include <utility>

#include "isoloir/canonical_json.h"
#include "isoloir/signed_document.h"

namespace isoloir {
namespace {

constexpr int64_t kMaxTrusteeIndex = 1000;

Error in(const std::string& where, const Error& e) {
  return fail(e.reason, e.detail.empty() ? where : where + ": " + e.detail);
}

std::string at(std::string_view base, size_t i) {
  return std::string(base) + "[" + std::to_string(i) + "]";
}

Json board_document(std::string_view kind, std::string_view election_hash) {
  Json d = Json::object();
  d["version"] = kProtocolVersion;
  d["kind"] = kind;
  d["election"] = election_hash;
  return d;
}

// The close's own consistency: the tree head taken at the close, inside the
// window, and `early` telling the truth.
Status check_close_times(const Timestamp& closed_at, bool early, const TreeHead& head,
                         const Timestamp& opens_at, const Timestamp& closes_at,
                         const std::string& field) {
  if (head.timestamp.seconds != closed_at.seconds || head.timestamp.nanos != 0) {
    return fail("bad_close", field + ".tree_head.timestamp is not closed_at");
  }
  if (closed_at < opens_at || closes_at < closed_at) {
    return fail("bad_close",
                field + ".closed_at " + closed_at.to_string() + " is outside the voting period");
  }
  if (early != (closed_at < closes_at)) {
    return fail("bad_close", field + ".early is " + (early ? "true" : "false") +
                                 " but closed_at is " + (closed_at < closes_at ? "before" : "at") +
                                 " closes_at");
  }
  return Status::Ok();
}

}  // namespace

// ---------------------------------------------------------------------------
// The close.

Result<std::string> close_document(std::string_view election_hash_b64, Timestamp closed_at,
                                   bool early, std::string_view signed_tree_head_bytes,
                                   const SigningKey& server_key) {
  closed_at.nanos = 0;  // written without fraction
  auto head_doc = parse_canonical(signed_tree_head_bytes);
  if (!head_doc) return in("tree_head", head_doc.error());
  auto head = verify_tree_head_document(*head_doc, server_key.public_key(), election_hash_b64);
  if (!head) return head.error();
  if (head->timestamp.seconds != closed_at.seconds || head->timestamp.nanos != 0) {
    return fail("bad_close", "the tree head's timestamp is not closed_at");
  }
  Json d = board_document("close", election_hash_b64);
  d["closed_at"] = closed_at.to_string();
  d["early"] = early;
  d["tree_head"] = std::move(*head_doc);
  return sign_document(server_key, kCloseTag, std::move(d)).bytes;
}

Result<Close> verify_close(std::string_view bytes, const Manifest& manifest) {
  const std::string f = "close.json";
  auto doc = parse_canonical(bytes);
  if (!doc) return in(f, doc.error());
  if (Status s = check_document_header(
          *doc, "close",
          {"version", "kind", "election", "closed_at", "early", "tree_head", "signature"}, f);
      !s) {
    return s.error();
  }
  if (Status s = check_election(*doc, manifest.hash_b64, f); !s) return s.error();
  if (Status s = verify_document_signature(*doc, kCloseTag, manifest.server_key, f); !s) {
    return s.error();
  }
  auto closed_at = get_time(*doc, "closed_at", f);
  if (!closed_at) return closed_at.error();
  auto early = get_bool(*doc, "early", f);
  if (!early) return early.error();
  const Json& head_doc = (*doc)["tree_head"];
  auto head =
      verify_tree_head_document(head_doc, manifest.server_key, manifest.hash_b64, f + ".tree_head");
  if (!head) return head.error();
  if (Status s =
          check_close_times(*closed_at, *early, *head, manifest.opens_at, manifest.closes_at, f);
      !s) {
    return s.error();
  }
  return Close{*closed_at, *early, *head, canonical_dump(head_doc)};
}

// ---------------------------------------------------------------------------
// aggregates.json.

std::string aggregates_file(const Manifest& manifest, const Aggregates& aggregates,
                            std::string_view tree_head_bytes) {
  Json scrutins = Json::array();
  for (const Scrutin& s : manifest.scrutins) {
    const Aggregates::Scrutin& agg = aggregates.of(s.id);
    Json options = Json::array();
    for (size_t i = 0; i < s.options.size(); ++i) {
      Json o = Json::object();
      o["id"] = s.options[i].id;
      o["index"] = static_cast<int64_t>(i);
      if (agg.ballots > 0) {
        o["alpha"] = agg.options[i].alpha.to_base64url();
        o["beta"] = agg.options[i].beta.to_base64url();
      }
      options.push_back(std::move(o));
    }
    Json e = Json::object();
    e["id"] = s.id;
    e["ballots"] = static_cast<int64_t>(agg.ballots);
    e["options"] = std::move(options);
    scrutins.push_back(std::move(e));
  }
  Json d = board_document("aggregates", manifest.hash_b64);
  auto head = parse_canonical(tree_head_bytes);
  d["tree_head"] = head ? std::move(*head) : Json(nullptr);
  d["scrutins"] = std::move(scrutins);
  return canonical_dump(d);
}

namespace {

Result<Ciphertext> parse_aggregate_option(const Json& o, bool has_ballots, size_t i,
                                          const std::string& option_id, const std::string& where) {
  if (Status st = require_keys(
          o,
          has_ballots ? std::initializer_list<std::string_view>{"id", "index", "alpha", "beta"}
                      : std::initializer_list<std::string_view>{"id", "index"},
          where);
      !st) {
    return st.error();
  }
  auto id = get_string(o, "id", where);
  if (!id) return id.error();
  auto index = get_int(o, "index", where);
  if (!index) return index.error();
  if (*id != option_id || *index != static_cast<int64_t>(i)) {
    return fail("malformed", where + " is not the manifest's option " + std::to_string(i));
  }
  if (!has_ballots) return Ciphertext{};
  auto alpha_text = get_string(o, "alpha", where);
  if (!alpha_text) return alpha_text.error();
  auto alpha = Point::from_base64url(*alpha_text, where + ".alpha");
  if (!alpha) return alpha.error();
  auto beta_text = get_string(o, "beta", where);
  if (!beta_text) return beta_text.error();
  auto beta = Point::from_base64url(*beta_text, where + ".beta");
  if (!beta) return beta.error();
  return Ciphertext{*alpha, *beta};
}

Result<AggregatesDocument::Scrutin> parse_aggregate_scrutin(const Json& e, const Scrutin& s,
                                                            const std::string& where) {
  if (Status st = require_keys(e, {"id", "ballots", "options"}, where); !st) return st.error();
  auto id = get_string(e, "id", where);
  if (!id) return id.error();
  if (*id != s.id) return fail("malformed", where + " is not scrutin " + s.id);
  auto ballots = get_count(e, "ballots", where);
  if (!ballots) return ballots.error();
  const Json& options = e["options"];
  if (!options.is_array() || options.size() != s.options.size()) {
    return fail("malformed", where + ".options must list the scrutin's options");
  }
  AggregatesDocument::Scrutin out{s.id, *ballots, {}};
  for (size_t i = 0; i < s.options.size(); ++i) {
    auto c = parse_aggregate_option(options[i], *ballots > 0, i, s.options[i].id,
                                    where + "." + at("options", i));
    if (!c) return c.error();
    if (*ballots > 0) out.options.push_back(*c);
  }
  return out;
}

}  // namespace

Result<AggregatesDocument> parse_aggregates(std::string_view bytes, const Manifest& manifest) {
  const std::string f = "aggregates.json";
  auto doc = parse_canonical(bytes);
  if (!doc) return in(f, doc.error());
  if (Status s = check_document_header(*doc, "aggregates",
                                       {"version", "kind", "election", "tree_head", "scrutins"}, f);
      !s) {
    return s.error();
  }
  if (Status s = check_election(*doc, manifest.hash_b64, f); !s) return s.error();
  const Json& head = (*doc)["tree_head"];
  if (!head.is_object()) return fail("malformed", f + ".tree_head is not an object");
  const Json& list = (*doc)["scrutins"];
  if (!list.is_array() || list.size() != manifest.scrutins.size()) {
    return fail("malformed", f + ".scrutins must list the manifest's scrutins, in its order");
  }
  AggregatesDocument out;
  out.tree_head_bytes = canonical_dump(head);
  for (size_t si = 0; si < manifest.scrutins.size(); ++si) {
    auto s = parse_aggregate_scrutin(list[si], manifest.scrutins[si], f + " " + at("scrutins", si));
    if (!s) return s.error();
    out.scrutins.push_back(std::move(*s));
  }
  return out;
}

Status compare_aggregates(const AggregatesDocument& document, const Manifest& manifest,
                          const Aggregates& computed, std::string_view tree_head_bytes) {
  const std::string f = "aggregates.json";
  if (document.tree_head_bytes != tree_head_bytes) {
    return fail("aggregates_differ", f + ": tree_head is not the close's tree head");
  }
  if (document.scrutins.size() != manifest.scrutins.size()) {
    return fail("aggregates_differ", f + ": not the manifest's scrutins");
  }
  for (size_t si = 0; si < manifest.scrutins.size(); ++si) {
    const Scrutin& s = manifest.scrutins[si];
    const AggregatesDocument::Scrutin& d = document.scrutins[si];
    const Aggregates::Scrutin& c = computed.of(s.id);
    if (d.id != s.id || d.ballots != c.ballots) {
      return fail("aggregates_differ", f + ": scrutin " + s.id + " has " +
                                           std::to_string(c.ballots) + " ballots, the file says " +
                                           std::to_string(d.ballots));
    }
    if (c.ballots == 0) continue;
    for (size_t i = 0; i < s.options.size(); ++i) {
      if (i >= d.options.size() || !(d.options[i].alpha == c.options[i].alpha) ||
          !(d.options[i].beta == c.options[i].beta)) {
        return fail("aggregates_differ", f + ": scrutin " + s.id + " option " + s.options[i].id +
                                             " is not the product of the ballots");
      }
    }
  }
  return Status::Ok();
}

// ---------------------------------------------------------------------------
// Partials.

const PartialsDocument::Scrutin* PartialsDocument::find(std::string_view scrutin_id) const {
  for (const Scrutin& s : scrutins) {
    if (s.id == scrutin_id) return &s;
  }
  return nullptr;
}

namespace {

Json option_partial_json(uint32_t index, const PartialDecryption& p) {
  return Json{{"index", index},
              {"d", p.d.to_base64url()},
              {"proof", Json{{"c", p.proof.c.to_base64url()}, {"s", p.proof.s.to_base64url()}}}};
}

Result<PartialDecryption> parse_option_partial(const Json& o, uint32_t trustee, size_t i,
                                               const std::string& where) {
  if (Status st = require_keys(o, {"index", "d", "proof"}, where); !st) return st.error();
  auto index = get_int(o, "index", where);
  if (!index) return index.error();
  if (*index != static_cast<int64_t>(i)) {
    return fail("malformed", where + ".index is not " + std::to_string(i));
  }
  auto d_text = get_string(o, "d", where);
  if (!d_text) return d_text.error();
  auto d = Point::from_base64url(*d_text, where + ".d");
  if (!d) return d.error();
  const std::string pf = where + ".proof";
  const Json& proof = o["proof"];
  if (Status st = require_keys(proof, {"c", "s"}, pf); !st) return st.error();
  auto c_text = get_string(proof, "c", pf);
  if (!c_text) return c_text.error();
  auto c = Scalar::from_base64url(*c_text, pf + ".c");
  if (!c) return c.error();
  auto s_text = get_string(proof, "s", pf);
  if (!s_text) return s_text.error();
  auto s = Scalar::from_base64url(*s_text, pf + ".s");
  if (!s) return s.error();
  return PartialDecryption{trustee, *d, DecryptionProof{*c, *s}};
}

Result<PartialsDocument::Scrutin> parse_partials_scrutin(const Json& e, const Scrutin& s,
                                                         uint64_t ballots, uint32_t trustee,
                                                         const std::string& where) {
  if (Status st = require_keys(e, {"id", "options"}, where); !st) return st.error();
  const Json& options = e["options"];
  const size_t expected = ballots > 0 ? s.options.size() : 0;
  if (!options.is_array() || options.size() != expected) {
    return fail("malformed", where + ".options must list " + std::to_string(expected) +
                                 " options (scrutin " + s.id + ", " + std::to_string(ballots) +
                                 " ballots)");
  }
  PartialsDocument::Scrutin out{s.id, {}};
  for (size_t i = 0; i < expected; ++i) {
    auto p = parse_option_partial(options[i], trustee, i, where + "." + at("options", i));
    if (!p) return p.error();
    out.options.push_back(*p);
  }
  return out;
}

}  // namespace

Result<std::string> make_partials(const Manifest& manifest, const Trustees& trustees,
                                  const Aggregates& aggregates, uint32_t trustee,
                                  const Scalar& key_share, ScalarSource& rng) {
  const TrusteeInfo* info = trustees.find(trustee);
  if (info == nullptr) {
    return fail("unknown_trustee", "trustees.json has no trustee " + std::to_string(trustee));
  }
  if (!(Point::base_mul(key_share) == info->verification_key)) {
    return fail("wrong_key_share", "the key share is not trustee " + std::to_string(trustee) +
                                       "'s: g^x is not its verification key");
  }
  Json scrutins = Json::array();
  for (const Scrutin& s : manifest.scrutins) {
    const Aggregates::Scrutin& agg = aggregates.of(s.id);
    Json options = Json::array();
    for (size_t i = 0; agg.ballots > 0 && i < s.options.size(); ++i) {
      const DecryptionContext ctx{manifest.hash, s.id, static_cast<uint32_t>(i)};
      auto p = partial_decrypt(ctx, trustee, key_share, agg.options[i].alpha, rng);
      if (!p) return in("scrutin " + s.id + " option " + s.options[i].id, p.error());
      options.push_back(option_partial_json(static_cast<uint32_t>(i), *p));
    }
    Json e = Json::object();
    e["id"] = s.id;
    e["options"] = std::move(options);
    scrutins.push_back(std::move(e));
  }
  Json d = board_document("partials", manifest.hash_b64);
  d["trustee"] = trustee;
  d["scrutins"] = std::move(scrutins);
  return canonical_dump(d);
}

Result<Board> verify_closed_board(const ClosedBoardFiles& files, const RecordProgress& progress) {
  auto board = verify_board(files.board, progress);
  if (!board) return board.error();
  auto close = verify_close(files.close, board->manifest);
  if (!close) return close.error();
  if (close->tree_head_bytes != files.board.tree_head) {
    return fail("bad_close", "close.json: its tree head is not tree_head.json");
  }
  auto aggregates = parse_aggregates(files.aggregates, board->manifest);
  if (!aggregates) return aggregates.error();
  if (Status s = compare_aggregates(*aggregates, board->manifest, board->aggregates,
                                    files.board.tree_head);
      !s) {
    return s.error();
  }
  return board;
}

Result<std::string> decrypt_board(const Board& board, std::string_view key_election_id,
                                  uint32_t trustee, const Scalar& key_share, ScalarSource& rng) {
  if (key_election_id != board.manifest.id) {
    return fail("wrong_election", "the key share is a key of election " +
                                      std::string(key_election_id) + ", the board's is " +
                                      board.manifest.id);
  }
  return make_partials(board.manifest, board.trustees, board.aggregates, trustee, key_share, rng);
}

Result<PartialsDocument> parse_partials(std::string_view bytes, const Manifest& manifest,
                                        const Aggregates& aggregates) {
  const std::string f = "partials";
  auto doc = parse_canonical(bytes);
  if (!doc) return doc.error();
  if (Status s = check_document_header(*doc, "partials",
                                       {"version", "kind", "election", "trustee", "scrutins"}, f);
      !s) {
    return s.error();
  }
  if (Status s = check_election(*doc, manifest.hash_b64, f); !s) return s.error();
  auto trustee = get_int(*doc, "trustee", f);
  if (!trustee) return trustee.error();
  if (*trustee < 1 || *trustee > kMaxTrusteeIndex) {
    return fail("malformed", f + ".trustee = " + std::to_string(*trustee));
  }
  const Json& list = (*doc)["scrutins"];
  if (!list.is_array()) return fail("malformed", f + ".scrutins is not an array");
  PartialsDocument out;
  out.trustee = static_cast<uint32_t>(*trustee);
  size_t next = 0;  // the first manifest scrutin the next entry may be
  for (size_t k = 0; k < list.size(); ++k) {
    const std::string where = f + "." + at("scrutins", k);
    auto id = get_string(list[k], "id", where);
    if (!id) return id.error();
    size_t si = next;
    while (si < manifest.scrutins.size() && manifest.scrutins[si].id != *id) ++si;
    if (si == manifest.scrutins.size()) {
      return fail("malformed", where + ": scrutin " + *id +
                                   " is not the manifest's, or out of its order, or repeated");
    }
    next = si + 1;
    const Scrutin& s = manifest.scrutins[si];
    auto e = parse_partials_scrutin(list[k], s, aggregates.of(s.id).ballots, out.trustee, where);
    if (!e) return e.error();
    out.scrutins.push_back(std::move(*e));
  }
  return out;
}

Status verify_partials(const PartialsDocument& document, const Manifest& manifest,
                       const Trustees& trustees, const Aggregates& aggregates) {
  const TrusteeInfo* info = trustees.find(document.trustee);
  if (info == nullptr) {
    return fail("unknown_trustee",
                "trustees.json has no trustee " + std::to_string(document.trustee));
  }
  for (const PartialsDocument::Scrutin& s : document.scrutins) {
    const Aggregates::Scrutin& agg = aggregates.of(s.id);
    for (size_t i = 0; i < s.options.size() && i < agg.options.size(); ++i) {
      const DecryptionContext ctx{manifest.hash, s.id, static_cast<uint32_t>(i)};
      if (Status st =
              verify_partial(ctx, info->verification_key, agg.options[i].alpha, s.options[i]);
          !st) {
        return st;
      }
    }
  }
  return Status::Ok();
}

// ---------------------------------------------------------------------------
// The combination.

namespace {

std::string who(uint32_t trustee, const std::string& file) {
  return "trustee " + std::to_string(trustee) + " (" + file + ")";
}

std::string list_indices(const std::vector<uint32_t>& v) {
  std::string out;
  for (uint32_t j : v) out += (out.empty() ? "" : ", ") + std::to_string(j);
  return out.empty() ? "none" : out;
}

// The valid documents, one per trustee, by index; what is set aside, in file order.
std::map<uint32_t, PartialsDocument> sort_out(const Manifest& manifest, const Trustees& trustees,
                                              const Aggregates& aggregates,
                                              std::span<const PartialsFile> files,
                                              std::vector<SetAside>& set_aside) {
  std::map<uint32_t, PartialsDocument> valid;
  std::map<uint32_t, std::string> file_of;
  for (const PartialsFile& file : files) {
    auto doc = parse_partials(file.bytes, manifest, aggregates);
    if (!doc) {
      set_aside.push_back(SetAside{file.name, doc.error().message()});
      continue;
    }
    const uint32_t j = doc->trustee;
    if (Status s = verify_partials(*doc, manifest, trustees, aggregates); !s) {
      set_aside.push_back(SetAside{who(j, file.name), s.error().message()});
      continue;
    }
    if (auto it = file_of.find(j); it != file_of.end()) {
      set_aside.push_back(SetAside{who(j, file.name), "duplicate: trustee " + std::to_string(j) +
                                                          " is given by " + it->second});
      continue;
    }
    file_of.emplace(j, file.name);
    valid.emplace(j, std::move(*doc));
  }
  return valid;
}

std::string set_aside_text(const std::vector<SetAside>& set_aside) {
  std::string out;
  for (const SetAside& s : set_aside) {
    out += (out.empty() ? "" : "; ") + s.who + ": " + s.reason;
  }
  return out;
}

// Fewer than t trustees for a scrutin with ballots: who is missing.
Status check_enough(const Manifest& manifest, const Trustees& trustees,
                    const Aggregates& aggregates, const std::map<uint32_t, PartialsDocument>& valid,
                    const std::vector<SetAside>& set_aside) {
  for (const Scrutin& s : manifest.scrutins) {
    if (aggregates.of(s.id).ballots == 0) continue;
    std::vector<uint32_t> missing;
    size_t have = 0;
    for (const TrusteeInfo& t : trustees.trustees) {
      auto it = valid.find(t.index);
      if (it != valid.end() && it->second.find(s.id) != nullptr) {
        ++have;
      } else {
        missing.push_back(t.index);
      }
    }
    if (have < trustees.threshold) {
      std::string detail = "scrutin " + s.id + ": " + std::to_string(have) +
                           " valid partial decryptions, " + std::to_string(trustees.threshold) +
                           " needed; missing trustees " + list_indices(missing);
      if (!set_aside.empty()) detail += "; set aside: " + set_aside_text(set_aside);
      return fail("not_enough_partials", detail);
    }
  }
  return Status::Ok();
}

}  // namespace

Result<Combined> combine_tally(const Manifest& manifest, const Trustees& trustees,
                               const Aggregates& aggregates, std::span<const PartialsFile> files) {
  Combined out;
  const std::map<uint32_t, PartialsDocument> valid =
      sort_out(manifest, trustees, aggregates, files, out.set_aside);
  if (Status s = check_enough(manifest, trustees, aggregates, valid, out.set_aside); !s) {
    return s.error();
  }
  std::vector<ScrutinPartials> partials;
  std::set<uint32_t> used;
  for (const Scrutin& s : manifest.scrutins) {
    const Aggregates::Scrutin& agg = aggregates.of(s.id);
    ScrutinPartials sp{s.id, std::vector<std::vector<PartialDecryption>>(s.options.size())};
    RecordScrutinResult r{s.id, agg.ballots, {}};
    for (size_t i = 0; i < s.options.size(); ++i) {
      uint64_t count = 0;
      if (agg.ballots > 0) {
        for (const auto& [j, doc] : valid) {
          if (const PartialsDocument::Scrutin* mine = doc.find(s.id)) {
            sp.options[i].push_back(mine->options[i]);
            used.insert(j);
          }
        }
        auto ax = combine_partials(sp.options[i], trustees.threshold);
        if (!ax) return in("scrutin " + s.id + " option " + s.options[i].id, ax.error());
        auto c = decrypt_count(agg.options[i].beta, *ax, agg.ballots);
        if (!c) return in("scrutin " + s.id + " option " + s.options[i].id, c.error());
        count = *c;
      }
      r.counts.push_back(RecordCount{s.options[i].id, count});
    }
    partials.push_back(std::move(sp));
    out.counts.push_back(std::move(r));
  }
  auto tally = tally_file(manifest, aggregates, partials);
  if (!tally) return tally.error();
  out.tally = std::move(*tally);
  out.results = results_file(manifest.hash_b64, out.counts);
  out.trustees.assign(used.begin(), used.end());
  return out;
}

}  // namespace isoloir

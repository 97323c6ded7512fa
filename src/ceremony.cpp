#include "isoloir/ceremony.h"

#include <sodium.h>

#include <algorithm>
#include <string>
#include <utility>

#include "isoloir/bytes.h"
#include "isoloir/signed_document.h"

namespace isoloir {
namespace {

constexpr std::string_view kCommitmentKind = "trustee-commitment";
constexpr std::string_view kSharesKind = "trustee-shares";
constexpr std::string_view kVerificationKeyKind = "trustee-verification-key";
constexpr size_t kMaxElectionIdBytes = 256;
constexpr size_t kSealedShareBytes = Scalar::kBytes + crypto_box_SEALBYTES;

std::string trustee(uint32_t i) {
  return "trustee " + std::to_string(i);
}

std::string at(std::string_view field, size_t i) {
  return std::string(field) + "[" + std::to_string(i) + "]";
}

bool has_control(std::string_view s) {
  for (const char c : s) {
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7f) return true;
  }
  return false;
}

// 1 to `max` bytes without control characters (an election id, a name).
Status check_text(std::string_view text, size_t max, const std::string& field) {
  if (text.empty() || text.size() > max || has_control(text)) {
    return fail("malformed",
                field + ": 1 to " + std::to_string(max) + " bytes without control characters");
  }
  return Status::Ok();
}

Result<std::string> get_text(const Json& doc, std::string_view key, std::string_view field,
                             size_t max) {
  auto text = get_string(doc, key, field);
  if (!text) return text.error();
  if (Status st = check_text(*text, max, std::string(field) + "." + std::string(key)); !st) {
    return st.error();
  }
  return text;
}

Result<uint32_t> get_bounded(const Json& obj, std::string_view key, std::string_view field,
                             int64_t lo, int64_t hi) {
  auto v = get_int(obj, key, field);
  if (!v) return v.error();
  if (*v < lo || *v > hi) {
    return fail("malformed", std::string(field) + "." + std::string(key) + " = " +
                                 std::to_string(*v) + " outside [" + std::to_string(lo) + ", " +
                                 std::to_string(hi) + "]");
  }
  return static_cast<uint32_t>(*v);
}

Result<Point> get_point(const Json& obj, std::string_view key, std::string_view field) {
  auto text = get_string(obj, key, field);
  if (!text) return text.error();
  return Point::from_base64url(*text, std::string(field) + "." + std::string(key));
}

Result<Scalar> get_scalar(const Json& obj, std::string_view key, std::string_view field) {
  auto text = get_string(obj, key, field);
  if (!text) return text.error();
  return Scalar::from_base64url(*text, std::string(field) + "." + std::string(key));
}

Result<PokProof> parse_pok(const Json& doc, std::string_view field) {
  auto pok = get_member(doc, "pok", field);
  if (!pok) return pok.error();
  const std::string name = std::string(field) + ".pok";
  if (Status st = require_keys(**pok, {"c", "s"}, name); !st) return st.error();
  auto c = get_scalar(**pok, "c", name);
  if (!c) return c.error();
  auto s = get_scalar(**pok, "s", name);
  if (!s) return s.error();
  return PokProof{*c, *s};
}

Result<std::vector<Point>> parse_points(const Json& doc, std::string_view key,
                                        std::string_view field, size_t count) {
  auto list = get_member(doc, key, field);
  if (!list) return list.error();
  const std::string name = std::string(field) + "." + std::string(key);
  if (!(*list)->is_array() || (*list)->size() != count) {
    return fail("malformed", name + ": expected " + std::to_string(count) + " points");
  }
  std::vector<Point> out;
  out.reserve(count);
  for (size_t k = 0; k < count; ++k) {
    const Json& item = (**list)[k];
    if (!item.is_string()) return fail("malformed", at(name, k) + " is not a string");
    auto p = Point::from_base64url(item.get_ref<const std::string&>(), at(name, k));
    if (!p) return p.error();
    out.push_back(*p);
  }
  return out;
}

// Trustee `index` (1..n) in index-ordered checked commitments.
const TrusteeCommitment& nth(std::span<const TrusteeCommitment> checked, uint32_t index) {
  return checked[index - 1];
}

// `checked` holds `me` as the key file knows it.
Status check_mine(const CeremonyKey& me, std::span<const TrusteeCommitment> checked) {
  if (checked.empty()) return fail("missing_trustee", "no commitments");
  for (size_t k = 0; k < checked.size(); ++k) {
    if (checked[k].index != k + 1) {
      return fail("malformed", "the commitments are not those of check_commitments");
    }
  }
  if (me.election_id != checked.front().election_id) {
    return fail("wrong_election", "the key file is for election \"" + me.election_id +
                                      "\", the commitments for \"" + checked.front().election_id +
                                      "\"");
  }
  if (me.index < 1 || me.index > checked.size()) {
    return fail("not_mine", trustee(me.index) + " is not among the " +
                                std::to_string(checked.size()) + " trustees");
  }
  const TrusteeCommitment& mine = nth(checked, me.index);
  if (!(mine.commitments == me.polynomial.commitments()) || mine.box_key != me.box.public_key()) {
    return fail("not_mine",
                trustee(me.index) + ": the commitment file is not the one this key file made");
  }
  return Status::Ok();
}

// The shares documents by sender (index 1..n; null where absent), each for
// this election and addressed to every other trustee exactly once.
Result<std::vector<const TrusteeShares*>> index_shares(std::span<const TrusteeShares> shares,
                                                       std::string_view election_id, uint32_t n) {
  std::vector<const TrusteeShares*> by_from(n + 1, nullptr);
  for (const TrusteeShares& s : shares) {
    if (s.from < 1 || s.from > n) {
      return fail("malformed", "shares from " + trustee(s.from) + ", but there are " +
                                   std::to_string(n) + " trustees");
    }
    if (s.election_id != election_id) {
      return fail("malformed", trustee(s.from) + ": shares for election \"" + s.election_id + "\"");
    }
    if (by_from[s.from] != nullptr) {
      return fail("duplicate_trustee", trustee(s.from) + ": two shares documents");
    }
    if (s.shares.size() != n - 1) {
      return fail("malformed", trustee(s.from) + ": " + std::to_string(s.shares.size()) +
                                   " shares for " + std::to_string(n - 1) + " other trustees");
    }
    uint32_t expected = 1;
    for (const SealedShare& share : s.shares) {
      if (expected == s.from) ++expected;
      if (share.from != s.from || share.to != expected) {
        return fail("malformed",
                    trustee(s.from) + ": the shares are not one to each other trustee in order");
      }
      ++expected;
    }
    by_from[s.from] = &s;
  }
  return by_from;
}

Status check_verification_keys(std::span<const TrusteeCommitment> checked,
                               std::span<const TrusteeVerificationKey> keys,
                               std::vector<Point>& out) {
  const auto n = static_cast<uint32_t>(checked.size());
  const std::string& election_id = checked.front().election_id;
  std::vector<const TrusteeVerificationKey*> by_index(n + 1, nullptr);
  for (const TrusteeVerificationKey& v : keys) {
    if (v.index < 1 || v.index > n) {
      return fail("malformed", "a verification key of " + trustee(v.index) + ", but there are " +
                                   std::to_string(n) + " trustees");
    }
    if (v.election_id != election_id) {
      return fail("malformed",
                  trustee(v.index) + ": verification key for election \"" + v.election_id + "\"");
    }
    if (by_index[v.index] != nullptr) {
      return fail("duplicate_trustee", trustee(v.index) + ": two verification keys");
    }
    by_index[v.index] = &v;
  }
  std::vector<std::vector<Point>> all;
  all.reserve(n);
  for (const TrusteeCommitment& c : checked) all.push_back(c.commitments);
  for (uint32_t j = 1; j <= n; ++j) {
    if (by_index[j] == nullptr) {
      return fail("missing_trustee", trustee(j) + ": no verification key");
    }
    if (!(by_index[j]->verification_key == verification_key(all, j))) {
      return fail("bad_verification_key",
                  trustee(j) + " (" + nth(checked, j).name +
                      "): its verification key is not the one the commitments give");
    }
    out.push_back(by_index[j]->verification_key);
  }
  return Status::Ok();
}

}  // namespace

// ---------------------------------------------------------------------------
// The documents.

Json commitment_to_json(const TrusteeCommitment& c) {
  Json commitments = Json::array();
  for (const Point& p : c.commitments) commitments.push_back(p.to_base64url());
  return Json{{"version", std::string(kProtocolVersion)},
              {"kind", std::string(kCommitmentKind)},
              {"election_id", c.election_id},
              {"index", c.index},
              {"name", c.name},
              {"trustees", c.trustees},
              {"threshold", c.threshold},
              {"box_key", base64url_encode(c.box_key)},
              {"commitments", std::move(commitments)},
              {"pok", Json{{"c", c.pok.c.to_base64url()}, {"s", c.pok.s.to_base64url()}}}};
}

Result<TrusteeCommitment> parse_commitment(const Json& doc) {
  const std::string field(kCommitmentKind);
  if (Status st = check_document_header(doc, kCommitmentKind,
                                        {"version", "kind", "election_id", "index", "name",
                                         "trustees", "threshold", "box_key", "commitments", "pok"},
                                        field);
      !st) {
    return st.error();
  }
  TrusteeCommitment c;
  auto election_id = get_text(doc, "election_id", field, kMaxElectionIdBytes);
  if (!election_id) return election_id.error();
  c.election_id = std::move(*election_id);
  auto n = get_bounded(doc, "trustees", field, kMinCeremonyTrustees, kMaxCeremonyTrustees);
  if (!n) return n.error();
  c.trustees = *n;
  auto t = get_bounded(doc, "threshold", field, 1, *n);
  if (!t) return t.error();
  c.threshold = *t;
  auto index = get_bounded(doc, "index", field, 1, *n);
  if (!index) return index.error();
  c.index = *index;
  auto name = get_text(doc, "name", field, kMaxTrusteeNameBytes);
  if (!name) return name.error();
  c.name = std::move(*name);
  auto box_text = get_string(doc, "box_key", field);
  if (!box_text) return box_text.error();
  auto box = base64url_decode_fixed<BoxKeyPair::kBytes>(*box_text, field + ".box_key");
  if (!box) return box.error();
  c.box_key = *box;
  auto commitments = parse_points(doc, "commitments", field, *t);
  if (!commitments) return commitments.error();
  c.commitments = std::move(*commitments);
  auto pok = parse_pok(doc, field);
  if (!pok) return pok.error();
  c.pok = *pok;
  return c;
}

Json shares_to_json(const TrusteeShares& s) {
  Json shares = Json::array();
  for (const SealedShare& share : s.shares) {
    shares.push_back(Json{{"to", share.to}, {"sealed", base64url_encode(share.sealed)}});
  }
  return Json{{"version", std::string(kProtocolVersion)},
              {"kind", std::string(kSharesKind)},
              {"election_id", s.election_id},
              {"from", s.from},
              {"shares", std::move(shares)}};
}

Result<TrusteeShares> parse_shares(const Json& doc) {
  const std::string field(kSharesKind);
  if (Status st = check_document_header(
          doc, kSharesKind, {"version", "kind", "election_id", "from", "shares"}, field);
      !st) {
    return st.error();
  }
  TrusteeShares out;
  auto election_id = get_text(doc, "election_id", field, kMaxElectionIdBytes);
  if (!election_id) return election_id.error();
  out.election_id = std::move(*election_id);
  auto from = get_bounded(doc, "from", field, 1, kMaxCeremonyTrustees);
  if (!from) return from.error();
  out.from = *from;
  auto list = get_member(doc, "shares", field);
  if (!list) return list.error();
  const std::string name = field + ".shares";
  if (!(*list)->is_array() || (*list)->empty() || (*list)->size() > kMaxCeremonyTrustees - 1) {
    return fail("malformed",
                name + ": expected 1 to " + std::to_string(kMaxCeremonyTrustees - 1) + " shares");
  }
  uint32_t previous = 0;
  for (size_t k = 0; k < (*list)->size(); ++k) {
    const Json& item = (**list)[k];
    const std::string item_name = at(name, k);
    if (Status st = require_keys(item, {"to", "sealed"}, item_name); !st) return st.error();
    auto to = get_bounded(item, "to", item_name, 1, kMaxCeremonyTrustees);
    if (!to) return to.error();
    if (*to == out.from || *to <= previous) {
      return fail("malformed",
                  item_name + ".to: to the other trustees, each once, in increasing order");
    }
    previous = *to;
    auto text = get_string(item, "sealed", item_name);
    if (!text) return text.error();
    auto sealed = base64url_decode_fixed<kSealedShareBytes>(*text, item_name + ".sealed");
    if (!sealed) return sealed.error();
    out.shares.push_back(SealedShare{out.from, *to, Bytes(sealed->begin(), sealed->end())});
  }
  return out;
}

Json verification_key_to_json(const TrusteeVerificationKey& v) {
  return Json{{"version", std::string(kProtocolVersion)},
              {"kind", std::string(kVerificationKeyKind)},
              {"election_id", v.election_id},
              {"index", v.index},
              {"verification_key", v.verification_key.to_base64url()}};
}

Result<TrusteeVerificationKey> parse_verification_key(const Json& doc) {
  const std::string field(kVerificationKeyKind);
  if (Status st = check_document_header(
          doc, kVerificationKeyKind,
          {"version", "kind", "election_id", "index", "verification_key"}, field);
      !st) {
    return st.error();
  }
  TrusteeVerificationKey out;
  auto election_id = get_text(doc, "election_id", field, kMaxElectionIdBytes);
  if (!election_id) return election_id.error();
  out.election_id = std::move(*election_id);
  auto index = get_bounded(doc, "index", field, 1, kMaxCeremonyTrustees);
  if (!index) return index.error();
  out.index = *index;
  auto vk = get_point(doc, "verification_key", field);
  if (!vk) return vk.error();
  out.verification_key = *vk;
  return out;
}

// ---------------------------------------------------------------------------
// The rounds.

Result<CeremonyStart> ceremony_init(std::string_view election_id, uint32_t index, uint32_t trustees,
                                    uint32_t threshold, std::string_view name, ScalarSource& rng) {
  if (Status st = check_text(election_id, kMaxElectionIdBytes, "election id"); !st) {
    return st.error();
  }
  if (Status st = check_text(name, kMaxTrusteeNameBytes, "name"); !st) return st.error();
  if (trustees < kMinCeremonyTrustees || trustees > kMaxCeremonyTrustees) {
    return fail("malformed", "trustees: " + std::to_string(kMinCeremonyTrustees) + " to " +
                                 std::to_string(kMaxCeremonyTrustees));
  }
  if (threshold < 1 || threshold > trustees) {
    return fail("malformed", "threshold: 1 to the number of trustees");
  }
  if (index < 1 || index > trustees) {
    return fail("malformed", "index: 1 to the number of trustees");
  }
  auto polynomial = TrusteePolynomial::generate(threshold, rng);
  if (!polynomial) return polynomial.error();
  TrusteeCommitment c;
  c.election_id = std::string(election_id);
  c.index = index;
  c.name = std::string(name);
  c.trustees = trustees;
  c.threshold = threshold;
  BoxKeyPair box = BoxKeyPair::generate();
  c.box_key = box.public_key();
  c.commitments = polynomial->commitments();
  c.pok = polynomial->prove_knowledge(election_id, index, rng);
  return CeremonyStart{
      CeremonyKey{std::string(election_id), index, std::move(box), std::move(*polynomial)},
      std::move(c)};
}

Result<std::vector<TrusteeCommitment>> check_commitments(std::vector<TrusteeCommitment> all) {
  if (all.empty()) return fail("missing_trustee", "no commitments");
  const TrusteeCommitment& first = all.front();
  const uint32_t n = first.trustees;
  const uint32_t t = first.threshold;
  if (n < kMinCeremonyTrustees || n > kMaxCeremonyTrustees || t < 1 || t > n) {
    return fail("malformed", trustee(first.index) + ": " + std::to_string(t) + " of " +
                                 std::to_string(n) + " is not a ceremony");
  }
  std::vector<bool> seen(static_cast<size_t>(n) + 1, false);
  for (const TrusteeCommitment& c : all) {
    if (c.election_id != first.election_id) {
      return fail("malformed", trustee(c.index) + ": commitment for election \"" + c.election_id +
                                   "\", " + trustee(first.index) + "'s for \"" + first.election_id +
                                   "\"");
    }
    if (c.trustees != n || c.threshold != t) {
      return fail("malformed", trustee(c.index) + ": " + std::to_string(c.threshold) + " of " +
                                   std::to_string(c.trustees) + ", " + trustee(first.index) + ": " +
                                   std::to_string(t) + " of " + std::to_string(n));
    }
    if (c.index < 1 || c.index > n || c.commitments.size() != t) {
      return fail("malformed", trustee(c.index) + ": not a commitment of this ceremony");
    }
    if (seen[c.index]) return fail("duplicate_trustee", trustee(c.index) + ": two commitments");
    seen[c.index] = true;
  }
  for (uint32_t i = 1; i <= n; ++i) {
    if (!seen[i]) return fail("missing_trustee", trustee(i) + ": no commitment");
  }
  std::sort(all.begin(), all.end(), [](const TrusteeCommitment& a, const TrusteeCommitment& b) {
    return a.index < b.index;
  });
  for (const TrusteeCommitment& c : all) {
    if (!verify_pok(c.election_id, c.index, c.commitments.front(), c.pok)) {
      return fail("bad_pok", trustee(c.index) + " (" + c.name +
                                 "): the proof of knowledge of its key does not verify");
    }
  }
  return all;
}

Result<TrusteeShares> ceremony_shares(const CeremonyKey& me,
                                      std::span<const TrusteeCommitment> checked) {
  if (Status st = check_mine(me, checked); !st) return st.error();
  TrusteeShares out;
  out.election_id = me.election_id;
  out.from = me.index;
  for (const TrusteeCommitment& c : checked) {
    if (c.index == me.index) continue;
    const Scalar share = me.polynomial.eval(c.index);
    auto sealed = seal_share(share, c.box_key);
    if (!sealed) {
      return fail(sealed.error().reason,
                  trustee(c.index) + " (" + c.name + "): its box key cannot be sealed to");
    }
    out.shares.push_back(SealedShare{me.index, c.index, std::move(*sealed)});
  }
  return out;
}

Result<CeremonyFinish> ceremony_finish(const CeremonyKey& me,
                                       std::span<const TrusteeCommitment> checked,
                                       std::span<const TrusteeShares> shares) {
  if (Status st = check_mine(me, checked); !st) return st.error();
  const auto n = static_cast<uint32_t>(checked.size());
  auto by_from = index_shares(shares, me.election_id, n);
  if (!by_from) return by_from.error();
  std::vector<Scalar> received;
  received.reserve(n);
  received.push_back(me.polynomial.eval(me.index));
  for (uint32_t i = 1; i <= n; ++i) {
    if (i == me.index) continue;
    const TrusteeShares* doc = (*by_from)[i];
    if (doc == nullptr) return fail("missing_trustee", trustee(i) + ": no shares document");
    // index_shares checked the order: the share to me is at me - 1 or me - 2.
    const SealedShare& sealed = doc->shares[me.index < i ? me.index - 1 : me.index - 2];
    auto share = open_share(sealed.sealed, me.box);
    if (!share) {
      return fail("bad_sealed_share", trustee(i) + " (" + nth(checked, i).name + ") sent " +
                                          trustee(me.index) + " a share that does not open (" +
                                          share.error().message() + ")");
    }
    if (!verify_share(nth(checked, i).commitments, me.index, *share)) {
      return fail("bad_share", trustee(i) + " (" + nth(checked, i).name + ") sent " +
                                   trustee(me.index) +
                                   " a bad share: it does not match its commitments");
    }
    received.push_back(*share);
  }
  const Scalar x = key_share(received);
  const Point h = Point::base_mul(x);
  std::vector<std::vector<Point>> all;
  all.reserve(n);
  for (const TrusteeCommitment& c : checked) all.push_back(c.commitments);
  if (!(h == verification_key(all, me.index))) {
    // Every share matched its commitments, so this cannot happen.
    return fail("internal", trustee(me.index) + ": g^x is not the verification key");
  }
  return CeremonyFinish{ShareKey{me.election_id, me.index, x, h},
                        TrusteeVerificationKey{me.election_id, me.index, h}};
}

Result<Trustees> assemble_trustees(std::vector<TrusteeCommitment> commitments,
                                   std::span<const TrusteeShares> shares,
                                   std::span<const TrusteeVerificationKey> verification_keys) {
  auto checked = check_commitments(std::move(commitments));
  if (!checked) return checked.error();
  const auto n = static_cast<uint32_t>(checked->size());
  const std::string& election_id = checked->front().election_id;
  auto by_from = index_shares(shares, election_id, n);
  if (!by_from) return by_from.error();
  for (uint32_t i = 1; i <= n; ++i) {
    if ((*by_from)[i] == nullptr) {
      return fail("missing_trustee", trustee(i) + ": no shares document");
    }
  }
  std::vector<Point> keys;
  if (Status st = check_verification_keys(*checked, verification_keys, keys); !st) {
    return st.error();
  }

  Trustees out;
  out.election_id = election_id;
  out.threshold = checked->front().threshold;
  std::vector<std::vector<Point>> all;
  all.reserve(n);
  for (const TrusteeCommitment& c : *checked) all.push_back(c.commitments);
  out.public_key = election_key(all);
  for (TrusteeCommitment& c : *checked) {
    out.trustees.push_back(TrusteeInfo{c.index, std::move(c.name), c.box_key,
                                       std::move(c.commitments), c.pok, keys[c.index - 1]});
  }
  for (uint32_t i = 1; i <= n; ++i) {
    for (const SealedShare& s : (*by_from)[i]->shares) out.shares.push_back(s);
  }
  if (Status st = verify_trustees(out); !st) return st.error();
  return out;
}

}  // namespace isoloir

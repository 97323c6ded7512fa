#include "isoloir/trustees.h"

#include <sodium.h>

#include <set>
#include <utility>

#include "isoloir/hash.h"

namespace isoloir {
namespace {

constexpr char kPokTag[] = "isoloir/1/pok";
constexpr size_t kSealedShareBytes = Scalar::kBytes + crypto_box_SEALBYTES;
// Far above any real election, low enough that n(n-1) shares stay small.
constexpr int64_t kMaxTrustees = 1000;

Scalar pok_challenge(std::string_view election_id, uint32_t index, const Point& commitment,
                     const Point& a) {
  Transcript t(kPokTag);
  t.add(election_id).add_index(index).add(commitment).add(a);
  return t.challenge();
}

std::string at(std::string_view field, size_t i) {
  return std::string(field) + "[" + std::to_string(i) + "]";
}

Result<Point> get_point(const Json& obj, std::string_view key, const std::string& field) {
  auto text = get_string(obj, key, field);
  if (!text) return text.error();
  return Point::from_base64url(*text, field + "." + std::string(key));
}

Result<Scalar> get_scalar(const Json& obj, std::string_view key, const std::string& field) {
  auto text = get_string(obj, key, field);
  if (!text) return text.error();
  return Scalar::from_base64url(*text, field + "." + std::string(key));
}

// An integer member within [lo, hi].
Result<uint32_t> get_bounded(const Json& obj, std::string_view key, const std::string& field,
                             int64_t lo, int64_t hi) {
  auto v = get_int(obj, key, field);
  if (!v) return v.error();
  if (*v < lo || *v > hi) {
    return fail("malformed", field + "." + std::string(key) + " = " + std::to_string(*v) +
                                 " outside [" + std::to_string(lo) + ", " + std::to_string(hi) +
                                 "]");
  }
  return static_cast<uint32_t>(*v);
}

Result<PokProof> parse_pok(const Json& obj, const std::string& field) {
  if (Status st = require_keys(obj, {"c", "s"}, field); !st) return st.error();
  auto c = get_scalar(obj, "c", field);
  if (!c) return c.error();
  auto s = get_scalar(obj, "s", field);
  if (!s) return s.error();
  return PokProof{*c, *s};
}

Result<TrusteeInfo> parse_trustee(const Json& obj, const std::string& field,
                                  uint32_t expected_index, uint32_t threshold) {
  if (Status st = require_keys(
          obj, {"index", "name", "box_key", "commitments", "pok", "verification_key"}, field);
      !st) {
    return st.error();
  }
  TrusteeInfo info;
  auto index = get_bounded(obj, "index", field, expected_index, expected_index);
  if (!index) return index.error();
  info.index = *index;
  auto name = get_string(obj, "name", field);
  if (!name) return name.error();
  info.name = *name;
  auto box_text = get_string(obj, "box_key", field);
  if (!box_text) return box_text.error();
  auto box = base64url_decode_fixed<BoxKeyPair::kBytes>(*box_text, field + ".box_key");
  if (!box) return box.error();
  info.box_key = *box;

  const Json& commitments = obj["commitments"];
  if (!commitments.is_array() || commitments.size() != threshold) {
    return fail("malformed", field + ".commitments: expected " + std::to_string(threshold) +
                                 " points (the threshold)");
  }
  for (size_t k = 0; k < commitments.size(); ++k) {
    const std::string name_k = at(field + ".commitments", k);
    if (!commitments[k].is_string()) return fail("malformed", name_k + " is not a string");
    auto p = Point::from_base64url(commitments[k].get_ref<const std::string&>(), name_k);
    if (!p) return p.error();
    info.commitments.push_back(*p);
  }
  auto pok = parse_pok(obj["pok"], field + ".pok");
  if (!pok) return pok.error();
  info.pok = *pok;
  auto vk = get_point(obj, "verification_key", field);
  if (!vk) return vk.error();
  info.verification_key = *vk;
  return info;
}

Status parse_shares(const Json& arr, Trustees& out) {
  const auto n = static_cast<int64_t>(out.trustees.size());
  if (!arr.is_array() || static_cast<int64_t>(arr.size()) != n * (n - 1)) {
    return fail("malformed",
                "shares: expected n(n-1) = " + std::to_string(n * (n - 1)) + " sealed shares");
  }
  std::set<std::pair<uint32_t, uint32_t>> seen;
  for (size_t k = 0; k < arr.size(); ++k) {
    const std::string field = at("shares", k);
    if (Status st = require_keys(arr[k], {"from", "to", "sealed"}, field); !st) return st;
    SealedShare share;
    auto from = get_bounded(arr[k], "from", field, 1, n);
    if (!from) return from.error();
    auto to = get_bounded(arr[k], "to", field, 1, n);
    if (!to) return to.error();
    // A trustee keeps its own share; with n(n-1) entries, no pair may repeat.
    if (*from == *to) return fail("malformed", field + ": a share to oneself");
    if (!seen.emplace(*from, *to).second) return fail("malformed", field + ": repeated pair");
    share.from = *from;
    share.to = *to;
    auto text = get_string(arr[k], "sealed", field);
    if (!text) return text.error();
    auto sealed = base64url_decode_fixed<kSealedShareBytes>(*text, field + ".sealed");
    if (!sealed) return sealed.error();
    share.sealed.assign(sealed->begin(), sealed->end());
    out.shares.push_back(std::move(share));
  }
  return Status::Ok();
}

}  // namespace

Result<TrusteePolynomial> TrusteePolynomial::generate(uint32_t threshold, ScalarSource& rng) {
  if (threshold == 0) return fail("malformed", "threshold 0");
  std::vector<Scalar> a;
  a.reserve(threshold);
  for (uint32_t k = 0; k < threshold; ++k) a.push_back(rng.next());
  return TrusteePolynomial(std::move(a));
}

Result<TrusteePolynomial> TrusteePolynomial::from_coefficients(std::vector<Scalar> coefficients) {
  if (coefficients.empty()) return fail("malformed", "a polynomial without coefficients");
  return TrusteePolynomial(std::move(coefficients));
}

Scalar TrusteePolynomial::eval(uint32_t j) const {
  // Horner's rule, from a_{t-1} down.
  const Scalar x = Scalar::from_u64(j);
  Scalar acc = a_.back();
  for (size_t k = a_.size() - 1; k-- > 0;) acc = acc * x + a_[k];
  return acc;
}

std::vector<Point> TrusteePolynomial::commitments() const {
  std::vector<Point> out;
  out.reserve(a_.size());
  for (const Scalar& a : a_) out.push_back(Point::base_mul(a));
  return out;
}

PokProof TrusteePolynomial::prove_knowledge(std::string_view election_id, uint32_t index,
                                            ScalarSource& rng) const {
  return prove_pok(election_id, index, a_.front(), Point::base_mul(a_.front()), rng);
}

PokProof prove_pok(std::string_view election_id, uint32_t index, const Scalar& secret,
                   const Point& commitment, ScalarSource& rng) {
  const Scalar w = rng.next();
  const Scalar c = pok_challenge(election_id, index, commitment, Point::base_mul(w));
  return PokProof{c, w + c * secret};
}

Status verify_pok(std::string_view election_id, uint32_t index, const Point& commitment,
                  const PokProof& proof) {
  const Point a = Point::base_mul(proof.s) - commitment.mul(proof.c);
  if (!(pok_challenge(election_id, index, commitment, a) == proof.c)) {
    return fail("bad_pok", "trustee " + std::to_string(index));
  }
  return Status::Ok();
}

Point feldman_image(std::span<const Point> commitments, uint32_t j) {
  if (commitments.empty()) return Point::identity();
  // Horner's rule in the exponent: ((C_{t-1}^j · C_{t-2})^j ...)^j · C_0.
  const Scalar x = Scalar::from_u64(j);
  Point acc = commitments.back();
  for (size_t k = commitments.size() - 1; k-- > 0;) acc = acc.mul(x) + commitments[k];
  return acc;
}

Status verify_share(std::span<const Point> commitments, uint32_t j, const Scalar& share) {
  if (!(Point::base_mul(share) == feldman_image(commitments, j))) {
    return fail("bad_share", "share for trustee " + std::to_string(j));
  }
  return Status::Ok();
}

Point verification_key(std::span<const std::vector<Point>> commitments, uint32_t j) {
  Point h;
  for (const auto& c : commitments) h += feldman_image(c, j);
  return h;
}

Point election_key(std::span<const std::vector<Point>> commitments) {
  Point h;
  for (const auto& c : commitments) {
    if (!c.empty()) h += c.front();
  }
  return h;
}

Scalar key_share(std::span<const Scalar> shares) {
  Scalar x;
  for (const Scalar& s : shares) x += s;
  return x;
}

BoxKeyPair BoxKeyPair::generate() {
  ensure_sodium();
  BoxKeyPair kp;
  crypto_box_keypair(kp.pk_.data(), kp.sk_.data());
  return kp;
}

BoxKeyPair BoxKeyPair::from_secret(const Key& secret_key) {
  BoxKeyPair kp;
  kp.sk_ = SecretBytes<kBytes>(secret_key);
  crypto_scalarmult_base(kp.pk_.data(), kp.sk_.data());
  return kp;
}

Result<Bytes> seal_share(const Scalar& share, const BoxKeyPair::Key& recipient_box_key) {
  ensure_sodium();
  Bytes out(kSealedShareBytes);
  if (crypto_box_seal(out.data(), share.bytes().data(), Scalar::kBytes, recipient_box_key.data()) !=
      0) {
    return fail("bad_box_key", "cannot seal to this key");
  }
  return out;
}

Result<Scalar> open_share(ByteView sealed, const BoxKeyPair& recipient) {
  if (sealed.size() != kSealedShareBytes) {
    return fail("bad_length", "sealed share: expected " + std::to_string(kSealedShareBytes) +
                                  " bytes, got " + std::to_string(sealed.size()));
  }
  ensure_sodium();
  std::array<uint8_t, Scalar::kBytes> plain{};
  if (crypto_box_seal_open(plain.data(), sealed.data(), sealed.size(),
                           recipient.public_key().data(), recipient.secret_key().data()) != 0) {
    return fail("bad_sealed_share", "does not open with this key");
  }
  Result<Scalar> share = Scalar::decode(plain, "sealed share");
  sodium_memzero(plain.data(), plain.size());
  return share;
}

const TrusteeInfo* Trustees::find(uint32_t index) const {
  for (const TrusteeInfo& t : trustees) {
    if (t.index == index) return &t;
  }
  return nullptr;
}

std::vector<std::vector<Point>> Trustees::all_commitments() const {
  std::vector<std::vector<Point>> out;
  out.reserve(trustees.size());
  for (const TrusteeInfo& t : trustees) out.push_back(t.commitments);
  return out;
}

Result<Trustees> parse_trustees(const Json& doc) {
  if (Status st = require_keys(
          doc, {"version", "kind", "election_id", "threshold", "public_key", "trustees", "shares"},
          "trustees.json");
      !st) {
    return st.error();
  }
  const std::string top = "trustees.json";
  auto version = get_string(doc, "version", top);
  if (!version) return version.error();
  if (*version != "isoloir/1") return fail("wrong_version", *version);
  auto kind = get_string(doc, "kind", top);
  if (!kind) return kind.error();
  if (*kind != "trustees") return fail("wrong_kind", *kind);

  Trustees out;
  auto election_id = get_string(doc, "election_id", top);
  if (!election_id) return election_id.error();
  out.election_id = *election_id;

  const Json& list = doc["trustees"];
  if (!list.is_array() || list.empty() || static_cast<int64_t>(list.size()) > kMaxTrustees) {
    return fail("malformed",
                "trustees: expected 1 to " + std::to_string(kMaxTrustees) + " trustees");
  }
  const auto n = static_cast<int64_t>(list.size());
  auto threshold = get_bounded(doc, "threshold", top, 1, n);
  if (!threshold) return threshold.error();
  out.threshold = *threshold;
  auto public_key = get_point(doc, "public_key", top);
  if (!public_key) return public_key.error();
  out.public_key = *public_key;

  for (size_t i = 0; i < list.size(); ++i) {
    auto info =
        parse_trustee(list[i], at("trustees", i), static_cast<uint32_t>(i + 1), out.threshold);
    if (!info) return info.error();
    out.trustees.push_back(std::move(*info));
  }
  if (Status st = parse_shares(doc["shares"], out); !st) return st.error();
  return out;
}

Status verify_trustees(const Trustees& trustees) {
  for (const TrusteeInfo& t : trustees.trustees) {
    if (t.commitments.size() != trustees.threshold || trustees.threshold == 0) {
      return fail("malformed", "trustee " + std::to_string(t.index) + ": not t commitments");
    }
    if (Status st = verify_pok(trustees.election_id, t.index, t.commitments.front(), t.pok); !st) {
      return st;
    }
  }
  const std::vector<std::vector<Point>> commitments = trustees.all_commitments();
  for (const TrusteeInfo& t : trustees.trustees) {
    if (!(verification_key(commitments, t.index) == t.verification_key)) {
      return fail("bad_verification_key", "trustee " + std::to_string(t.index));
    }
  }
  if (!(election_key(commitments) == trustees.public_key)) {
    return fail("bad_public_key", "public_key is not the product of the C_{i,0}");
  }
  return Status::Ok();
}

Result<Trustees> load_trustees(const Json& doc) {
  Result<Trustees> t = parse_trustees(doc);
  if (!t) return t;
  if (Status st = verify_trustees(*t); !st) return st.error();
  return t;
}

Json trustees_to_json(const Trustees& trustees) {
  Json list = Json::array();
  for (const TrusteeInfo& t : trustees.trustees) {
    Json commitments = Json::array();
    for (const Point& c : t.commitments) commitments.push_back(c.to_base64url());
    list.push_back(Json{{"index", t.index},
                        {"name", t.name},
                        {"box_key", base64url_encode(t.box_key)},
                        {"commitments", std::move(commitments)},
                        {"pok", Json{{"c", t.pok.c.to_base64url()}, {"s", t.pok.s.to_base64url()}}},
                        {"verification_key", t.verification_key.to_base64url()}});
  }
  Json shares = Json::array();
  for (const SealedShare& s : trustees.shares) {
    shares.push_back(Json{{"from", s.from}, {"to", s.to}, {"sealed", base64url_encode(s.sealed)}});
  }
  return Json{{"version", "isoloir/1"},
              {"kind", "trustees"},
              {"election_id", trustees.election_id},
              {"threshold", trustees.threshold},
              {"public_key", trustees.public_key.to_base64url()},
              {"trustees", std::move(list)},
              {"shares", std::move(shares)}};
}

}  // namespace isoloir

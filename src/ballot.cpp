#include "isoloir/ballot.h"

#include <sodium.h>

#include <optional>
#include <set>

#include "declassify.h"
#include "isoloir/canonical_json.h"
#include "isoloir/hash.h"
#include "isoloir/proof.h"

namespace isoloir {
namespace {

constexpr std::string_view kVersion = "isoloir/1";
constexpr std::string_view kSignatureTag = "isoloir/1/ballot";
constexpr int64_t kOptionValues[] = {0, 1};

std::string at(std::string_view base, size_t i) {
  return std::string(base) + "[" + std::to_string(i) + "]";
}

std::string option_label(size_t i) {
  return "option:" + std::to_string(i);
}

// The values min, min+1, ..., max of a scrutin's sum proof.
std::vector<int64_t> sum_values(const Scrutin& s) {
  std::vector<int64_t> v;
  for (int64_t x = s.min; x <= s.max; ++x) v.push_back(x);
  return v;
}

// A proof as it stands in the document: a list of {"c", "s"} string pairs.
Status check_proof_shape(const Json& proof, const std::string& field) {
  if (!proof.is_array()) return fail("malformed", field + " is not an array");
  for (size_t j = 0; j < proof.size(); ++j) {
    const std::string f = at(field, j);
    if (Status s = require_keys(proof[j], {"c", "s"}, f); !s) return s;
    if (!proof[j]["c"].is_string() || !proof[j]["s"].is_string()) {
      return fail("malformed", f + " has a value that is not a string");
    }
  }
  return Status::Ok();
}

// Every key, every type: anything else is "malformed" before any other check.
Status check_shape(const Json& doc) {
  if (Status s = require_keys(
          doc,
          {"version", "election", "scrutin", "credential", "answers", "sum_proof", "signature"},
          "ballot");
      !s) {
    return s;
  }
  for (const char* key : {"version", "election", "scrutin", "credential", "signature"}) {
    if (!doc[key].is_string()) return fail("malformed", std::string(key) + " is not a string");
  }
  const Json& answers = doc["answers"];
  if (!answers.is_array()) return fail("malformed", "answers is not an array");
  for (size_t i = 0; i < answers.size(); ++i) {
    const std::string f = at("answers", i);
    if (Status s = require_keys(answers[i], {"alpha", "beta", "proof"}, f); !s) return s;
    if (!answers[i]["alpha"].is_string() || !answers[i]["beta"].is_string()) {
      return fail("malformed", f + " has a point that is not a string");
    }
    if (Status s = check_proof_shape(answers[i]["proof"], f + ".proof"); !s) return s;
  }
  return check_proof_shape(doc["sum_proof"], "sum_proof");
}

const std::string& str(const Json& v) {
  return v.get_ref<const std::string&>();
}

Result<DisjunctiveProof> decode_proof(const Json& proof, const std::string& field) {
  DisjunctiveProof out;
  out.reserve(proof.size());
  for (size_t j = 0; j < proof.size(); ++j) {
    const std::string f = at(field, j);
    auto c = Scalar::from_base64url(str(proof[j]["c"]), f + ".c");
    if (!c) return c.error();
    auto s = Scalar::from_base64url(str(proof[j]["s"]), f + ".s");
    if (!s) return s.error();
    out.push_back(ProofBranch{*c, *s});
  }
  return out;
}

// 1 if a chosen id (secret: it is the vote) equals an option's id, else 0.
// sodium_memcmp reads every byte; std::string's == stops at the first
// difference. The lengths are compared in the clear: the caller's list of
// strings carries them already.
uint8_t same_id(const std::string& option, const std::string& chosen) {
  if (option.size() != chosen.size()) return 0;
  return static_cast<uint8_t>(sodium_memcmp(option.data(), chosen.data(), option.size()) + 1);
}

// A proof that is about to be published no longer carries the secret.
void declassify_proof(const DisjunctiveProof& proof) {
  for (const auto& br : proof) {
    internal::declassify(br.c);
    internal::declassify(br.s);
  }
}

// The signed ballot's canonical text from the unsigned one's, without
// writing the document out again: "signature" sorts between "scrutin" and
// "sum_proof", and `,"sum_proof":` occurs once, as the top-level key (inside
// a string a quote is escaped; no nested object has that key).
std::string with_signature(const std::string& unsigned_text, const std::string& signature) {
  constexpr std::string_view kNext = ",\"sum_proof\":";
  const size_t at = unsigned_text.find(kNext);
  std::string out;
  out.reserve(unsigned_text.size() + signature.size() + 16);
  out.append(unsigned_text, 0, at).append(",\"signature\":\"").append(signature).append("\"");
  out.append(unsigned_text, at, std::string::npos);
  return out;
}

// And back: the text the signature covers, from the signed ballot's
// canonical bytes, by the same argument (its signature member is exactly
// `,"signature":"<value>"` right before `,"sum_proof":`). Empty if the bytes
// are not so (never for a ballot decode_ballot accepted).
std::string without_signature(std::string_view signed_text, std::string_view signature) {
  std::string member = ",\"signature\":\"";
  member.append(signature).append("\"");
  const size_t at = signed_text.find(member + ",\"sum_proof\":");
  if (at == std::string_view::npos) return {};
  std::string out;
  out.reserve(signed_text.size() - member.size());
  out.append(signed_text.substr(0, at)).append(signed_text.substr(at + member.size()));
  return out;
}

Json encode_proof(const DisjunctiveProof& proof) {
  Json out = Json::array();
  for (const auto& br : proof) {
    Json e = Json::object();
    e["c"] = br.c.to_base64url();
    e["s"] = br.s.to_base64url();
    out.push_back(std::move(e));
  }
  return out;
}

// h's table for one call: the manifest's (made at its first use), or one
// made here for a Manifest made by hand.
class KeyTable {
 public:
  explicit KeyTable(const Manifest& manifest) {
    if (manifest.public_key_table) {
      table_ = &manifest.public_key_table->get();
    } else {
      own_.emplace(manifest.public_key);
      table_ = &*own_;
    }
  }
  KeyTable(const KeyTable&) = delete;
  KeyTable& operator=(const KeyTable&) = delete;
  const PointTable& operator*() const { return *table_; }

 private:
  std::optional<PointTable> own_;
  const PointTable* table_ = nullptr;
};

}  // namespace

Digest32 ballot_digest(std::string_view bytes) {
  return sha256(as_bytes(bytes));
}

std::string ballot_reference(std::string_view bytes) {
  return base64url_encode(ballot_digest(bytes));
}

namespace {

// A ballot whose form is checked and whose every field is decoded, before
// its signature and proofs are.
struct DecodedBallot {
  Json doc;
  const Scrutin* scrutin = nullptr;
  std::vector<int64_t> sums;
  VerifiedBallot ballot;
  std::vector<DisjunctiveProof> proofs;
  DisjunctiveProof sum_proof;
  SignatureBytes signature{};
};

// Every check of the ballot's form and the decoding of every point, scalar
// and key, in the order the reasons are listed in section 4: what
// verify_ballot checks before the signature and the proofs.
Result<DecodedBallot> decode_ballot(const Manifest& manifest, std::string_view bytes) {
  DecodedBallot d;
  Result<Json> parsed = parse_canonical(bytes);
  if (!parsed) return parsed.error();
  d.doc = std::move(*parsed);
  const Json& doc = d.doc;
  if (Status s = check_shape(doc); !s) return s.error();

  if (str(doc["version"]) != kVersion) return fail("wrong_version", "version");
  if (str(doc["election"]) != manifest.hash_b64) {
    return fail("wrong_election", "election: this ballot is for another election");
  }
  const Scrutin* scrutin = manifest.find_scrutin(str(doc["scrutin"]));
  if (scrutin == nullptr) return fail("unknown_scrutin", "scrutin");
  const Json& answers = doc["answers"];
  if (answers.size() != scrutin->options.size()) {
    return fail("wrong_answer_count", "answers: " + std::to_string(answers.size()) + " for " +
                                          std::to_string(scrutin->options.size()) + " options");
  }
  const std::vector<int64_t> sums = sum_values(*scrutin);
  for (size_t i = 0; i < answers.size(); ++i) {
    if (answers[i]["proof"].size() != 2)
      return fail("wrong_proof_length", at("answers", i) + ".proof");
  }
  if (doc["sum_proof"].size() != sums.size()) return fail("wrong_proof_length", "sum_proof");

  // Decode every point and scalar, in document order.
  VerifiedBallot& out = d.ballot;
  std::vector<DisjunctiveProof>& proofs = d.proofs;
  for (size_t i = 0; i < answers.size(); ++i) {
    const std::string f = at("answers", i);
    auto alpha = Point::from_base64url(str(answers[i]["alpha"]), f + ".alpha");
    if (!alpha) return alpha.error();
    auto beta = Point::from_base64url(str(answers[i]["beta"]), f + ".beta");
    if (!beta) return beta.error();
    auto proof = decode_proof(answers[i]["proof"], f + ".proof");
    if (!proof) return proof.error();
    out.answers.push_back(Ciphertext{*alpha, *beta});
    proofs.push_back(std::move(*proof));
  }
  auto sum_proof = decode_proof(doc["sum_proof"], "sum_proof");
  if (!sum_proof) return sum_proof.error();
  d.sum_proof = std::move(*sum_proof);
  auto credential = base64url_decode_fixed<32>(str(doc["credential"]), "credential");
  if (!credential) return credential.error();
  auto signature = base64url_decode_fixed<64>(str(doc["signature"]), "signature");
  if (!signature) return signature.error();
  d.signature = *signature;
  d.scrutin = scrutin;
  d.sums = sums;
  out.digest = ballot_digest(bytes);
  out.reference = base64url_encode(out.digest);
  out.scrutin = scrutin->id;
  out.credential = *credential;
  return d;
}

}  // namespace

Result<VerifiedBallot> verify_ballot(const Manifest& manifest, std::string_view bytes) {
  auto decoded = decode_ballot(manifest, bytes);
  if (!decoded) return decoded.error();
  DecodedBallot& d = *decoded;
  const Json& doc = d.doc;
  const Scrutin* scrutin = d.scrutin;
  const auto& credential = d.ballot.credential;
  VerifiedBallot& out = d.ballot;
  const std::vector<DisjunctiveProof>& proofs = d.proofs;
  const KeyTable table(manifest);
  // The signed text without writing the document out again (the bytes are
  // canonical: decode_ballot checked).
  const std::string unsigned_text = without_signature(bytes, str(doc["signature"]));
  if (unsigned_text.empty() ||
      !verify_signature(kSignatureTag, as_bytes(unsigned_text), d.signature, credential)) {
    return fail("bad_signature", "signature");
  }

  // Each ciphertext's multiples serve its option proof, then the sum proof's
  // (of_sum: additions instead of doublings).
  std::vector<VartimeMultiples> alphas;
  std::vector<VartimeMultiples> betas;
  alphas.reserve(out.answers.size());
  betas.reserve(out.answers.size());
  for (size_t i = 0; i < out.answers.size(); ++i) {
    const std::string label = option_label(i);
    const ProofContext ctx{manifest.hash, scrutin->id, credential, label};
    const Ciphertext& ct = out.answers[i];
    alphas.emplace_back(ct.alpha);
    betas.emplace_back(ct.beta);
    if (!verify_disjunctive(ctx, *table, ct.alpha, alphas.back(), ct.beta, betas.back(),
                            kOptionValues, proofs[i])) {
      return fail("bad_option_proof", at("answers", i) + ".proof");
    }
  }
  Point sum_alpha, sum_beta;
  for (const auto& ct : out.answers) {
    sum_alpha += ct.alpha;
    sum_beta += ct.beta;
  }
  const ProofContext sum_ctx{manifest.hash, scrutin->id, credential, "sum"};
  if (!verify_disjunctive(sum_ctx, *table, sum_alpha, VartimeMultiples::of_sum(alphas), sum_beta,
                          VartimeMultiples::of_sum(betas), d.sums, d.sum_proof)) {
    return fail("bad_sum_proof", "sum_proof");
  }

  return std::move(out);
}

Result<VerifiedBallot> decode_stored_ballot(const Manifest& manifest, std::string_view bytes) {
  auto decoded = decode_ballot(manifest, bytes);
  if (!decoded) return decoded.error();
  return std::move(decoded->ballot);
}

Result<CreatedBallot> create_ballot(const Manifest& manifest, std::string_view scrutin_id,
                                    const std::vector<std::string>& option_ids,
                                    const SigningKey& credential, ScalarSource& rng) {
  const Scrutin* scrutin = manifest.find_scrutin(scrutin_id);
  if (scrutin == nullptr) {
    return fail("unknown_scrutin",
                "no scrutin \"" + std::string(scrutin_id) + "\" in this election");
  }
  const size_t n = scrutin->options.size();
  // The vote, kept as 0/1 bytes and wiped before returning.
  std::vector<uint8_t> marks(n, 0);
  auto wipe = [&marks] { sodium_memzero(marks.data(), marks.size()); };
  // Every chosen id is compared with every option, without stopping at the
  // match, so the work done does not depend on which options are chosen.
  for (const auto& id : option_ids) {
    uint8_t found = 0;
    uint8_t repeated = 0;
    for (size_t i = 0; i < n; ++i) {
      const uint8_t hit = same_id(scrutin->options[i].id, id);
      repeated |= static_cast<uint8_t>(hit & marks[i]);
      marks[i] |= hit;
      found |= hit;
    }
    // Refusing the choice is public (it is the result), and a valid choice
    // always has found == 1 and repeated == 0: the branches reveal nothing more.
    internal::declassify(found);
    internal::declassify(repeated);
    if (found == 0) {
      wipe();
      return fail("unknown_option", "no option \"" + id + "\" in scrutin " + scrutin->id);
    }
    if (repeated != 0) {
      wipe();
      return fail("duplicate_option", "option \"" + id + "\" is chosen twice");
    }
  }
  const auto count = static_cast<int64_t>(option_ids.size());
  if (count < scrutin->min || count > scrutin->max) {
    wipe();
    return fail("wrong_choice_count", "choose between " + std::to_string(scrutin->min) + " and " +
                                          std::to_string(scrutin->max) + " options");
  }

  const PublicKey& pk = credential.public_key();
  const KeyTable table(manifest);
  const PointTable& h = *table;
  const Point g = Point::generator();
  Json answers = Json::array();
  Point sum_alpha, sum_beta;
  Scalar sum_r;
  for (size_t i = 0; i < n; ++i) {
    const Scalar r = rng.next();
    // alpha and beta are encoded once, for the proof's challenge and the ballot.
    const Point alpha = Point::base_mul(r).with_encoding();
    const Point hr = h.mul(r);  // from h's table, in constant time
    // beta = g^m h^r with m in {0, 1}: both candidates are computed, one is kept by mask.
    Point beta = Point::select(marks[i], hr, hr + g);
    internal::declassify(beta);  // published: the ballot's ciphertext
    beta = beta.with_encoding();
    const std::string label = option_label(i);
    const ProofContext ctx{manifest.hash, scrutin->id, pk, label};
    const DisjunctiveProof proof =
        prove_disjunctive(ctx, h, alpha, beta, r, kOptionValues, marks[i], rng);
    declassify_proof(proof);
    Json a = Json::object();
    a["alpha"] = alpha.to_base64url();
    a["beta"] = beta.to_base64url();
    a["proof"] = encode_proof(proof);
    answers.push_back(std::move(a));
    sum_alpha += alpha;
    sum_beta += beta;
    sum_r += r;
  }
  // The number of marks is public by the scrutin's rule only up to [min, max];
  // its position among the branches stays secret like the rest. It equals
  // `count` once the choice is accepted, but is summed from the marks so that
  // it stays on the secret side of the data flow, where the constant-time
  // test (tests/ct) watches it.
  size_t marked = 0;
  for (const uint8_t m : marks) marked += m;
  wipe();
  const std::vector<int64_t> sums = sum_values(*scrutin);
  const ProofContext sum_ctx{manifest.hash, scrutin->id, pk, "sum"};
  const size_t real_sum = marked - static_cast<size_t>(scrutin->min);
  const DisjunctiveProof sum_proof =
      prove_disjunctive(sum_ctx, h, sum_alpha, sum_beta, sum_r, sums, real_sum, rng);
  declassify_proof(sum_proof);

  Json doc = Json::object();
  doc["version"] = std::string(kVersion);
  doc["election"] = manifest.hash_b64;
  doc["scrutin"] = scrutin->id;
  doc["credential"] = base64url_encode(pk);
  doc["answers"] = std::move(answers);
  doc["sum_proof"] = encode_proof(sum_proof);
  const std::string unsigned_text = canonical_dump(doc);
  const SignatureBytes sig = credential.sign(kSignatureTag, as_bytes(unsigned_text));

  CreatedBallot out;
  out.bytes = with_signature(unsigned_text, base64url_encode(sig));
  out.reference = ballot_reference(out.bytes);
  return out;
}

}  // namespace isoloir

// dkg.json: the trustees' public transcript, Lagrange coefficients, partial
// decryptions with their Chaum-Pedersen proofs and baby-step giant-step
// (PROTOCOL.md section 7).
#include <nlohmann/json.hpp>

#include <string>
#include <vector>

#include "conformance.h"
#include "isoloir/bytes.h"
#include "isoloir/point.h"
#include "isoloir/scalar.h"
#include "isoloir/tally.h"
#include "isoloir/trustees.h"
#include "support.h"

namespace isoloir::conformance {
namespace {

constexpr char kFile[] = "dkg.json";

void check_transcript(const Json& doc, std::vector<CaseResult>& out, Result<Trustees>& trustees) {
  trustees = load_trustees(member(doc, "trustees"));
  out.push_back(
      expect(kFile, "trustees", "accepted", trustees ? "accepted" : trustees.error().reason));
  if (!trustees) return;
  if (trustees->election_id != s(doc, "election_id")) {
    out.push_back(expect(kFile, "trustees election_id", "accepted", "wrong_election"));
  }

  const auto commitments = trustees->all_commitments();
  const Json& keys = member(doc, "expected_verification_keys");
  if (!keys.is_object() || keys.size() != trustees->trustees.size()) {
    out.push_back(expect(kFile, "expected_verification_keys", "one per trustee", "not so"));
  }
  for (const auto& [index_text, value] : keys.items()) {
    const std::string name = "expected_verification_keys[" + index_text + "]";
    auto want = Point::from_base64url(value.is_string() ? value.get<std::string>() : "", name);
    const auto j = static_cast<uint32_t>(std::strtoul(index_text.c_str(), nullptr, 10));
    if (!want) {
      out.push_back(expect(kFile, name, "accepted", want.error().reason));
      continue;
    }
    out.push_back(
        expect(kFile, name, "accepted",
               verification_key(commitments, j) == *want ? "accepted" : "bad_verification_key"));
  }
  out.push_back(
      expect(kFile, "public_key = Π C_{i,0}", "accepted",
             election_key(commitments) == trustees->public_key ? "accepted" : "bad_public_key"));
}

void check_invalid_trustees(const Json& doc, std::vector<CaseResult>& out) {
  const Json& cases = member(doc, "invalid_trustees");
  if (!cases.is_array() || cases.empty()) {
    out.push_back(expect(kFile, "invalid_trustees", "present", "missing"));
    return;
  }
  for (size_t k = 0; k < cases.size(); ++k) {
    const Json& c = cases[k];
    auto got = load_trustees(member(c, "trustees"));
    out.push_back(expect(kFile, "invalid_trustees " + s(c, "name"), s(c, "expected"),
                         got ? "accepted" : got.error().reason));
  }
}

void check_lagrange(const Json& doc, std::vector<CaseResult>& out) {
  const Json& cases = member(doc, "lagrange");
  if (!cases.is_array() || cases.empty()) {
    out.push_back(expect(kFile, "lagrange", "present", "missing"));
    return;
  }
  for (size_t k = 0; k < cases.size(); ++k) {
    const Json& c = cases[k];
    const Json& indices_json = member(c, "indices");
    const Json& coefficients = member(c, "coefficients");
    std::vector<uint32_t> indices;
    std::string name = "lagrange {";
    for (size_t i = 0; indices_json.is_array() && i < indices_json.size(); ++i) {
      const Json& v = indices_json[i];
      indices.push_back(v.is_number_unsigned() ? v.get<uint32_t>() : 0);
      name += (i ? "," : "") + std::to_string(indices.back());
    }
    name += "}";
    auto lambda = lagrange_at_zero(indices);
    std::string got = "accepted";
    if (!lambda) {
      got = lambda.error().reason;
    } else if (!coefficients.is_array() || coefficients.size() != lambda->size()) {
      got = "a different number of coefficients";
    } else {
      for (size_t i = 0; i < lambda->size(); ++i) {
        const Json& want = coefficients[i];
        if (!want.is_string() || (*lambda)[i].to_base64url() != want.get<std::string>()) {
          got = "coefficient " + std::to_string(i) + " is " + (*lambda)[i].to_base64url();
          break;
        }
      }
    }
    out.push_back(expect(kFile, name, "accepted", got));
  }
}

void check_partials(const Json& doc, const Trustees& trustees, std::vector<CaseResult>& out) {
  const Json& cases = member(doc, "partial_decryptions");
  if (!cases.is_array() || cases.empty()) {
    out.push_back(expect(kFile, "partial_decryptions", "present", "missing"));
    return;
  }
  auto election_hash = base64url_decode_fixed<32>(s(doc, "election_hash"), "election_hash");
  for (size_t k = 0; k < cases.size(); ++k) {
    const Json& c = cases[k];
    const bool valid = member(c, "valid").is_boolean() && member(c, "valid").get<bool>();
    const std::string name = "partial_decryptions[" + std::to_string(k) + "] " + s(c, "scrutin") +
                             " option " + std::to_string(u64(c, "option_index")) + " trustee " +
                             std::to_string(u64(c, "trustee")) +
                             (c.contains("why") ? " (" + s(c, "why") + ")" : "");
    const std::string expected = valid ? "accepted" : "bad_decryption_proof";
    if (!election_hash) {
      out.push_back(expect(kFile, name, expected, election_hash.error().reason));
      continue;
    }
    // The partial as tally.json carries it, plus its context.
    const Json carried{
        {"trustee", member(c, "trustee")}, {"d", member(c, "d")}, {"proof", member(c, "proof")}};
    auto partial = parse_partial(carried, name);
    auto a = Point::from_base64url(s(c, "A"), name + ".A");
    if (!partial || !a) {
      out.push_back(
          expect(kFile, name, expected, !partial ? partial.error().reason : a.error().reason));
      continue;
    }
    const TrusteeInfo* trustee = trustees.find(partial->trustee);
    if (trustee == nullptr || u64(c, "option_index") > UINT32_MAX) {
      out.push_back(expect(kFile, name, expected, "unknown trustee or option"));
      continue;
    }
    const DecryptionContext ctx{*election_hash, s(c, "scrutin"),
                                static_cast<uint32_t>(u64(c, "option_index"))};
    out.push_back(expect(kFile, name, expected,
                         outcome(verify_partial(ctx, trustee->verification_key, *a, *partial))));
  }
}

void check_bsgs(const Json& doc, std::vector<CaseResult>& out) {
  const Json& cases = member(doc, "bsgs");
  if (!cases.is_array() || cases.empty()) {
    out.push_back(expect(kFile, "bsgs", "present", "missing"));
    return;
  }
  for (size_t k = 0; k < cases.size(); ++k) {
    const Json& c = cases[k];
    const uint64_t m = u64(c, "m");
    const uint64_t bound = u64(c, "bound");
    const std::string name = "bsgs m=" + std::to_string(m) + " bound=" + std::to_string(bound);
    // null stands for the identity, which no decoder accepts.
    Point power;
    if (!member(c, "g^m").is_null()) {
      auto p = Point::from_base64url(s(c, "g^m"), name);
      if (!p) {
        out.push_back(expect(kFile, name, "accepted", p.error().reason));
        continue;
      }
      power = *p;
    }
    auto got = discrete_log(power, bound);
    out.push_back(expect(kFile, name, "accepted",
                         !got        ? got.error().reason
                         : *got == m ? "accepted"
                                     : "m = " + std::to_string(*got)));
  }
}

}  // namespace

std::vector<CaseResult> check_dkg(const Files& files) {
  std::vector<CaseResult> out;
  auto it = files.find(kFile);
  if (it == files.end()) return {expect(kFile, "file", "present", "missing")};
  const Json doc = Json::parse(it->second, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded()) return {expect(kFile, "file", "json", "unparseable")};

  Result<Trustees> trustees = fail("malformed", "not read");
  check_transcript(doc, out, trustees);
  check_invalid_trustees(doc, out);
  check_lagrange(doc, out);
  if (trustees) {
    check_partials(doc, *trustees, out);
  } else {
    out.push_back(expect(kFile, "partial_decryptions", "checked", "no valid trustees"));
  }
  check_bsgs(doc, out);
  // Sealed shares: dkg.json gives no trustee's box secret key, so none can be
  // opened here; tests/native/trustees_test.cpp seals and opens its own.
  return out;
}

}  // namespace isoloir::conformance

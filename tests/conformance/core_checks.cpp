// Section 1 to 3 vectors: encodings, hashing, points and scalars, canonical
// JSON, signatures, vote codes, the manifest.
#include <array>

#include "isoloir/bytes.h"
#include "isoloir/credential.h"
#include "isoloir/hash.h"
#include "isoloir/manifest.h"
#include "isoloir/point.h"
#include "isoloir/scalar.h"
#include "isoloir/signature.h"
#include "isoloir/vote_code.h"
#include "support.h"

namespace isoloir::conformance {
namespace {

Bytes unhex(const std::string& h) {
  auto r = hex_decode(h);
  return r ? *r : Bytes();
}

// Decimal text to 32 little-endian bytes.
std::array<uint8_t, 32> decimal_le(const std::string& dec) {
  std::array<uint8_t, 32> out{};
  for (char ch : dec) {
    unsigned carry = static_cast<unsigned>(ch - '0');
    for (auto& byte : out) {
      const unsigned v = byte * 10u + carry;
      byte = static_cast<uint8_t>(v & 0xff);
      carry = v >> 8;
    }
  }
  return out;
}

}  // namespace

std::vector<CaseResult> check_base64url(const Files& files) {
  const std::string f = "base64url.json";
  const Json v = load(files, f);
  std::vector<CaseResult> out;
  for (const auto& c : arr(v, "valid")) {
    const Bytes bytes = unhex(s(c, "bytes_hex"));
    const std::string text = s(c, "b64url");
    auto back = base64url_decode(text);
    const bool ok = base64url_encode(bytes) == text && back.ok() && *back == bytes;
    out.push_back(expect(f, "valid " + text, "accepted", ok ? "accepted" : "mismatch"));
  }
  for (const auto& c : arr(v, "invalid")) {
    out.push_back(expect(f, "invalid " + s(c, "why"), s(c, "expected_reason"),
                         outcome(base64url_decode(s(c, "b64url")))));
  }
  return out;
}

std::vector<CaseResult> check_points_scalars(const Files& files) {
  const std::string f = "points_scalars.json";
  const Json v = load(files, f);
  std::vector<CaseResult> out;
  for (const auto& c : arr(v, "valid_points")) {
    auto sc = Scalar::from_base64url(s(c, "scalar"), "scalar");
    auto p = Point::from_base64url(s(c, "point"), "point");
    const bool ok = sc.ok() && p.ok() && Point::base_mul(*sc) == *p;
    out.push_back(expect(f, "point " + s(c, "name"), "accepted", ok ? "accepted" : outcome(p)));
  }
  for (const auto& c : arr(v, "invalid_points")) {
    out.push_back(expect(f, "invalid point: " + s(c, "why"), s(c, "expected_reason"),
                         outcome(Point::from_base64url(s(c, "b64url"), "point"))));
  }
  for (const auto& c : arr(v, "valid_scalars")) {
    auto sc = Scalar::from_base64url(s(c, "b64url"), "scalar");
    const bool ok = sc.ok() && sc->bytes() == decimal_le(s(c, "value"));
    out.push_back(expect(f, "scalar " + s(c, "value"), "accepted", ok ? "accepted" : outcome(sc)));
  }
  for (const auto& c : arr(v, "invalid_scalars")) {
    out.push_back(expect(f, "invalid scalar: " + s(c, "why"), s(c, "expected_reason"),
                         outcome(Scalar::from_base64url(s(c, "b64url"), "scalar"))));
  }
  return out;
}

std::vector<CaseResult> check_hash(const Files& files) {
  const std::string f = "hash.json";
  const Json v = load(files, f);
  std::vector<CaseResult> out;
  size_t i = 0;
  for (const auto& c : arr(v, "cases")) {
    Transcript t(s(c, "tag"));
    for (const auto& item : arr(c, "items")) {
      if (item.contains("str")) {
        t.add(s(item, "str"));
      } else if (item.contains("int") && item["int"].is_number_integer()) {
        t.add_index(item["int"].get<uint64_t>());
      } else {
        auto raw = base64url_decode(s(item, "bytes"));
        t.add(ByteView(raw ? *raw : Bytes()));
      }
    }
    const auto h = t.digest();
    const bool ok =
        hex_encode(h) == s(c, "H_hex") && Scalar::reduce(h).to_base64url() == s(c, "challenge");
    out.push_back(expect(f, "case " + std::to_string(i++) + " " + s(c, "tag"), "accepted",
                         ok ? "accepted" : "mismatch"));
  }
  return out;
}

std::vector<CaseResult> check_canonical_json(const Files& files) {
  const std::string f = "canonical_json.json";
  const Json v = load(files, f);
  std::vector<CaseResult> out;
  for (const auto& c : arr(v, "canonicalise")) {
    auto parsed = parse_json(s(c, "input"));
    std::string got = parsed ? canonical_dump(*parsed) : parsed.error().reason;
    const bool ok = parsed.ok() && got == s(c, "canonical") &&
                    hex_encode(as_bytes(got)) == s(c, "canonical_hex");
    out.push_back(expect(f, "canonicalise " + s(c, "input"), "accepted", ok ? "accepted" : got));
  }
  for (const auto& c : arr(v, "errors")) {
    out.push_back(expect(f, "error: " + s(c, "why"), s(c, "expected_reason"),
                         outcome(parse_json(s(c, "input")))));
  }
  for (const auto& c : arr(v, "strict")) {
    const Bytes bytes = unhex(s(c, "bytes_hex"));
    const std::string text(bytes.begin(), bytes.end());
    const bool canonical = c.value("canonical", false);
    out.push_back(expect(f, "strict: " + s(c, "why"), canonical ? "accepted" : "non_canonical_json",
                         outcome(parse_canonical(text))));
  }
  return out;
}

std::vector<CaseResult> check_signatures(const Files& files) {
  const std::string f = "signatures.json";
  const Json v = load(files, f);
  std::vector<CaseResult> out;
  size_t i = 0;
  for (const auto& c : arr(v, "cases")) {
    const std::string name = "case " + std::to_string(i++) + " " + s(c, "tag") + " " + s(c, "why");
    const Bytes message = unhex(s(c, "message_hex"));
    auto pk = base64url_decode_fixed<32>(s(c, "public_key"), "public_key");
    auto sig = base64url_decode_fixed<64>(s(c, "signature"), "signature");
    if (!pk || !sig) {
      out.push_back(expect(f, name, "decodable", "undecodable"));
      continue;
    }
    const bool valid = c.value("valid", false);
    std::string got = verify_signature(s(c, "tag"), message, *sig, *pk) ? "valid" : "invalid";
    if (valid && c.contains("seed_hex")) {
      // The signer's side too: the key pair from the seed, the signed bytes and
      // the deterministic signature itself.
      const Bytes seed = unhex(s(c, "seed_hex"));
      std::array<uint8_t, 32> seed32{};
      std::copy(seed.begin(), seed.end(), seed32.begin());
      const SigningKey key = SigningKey::from_seed(seed32);
      if (key.public_key() != *pk || key.sign(s(c, "tag"), message) != *sig ||
          hex_encode(signed_bytes(s(c, "tag"), message)) != s(c, "signed_bytes_hex")) {
        got = "signer mismatch";
      }
    }
    out.push_back(expect(f, name, valid ? "valid" : "invalid", got));
  }
  return out;
}

std::vector<CaseResult> check_vote_codes(const Files& files) {
  const std::string f = "vote_codes.json";
  const Json v = load(files, f);
  const std::string election = s(v, "election_id");
  std::vector<CaseResult> out;
  for (const auto& c : arr(v, "codes")) {
    const std::string code = s(c, "code");
    auto norm = normalize_vote_code(s(c, "display"));
    auto key = credential_key(election, code);
    const auto seed = credential_seed(election, code);
    const bool ok =
        norm.ok() && *norm == code && display_vote_code(code) == s(c, "display") &&
        std::string(1, vote_code_check_symbol(code.substr(0, 19))) == s(c, "check_symbol") &&
        hex_encode(seed) == s(c, "credential_seed_hex") && key.ok() &&
        base64url_encode(key->public_key()) == s(c, "credential");
    out.push_back(expect(f, "code " + code, "accepted", ok ? "accepted" : "mismatch"));
  }
  for (const auto& c : arr(v, "normalise")) {
    const std::string name = "normalise \"" + s(c, "input") + "\" (" + s(c, "why") + ")";
    auto norm = normalize_vote_code(s(c, "input"));
    if (c.contains("expected_reason")) {
      out.push_back(expect(f, name, s(c, "expected_reason"), outcome(norm)));
      continue;
    }
    auto key = credential_key(election, s(c, "input"));
    const bool ok = norm.ok() && *norm == s(c, "normalised") && key.ok() &&
                    base64url_encode(key->public_key()) == s(c, "credential");
    out.push_back(expect(f, name, "accepted", ok ? "accepted" : outcome(norm)));
  }
  return out;
}

std::vector<CaseResult> check_manifest(const Files& files) {
  const std::string f = "manifest.json";
  const Json v = load(files, f);
  std::vector<CaseResult> out;
  // The manifest as an object (re-serialised) and as its canonical bytes.
  const std::string from_object =
      v.is_object() && v.contains("manifest") ? canonical_dump(v["manifest"]) : std::string();
  for (const auto& [name, text] : {std::pair<std::string, std::string>{"object", from_object},
                                   {"canonical bytes", s(v, "manifest_canonical")}}) {
    auto m = parse_manifest(text);
    std::string got = outcome(m);
    if (m && (m->hash_b64 != s(v, "election_hash") || m->canonical != s(v, "manifest_canonical"))) {
      got = "hash mismatch";
    }
    out.push_back(expect(f, "manifest from " + name, "accepted", got));
  }
  if (files.count("record/manifest.json") != 0) {
    auto m = parse_manifest(files.at("record/manifest.json"));
    out.push_back(expect(f, "record/manifest.json has the same hash", s(v, "election_hash"),
                         m ? m->hash_b64 : m.error().reason));
  }
  return out;
}

}  // namespace isoloir::conformance

#include "isoloir/key_file.h"

#include <sodium.h>

#include <array>
#include <string>
#include <utility>
#include <vector>

#include "isoloir/bytes.h"
#include "isoloir/canonical_json.h"
#include "isoloir/random.h"
#include "isoloir/secret_bytes.h"
#include "isoloir/signed_document.h"

namespace isoloir {
namespace {

constexpr std::string_view kKind = "trustee-key";
constexpr std::string_view kAlgorithm = "argon2id13";
constexpr std::string_view kCipher = "xchacha20poly1305-ietf";
constexpr std::string_view kStageCeremony = "ceremony";
constexpr std::string_view kStageShare = "share";
constexpr std::string_view kField = "key file";
// A key file is a few hundred bytes; anything far larger is not one.
constexpr size_t kMaxFileBytes = size_t{64} << 10;
constexpr size_t kMaxElectionIdBytes = 256;
constexpr size_t kKeyBytes = crypto_aead_xchacha20poly1305_ietf_KEYBYTES;
constexpr size_t kSaltBytes = crypto_pwhash_SALTBYTES;
constexpr size_t kNonceBytes = crypto_aead_xchacha20poly1305_ietf_NPUBBYTES;
constexpr size_t kTagBytes = crypto_aead_xchacha20poly1305_ietf_ABYTES;
// base64url without padding of 32 bytes.
constexpr size_t kB64Of32 = 43;

using Salt = std::array<uint8_t, kSaltBytes>;

// What the associated data covers: everything but the nonce and ciphertext.
struct Header {
  std::string election_id;
  uint32_t index = 0;
  std::string_view stage;
  KdfLimits limits{};
  Salt salt{};
};

struct Opened {
  Header header;
  SecretBuffer plaintext;
};

Status check_limits(const KdfLimits& l) {
  if (l.opslimit < crypto_pwhash_argon2id_OPSLIMIT_MIN || l.opslimit > kMaxKdfOpslimit) {
    return fail("kdf_limits", "kdf.opslimit " + std::to_string(l.opslimit) + " outside [" +
                                  std::to_string(crypto_pwhash_argon2id_OPSLIMIT_MIN) + ", " +
                                  std::to_string(kMaxKdfOpslimit) + "]");
  }
  if (l.memlimit < crypto_pwhash_argon2id_MEMLIMIT_MIN || l.memlimit > kMaxKdfMemlimit) {
    return fail("kdf_limits", "kdf.memlimit " + std::to_string(l.memlimit) + " outside [" +
                                  std::to_string(crypto_pwhash_argon2id_MEMLIMIT_MIN) + ", " +
                                  std::to_string(kMaxKdfMemlimit) + "]");
  }
  return Status::Ok();
}

bool has_control(std::string_view s) {
  for (const char c : s) {
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7f) return true;
  }
  return false;
}

Status check_identity(std::string_view election_id, int64_t index) {
  if (election_id.empty() || election_id.size() > kMaxElectionIdBytes || has_control(election_id)) {
    return fail("malformed", "key file.election_id: 1 to " + std::to_string(kMaxElectionIdBytes) +
                                 " bytes without control characters");
  }
  if (index < 1 || index > kMaxCeremonyTrustees) {
    return fail("malformed", "key file.index " + std::to_string(index) + " outside [1, " +
                                 std::to_string(kMaxCeremonyTrustees) + "]");
  }
  return Status::Ok();
}

Json header_json(const Header& h) {
  return Json{{"version", std::string(kProtocolVersion)},
              {"kind", std::string(kKind)},
              {"election_id", h.election_id},
              {"index", h.index},
              {"stage", std::string(h.stage)},
              {"kdf", Json{{"algorithm", std::string(kAlgorithm)},
                           {"opslimit", h.limits.opslimit},
                           {"memlimit", h.limits.memlimit},
                           {"salt", base64url_encode(h.salt)}}},
              {"cipher", std::string(kCipher)}};
}

Result<SecretBytes<kKeyBytes>> derive_key(std::string_view passphrase, const Header& h) {
  ensure_sodium();
  SecretBytes<kKeyBytes> key;
  if (crypto_pwhash(key.data(), key.size(), passphrase.data(), passphrase.size(), h.salt.data(),
                    h.limits.opslimit, h.limits.memlimit, crypto_pwhash_ALG_ARGON2ID13) != 0) {
    return fail("out_of_memory",
                "Argon2id cannot get " + std::to_string(h.limits.memlimit) + " bytes of memory");
  }
  return key;
}

Result<std::string> seal_envelope(Header h, const SecretBuffer& plaintext,
                                  std::string_view passphrase) {
  if (passphrase.empty()) return fail("usage", "an empty passphrase");
  if (Status st = check_limits(h.limits); !st) return st.error();
  if (Status st = check_identity(h.election_id, h.index); !st) return st.error();
  random_bytes(h.salt);
  std::array<uint8_t, kNonceBytes> nonce{};
  random_bytes(nonce);
  auto key = derive_key(passphrase, h);
  if (!key) return key.error();
  Json doc = header_json(h);
  const std::string ad = canonical_dump(doc);
  Bytes ciphertext(plaintext.size() + kTagBytes);
  unsigned long long written = 0;
  crypto_aead_xchacha20poly1305_ietf_encrypt(
      ciphertext.data(), &written, plaintext.data(), plaintext.size(),
      reinterpret_cast<const uint8_t*>(ad.data()), ad.size(), nullptr, nonce.data(), key->data());
  ciphertext.resize(written);
  doc["nonce"] = base64url_encode(nonce);
  doc["ciphertext"] = base64url_encode(ciphertext);
  return canonical_dump(doc);
}

Result<KdfLimits> parse_kdf(const Json& doc, Salt& salt) {
  const std::string field = "key file.kdf";
  auto kdf = get_member(doc, "kdf", "key file");
  if (!kdf) return kdf.error();
  if (Status st = require_keys(**kdf, {"algorithm", "opslimit", "memlimit", "salt"}, field); !st) {
    return st.error();
  }
  auto algorithm = get_string(**kdf, "algorithm", field);
  if (!algorithm) return algorithm.error();
  if (*algorithm != kAlgorithm) return fail("unsupported", field + ".algorithm " + *algorithm);
  auto ops = get_int(**kdf, "opslimit", field);
  if (!ops) return ops.error();
  auto mem = get_int(**kdf, "memlimit", field);
  if (!mem) return mem.error();
  if (*ops < 0 || *mem < 0) return fail("kdf_limits", field + ": negative limits");
  const KdfLimits limits{static_cast<uint64_t>(*ops), static_cast<size_t>(*mem)};
  if (Status st = check_limits(limits); !st) return st.error();
  auto salt_text = get_string(**kdf, "salt", field);
  if (!salt_text) return salt_text.error();
  auto raw = base64url_decode_fixed<kSaltBytes>(*salt_text, field + ".salt");
  if (!raw) return raw.error();
  salt = *raw;
  return limits;
}

Result<Header> parse_header(const Json& doc, std::string_view expected_stage) {
  if (Status st = check_document_header(doc, kKind,
                                        {"version", "kind", "election_id", "index", "stage", "kdf",
                                         "cipher", "nonce", "ciphertext"},
                                        kField);
      !st) {
    return st.error();
  }
  Header h;
  auto election_id = get_string(doc, "election_id", kField);
  if (!election_id) return election_id.error();
  auto index = get_int(doc, "index", kField);
  if (!index) return index.error();
  if (Status st = check_identity(*election_id, *index); !st) return st.error();
  h.election_id = std::move(*election_id);
  h.index = static_cast<uint32_t>(*index);
  auto stage = get_string(doc, "stage", kField);
  if (!stage) return stage.error();
  if (*stage != kStageCeremony && *stage != kStageShare) {
    return fail("malformed", "key file.stage \"" + *stage + "\"");
  }
  if (*stage != expected_stage) {
    return fail("wrong_stage", "a \"" + *stage + "\" key file where a \"" +
                                   std::string(expected_stage) + "\" key file is expected");
  }
  h.stage = expected_stage;
  auto limits = parse_kdf(doc, h.salt);
  if (!limits) return limits.error();
  h.limits = *limits;
  auto cipher = get_string(doc, "cipher", kField);
  if (!cipher) return cipher.error();
  if (*cipher != kCipher) return fail("unsupported", "key file.cipher " + *cipher);
  return h;
}

Result<Opened> open_envelope(std::string_view text, std::string_view passphrase,
                             std::string_view expected_stage) {
  if (text.size() > kMaxFileBytes) {
    return fail("malformed", "key file: over " + std::to_string(kMaxFileBytes) + " bytes");
  }
  if (passphrase.empty()) return fail("usage", "an empty passphrase");
  auto doc = parse_json(text);
  if (!doc) return fail(doc.error().reason, "key file: " + doc.error().detail);
  auto header = parse_header(*doc, expected_stage);
  if (!header) return header.error();
  auto nonce_text = get_string(*doc, "nonce", kField);
  if (!nonce_text) return nonce_text.error();
  auto nonce = base64url_decode_fixed<kNonceBytes>(*nonce_text, "key file.nonce");
  if (!nonce) return nonce.error();
  auto ct_text = get_string(*doc, "ciphertext", kField);
  if (!ct_text) return ct_text.error();
  auto ciphertext = base64url_decode(*ct_text);
  if (!ciphertext) return fail(ciphertext.error().reason, "key file.ciphertext");
  if (ciphertext->size() < kTagBytes) return fail("bad_length", "key file.ciphertext: too short");

  // Associated data: the document as read, without nonce and ciphertext.
  Json unsealed = *doc;
  unsealed.erase("nonce");
  unsealed.erase("ciphertext");
  const std::string ad = canonical_dump(unsealed);

  auto key = derive_key(passphrase, *header);
  if (!key) return key.error();
  SecretBuffer plain(ciphertext->size() - kTagBytes);
  unsigned long long plain_len = 0;
  if (crypto_aead_xchacha20poly1305_ietf_decrypt(plain.data(), &plain_len, nullptr,
                                                 ciphertext->data(), ciphertext->size(),
                                                 reinterpret_cast<const uint8_t*>(ad.data()),
                                                 ad.size(), nonce->data(), key->data()) != 0) {
    return fail("bad_passphrase",
                "the key file does not open with this passphrase (or it was altered)");
  }
  plain.truncate(plain_len);
  return Opened{std::move(*header), std::move(plain)};
}

// ---------------------------------------------------------------------------
// The plaintexts: canonical JSON written and read in place, so the secrets
// never pass through a JSON library's strings, which nothing would wipe.

class SecretWriter {
 public:
  explicit SecretWriter(size_t capacity) : buf_(capacity) {}

  void put(std::string_view s) {
    if (pos_ + s.size() > buf_.size()) {
      overflow_ = true;
      return;
    }
    std::copy(s.begin(), s.end(), buf_.data() + pos_);
    pos_ += s.size();
  }
  // `"` base64url(bytes) `"`.
  void put_b64(const std::array<uint8_t, 32>& bytes) {
    put("\"");
    const size_t room = sodium_base64_ENCODED_LEN(32, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    if (pos_ + room > buf_.size()) {
      overflow_ = true;
      return;
    }
    sodium_bin2base64(reinterpret_cast<char*>(buf_.data() + pos_), room, bytes.data(), bytes.size(),
                      sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    pos_ += kB64Of32;  // the encoding without its terminating NUL
    put("\"");
  }

  Result<SecretBuffer> finish() {
    if (overflow_) return fail("internal", "key file plaintext larger than planned");
    buf_.truncate(pos_);
    return std::move(buf_);
  }

 private:
  SecretBuffer buf_;
  size_t pos_ = 0;
  bool overflow_ = false;
};

class SecretReader {
 public:
  explicit SecretReader(std::string_view text) : text_(text) {}

  bool expect(std::string_view s) {
    if (text_.substr(pos_, s.size()) != s) return false;
    pos_ += s.size();
    return true;
  }
  bool at_end() const { return pos_ == text_.size(); }
  // `"` base64url of exactly 32 bytes `"`.
  bool b64(SecretBytes<32>& out) {
    if (!expect("\"") || text_.size() - pos_ < kB64Of32 + 1) return false;
    size_t bin_len = 0;
    const char* end = nullptr;
    if (sodium_base642bin(out.data(), out.size(), text_.data() + pos_, kB64Of32, nullptr, &bin_len,
                          &end, sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0 ||
        bin_len != out.size() || end != text_.data() + pos_ + kB64Of32) {
      return false;
    }
    pos_ += kB64Of32;
    return expect("\"");
  }

 private:
  std::string_view text_;
  size_t pos_ = 0;
};

Error bad_plaintext(std::string_view what) {
  return fail("malformed", "key file: the decrypted " + std::string(what) + " is not as written");
}

Result<SecretBuffer> ceremony_plaintext(const CeremonyKey& key) {
  const std::vector<Scalar>& a = key.polynomial.coefficients();
  SecretWriter w(64 + (a.size() + 1) * (kB64Of32 + 4));
  w.put(R"({"box_secret_key":)");
  w.put_b64(key.box.secret_key());
  w.put(R"(,"coefficients":[)");
  for (size_t k = 0; k < a.size(); ++k) {
    if (k > 0) w.put(",");
    w.put_b64(a[k].bytes());
  }
  w.put("]}");
  return w.finish();
}

Result<CeremonyKey> read_ceremony_plaintext(Header header, std::string_view text) {
  SecretReader r(text);
  SecretBytes<32> box_secret;
  if (!r.expect(R"({"box_secret_key":)") || !r.b64(box_secret) ||
      !r.expect(R"(,"coefficients":[)")) {
    return bad_plaintext("ceremony key");
  }
  std::vector<Scalar> coefficients;
  do {
    if (coefficients.size() == kMaxCeremonyTrustees) return bad_plaintext("coefficients");
    SecretBytes<32> raw;
    if (!r.b64(raw)) return bad_plaintext("coefficients");
    auto a = Scalar::decode(raw.array(), "key file coefficient");
    if (!a) return a.error();
    coefficients.push_back(*a);
  } while (r.expect(","));
  if (!r.expect("]}") || !r.at_end()) return bad_plaintext("ceremony key");
  auto polynomial = TrusteePolynomial::from_coefficients(std::move(coefficients));
  if (!polynomial) return polynomial.error();
  return CeremonyKey{std::move(header.election_id), header.index,
                     BoxKeyPair::from_secret(box_secret.array()), std::move(*polynomial)};
}

Result<SecretBuffer> share_plaintext(const ShareKey& key) {
  SecretWriter w(64 + 2 * (kB64Of32 + 4));
  w.put(R"({"key_share":)");
  w.put_b64(key.key_share.bytes());
  w.put(R"(,"verification_key":)");
  w.put_b64(key.verification_key.encode());
  w.put("}");
  return w.finish();
}

Result<ShareKey> read_share_plaintext(Header header, std::string_view text) {
  SecretReader r(text);
  SecretBytes<32> share_raw;
  SecretBytes<32> vk_raw;
  if (!r.expect(R"({"key_share":)") || !r.b64(share_raw) || !r.expect(R"(,"verification_key":)") ||
      !r.b64(vk_raw) || !r.expect("}") || !r.at_end()) {
    return bad_plaintext("share key");
  }
  auto share = Scalar::decode(share_raw.array(), "key file key_share");
  if (!share) return share.error();
  auto vk = Point::decode(vk_raw.array(), "key file verification_key");
  if (!vk) return vk.error();
  if (!(Point::base_mul(*share) == *vk)) {
    return fail("malformed", "key file: verification_key is not g^key_share");
  }
  return ShareKey{std::move(header.election_id), header.index, *share, *vk};
}

}  // namespace

Result<KdfLimits> kdf_limits(std::string_view name) {
  if (name == "interactive") {
    return KdfLimits{crypto_pwhash_argon2id_OPSLIMIT_INTERACTIVE,
                     crypto_pwhash_argon2id_MEMLIMIT_INTERACTIVE};
  }
  if (name == "moderate") {
    return KdfLimits{crypto_pwhash_argon2id_OPSLIMIT_MODERATE,
                     crypto_pwhash_argon2id_MEMLIMIT_MODERATE};
  }
  if (name == "sensitive") {
    return KdfLimits{crypto_pwhash_argon2id_OPSLIMIT_SENSITIVE,
                     crypto_pwhash_argon2id_MEMLIMIT_SENSITIVE};
  }
  return fail("usage", "kdf level \"" + std::string(name) +
                           "\": expected interactive, moderate or sensitive");
}

Result<std::string> seal_ceremony_key_file(const CeremonyKey& key, std::string_view passphrase,
                                           const KdfLimits& limits) {
  auto plain = ceremony_plaintext(key);
  if (!plain) return plain.error();
  return seal_envelope(Header{key.election_id, key.index, kStageCeremony, limits, {}}, *plain,
                       passphrase);
}

Result<CeremonyKey> open_ceremony_key_file(std::string_view file_text,
                                           std::string_view passphrase) {
  auto opened = open_envelope(file_text, passphrase, kStageCeremony);
  if (!opened) return opened.error();
  return read_ceremony_plaintext(std::move(opened->header), opened->plaintext.view());
}

Result<std::string> seal_share_key_file(const ShareKey& key, std::string_view passphrase,
                                        const KdfLimits& limits) {
  auto plain = share_plaintext(key);
  if (!plain) return plain.error();
  return seal_envelope(Header{key.election_id, key.index, kStageShare, limits, {}}, *plain,
                       passphrase);
}

Result<ShareKey> open_share_key_file(std::string_view file_text, std::string_view passphrase) {
  auto opened = open_envelope(file_text, passphrase, kStageShare);
  if (!opened) return opened.error();
  return read_share_plaintext(std::move(opened->header), opened->plaintext.view());
}

}  // namespace isoloir

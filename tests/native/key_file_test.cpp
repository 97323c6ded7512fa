// Trustee key files (docs/election-end.md section 1): what is sealed opens with
// the passphrase only, every header field is bound to the ciphertext, and a
// file cannot make the reader spend unbounded work.
#include "isoloir/key_file.h"

#include <gtest/gtest.h>
#include <sodium.h>

#include <string>
#include <vector>

#include "isoloir/canonical_json.h"
#include "isoloir/random.h"

namespace isoloir {
namespace {

// libsodium's minimum work: these tests are about the format, not the cost.
const KdfLimits kFast{crypto_pwhash_argon2id_OPSLIMIT_MIN, crypto_pwhash_argon2id_MEMLIMIT_MIN};
constexpr char kPass[] = "correct horse battery staple";

CeremonyKey ceremony_key(uint32_t threshold = 3) {
  SystemScalarSource rng;
  auto poly = TrusteePolynomial::generate(threshold, rng);
  EXPECT_TRUE(poly.ok());
  return CeremonyKey{"election-2027", 2, BoxKeyPair::generate(), std::move(*poly)};
}

ShareKey share_key() {
  const Scalar x = random_scalar();
  return ShareKey{"election-2027", 4, x, Point::base_mul(x)};
}

std::string sealed_ceremony(const CeremonyKey& key) {
  auto text = seal_ceremony_key_file(key, kPass, kFast);
  EXPECT_TRUE(text.ok()) << text.error().message();
  return text.ok() ? *text : std::string();
}

Json doc_of(const std::string& text) {
  auto doc = parse_canonical(text);
  EXPECT_TRUE(doc.ok());
  return doc.ok() ? *doc : Json();
}

std::string reason_of(const Result<CeremonyKey>& r) {
  return r.ok() ? "opened" : r.error().reason;
}

TEST(KeyFile, CeremonyKeyRoundTrips) {
  const CeremonyKey key = ceremony_key();
  const std::string text = sealed_ceremony(key);
  const Json doc = doc_of(text);
  EXPECT_EQ(doc["kind"], "trustee-key");
  EXPECT_EQ(doc["stage"], "ceremony");
  EXPECT_EQ(doc["index"], 2);
  EXPECT_EQ(doc["kdf"]["algorithm"], "argon2id13");
  EXPECT_EQ(doc["cipher"], "xchacha20poly1305-ietf");
  // No secret in the clear.
  EXPECT_EQ(text.find(key.polynomial.coefficients()[0].to_base64url()), std::string::npos);

  auto opened = open_ceremony_key_file(text, kPass);
  ASSERT_TRUE(opened.ok()) << opened.error().message();
  EXPECT_EQ(opened->election_id, "election-2027");
  EXPECT_EQ(opened->index, 2u);
  EXPECT_EQ(opened->box.public_key(), key.box.public_key());
  EXPECT_EQ(opened->box.secret_key(), key.box.secret_key());
  ASSERT_EQ(opened->polynomial.threshold(), 3u);
  EXPECT_EQ(opened->polynomial.commitments(), key.polynomial.commitments());
  EXPECT_EQ(opened->polynomial.eval(5), key.polynomial.eval(5));
}

TEST(KeyFile, ShareKeyRoundTrips) {
  const ShareKey key = share_key();
  auto text = seal_share_key_file(key, kPass, kFast);
  ASSERT_TRUE(text.ok()) << text.error().message();
  EXPECT_EQ(doc_of(*text)["stage"], "share");
  auto opened = open_share_key_file(*text, kPass);
  ASSERT_TRUE(opened.ok()) << opened.error().message();
  EXPECT_EQ(opened->election_id, key.election_id);
  EXPECT_EQ(opened->index, 4u);
  EXPECT_EQ(opened->key_share, key.key_share);
  EXPECT_EQ(opened->verification_key, key.verification_key);
}

TEST(KeyFile, SealingTwiceGivesDifferentFiles) {
  const CeremonyKey key = ceremony_key();
  EXPECT_NE(sealed_ceremony(key), sealed_ceremony(key));  // fresh salt and nonce
}

TEST(KeyFile, WrongPassphraseIsRefused) {
  const std::string text = sealed_ceremony(ceremony_key());
  EXPECT_EQ(reason_of(open_ceremony_key_file(text, "correct horse battery stapler")),
            "bad_passphrase");
  EXPECT_EQ(reason_of(open_ceremony_key_file(text, "")), "usage");
  auto share = seal_share_key_file(share_key(), kPass, kFast);
  ASSERT_TRUE(share.ok());
  auto opened = open_share_key_file(*share, "wrong");
  ASSERT_FALSE(opened.ok());
  EXPECT_EQ(opened.error().reason, "bad_passphrase");
}

TEST(KeyFile, EveryHeaderFieldIsBound) {
  const std::string text = sealed_ceremony(ceremony_key());
  const Json doc = doc_of(text);
  std::vector<std::pair<std::string, Json>> changes;
  {
    Json d = doc;
    d["election_id"] = "election-2028";
    changes.emplace_back("election_id", d);
  }
  {
    Json d = doc;
    d["index"] = 3;
    changes.emplace_back("index", d);
  }
  {
    Json d = doc;
    d["kdf"]["opslimit"] = doc["kdf"]["opslimit"].get<int64_t>() + 1;
    changes.emplace_back("opslimit", d);
  }
  {
    Json d = doc;
    d["kdf"]["memlimit"] = doc["kdf"]["memlimit"].get<int64_t>() * 2;
    changes.emplace_back("memlimit", d);
  }
  {
    Json d = doc;
    d["kdf"]["salt"] = "AAAAAAAAAAAAAAAAAAAAAA";
    changes.emplace_back("salt", d);
  }
  {
    Json d = doc;
    std::string nonce = d["nonce"].get<std::string>();
    nonce[0] = nonce[0] == 'A' ? 'B' : 'A';
    d["nonce"] = nonce;
    changes.emplace_back("nonce", d);
  }
  {
    Json d = doc;
    std::string ct = d["ciphertext"].get<std::string>();
    ct[10] = ct[10] == 'A' ? 'B' : 'A';
    d["ciphertext"] = ct;
    changes.emplace_back("ciphertext", d);
  }
  for (const auto& [what, d] : changes) {
    EXPECT_EQ(reason_of(open_ceremony_key_file(canonical_dump(d), kPass)), "bad_passphrase")
        << what;
  }
}

TEST(KeyFile, MalformedFilesAreRefused) {
  const std::string text = sealed_ceremony(ceremony_key());
  const Json doc = doc_of(text);
  auto with = [&](const char* key, Json value) {
    Json d = doc;
    d[key] = std::move(value);
    return reason_of(open_ceremony_key_file(canonical_dump(d), kPass));
  };
  EXPECT_EQ(with("version", "isoloir/2"), "wrong_version");
  EXPECT_EQ(with("kind", "trustees"), "wrong_kind");
  EXPECT_EQ(with("stage", "share"), "wrong_stage");
  EXPECT_EQ(with("stage", "other"), "malformed");
  EXPECT_EQ(with("cipher", "aes256gcm"), "unsupported");
  EXPECT_EQ(with("index", 0), "malformed");
  EXPECT_EQ(with("election_id", ""), "malformed");
  EXPECT_EQ(with("extra", 1), "malformed");
  EXPECT_EQ(with("nonce", "AAAA"), "bad_length");
  EXPECT_EQ(with("ciphertext", "AAAA"), "bad_length");
  {
    Json d = doc;
    d.erase("nonce");
    EXPECT_EQ(reason_of(open_ceremony_key_file(canonical_dump(d), kPass)), "malformed");
  }
  {
    Json d = doc;
    d["kdf"]["algorithm"] = "scrypt";
    EXPECT_EQ(reason_of(open_ceremony_key_file(canonical_dump(d), kPass)), "unsupported");
  }
  EXPECT_EQ(reason_of(open_ceremony_key_file("not json", kPass)), "non_canonical_json");
  EXPECT_EQ(reason_of(open_ceremony_key_file(std::string(100000, ' '), kPass)), "malformed");
  // A share key file is not a ceremony key file, and the reverse.
  auto share = seal_share_key_file(share_key(), kPass, kFast);
  ASSERT_TRUE(share.ok());
  EXPECT_EQ(reason_of(open_ceremony_key_file(*share, kPass)), "wrong_stage");
  auto as_share = open_share_key_file(text, kPass);
  ASSERT_FALSE(as_share.ok());
  EXPECT_EQ(as_share.error().reason, "wrong_stage");
}

TEST(KeyFile, AbsurdKdfLimitsAreRefusedBeforeAnyWork) {
  const Json doc = doc_of(sealed_ceremony(ceremony_key()));
  for (const auto& [key, value] :
       std::vector<std::pair<const char*, int64_t>>{{"memlimit", int64_t{1} << 40},
                                                    {"memlimit", (int64_t{1} << 30) + 1},
                                                    {"memlimit", 1024},
                                                    {"opslimit", 1000000},
                                                    {"opslimit", 0},
                                                    {"opslimit", -1}}) {
    Json d = doc;
    d["kdf"][key] = value;
    EXPECT_EQ(reason_of(open_ceremony_key_file(canonical_dump(d), kPass)), "kdf_limits")
        << key << " " << value;
  }
  // Sealing refuses them too.
  auto r = seal_ceremony_key_file(ceremony_key(), kPass, KdfLimits{1, size_t{2} << 30});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().reason, "kdf_limits");
}

TEST(KeyFile, NamedKdfLevels) {
  auto interactive = kdf_limits("interactive");
  ASSERT_TRUE(interactive.ok());
  EXPECT_EQ(interactive->memlimit, crypto_pwhash_argon2id_MEMLIMIT_INTERACTIVE);
  auto moderate = kdf_limits("moderate");
  ASSERT_TRUE(moderate.ok());
  EXPECT_EQ(moderate->opslimit, crypto_pwhash_argon2id_OPSLIMIT_MODERATE);
  auto sensitive = kdf_limits("sensitive");
  ASSERT_TRUE(sensitive.ok());
  EXPECT_LE(sensitive->memlimit, kMaxKdfMemlimit);
  EXPECT_FALSE(kdf_limits("fast").ok());
}

TEST(KeyFile, ShareKeyMustMatchItsVerificationKey) {
  ShareKey key = share_key();
  key.verification_key = Point::base_mul(random_scalar());
  auto text = seal_share_key_file(key, kPass, kFast);
  ASSERT_TRUE(text.ok());
  auto opened = open_share_key_file(*text, kPass);
  ASSERT_FALSE(opened.ok());
  EXPECT_EQ(opened.error().reason, "malformed");
}

}  // namespace
}  // namespace isoloir

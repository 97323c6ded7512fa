// A trustee's secrets at rest (docs/election-end.md section 1): canonical JSON
//
//   {"version":"isoloir/1","kind":"trustee-key","election_id","index",
//    "stage":"ceremony"|"share",
//    "kdf":{"algorithm":"argon2id13","opslimit","memlimit","salt"},
//    "cipher":"xchacha20poly1305-ietf","nonce","ciphertext"}
//
// The key is Argon2id (crypto_pwhash) of the passphrase with the salt and the
// limits given; the ciphertext is XChaCha20-Poly1305-IETF of a canonical JSON
// plaintext, with the canonical bytes of the document without "nonce" and
// "ciphertext" as associated data, so no header field can be changed. Stage
// "ceremony" holds {"box_secret_key","coefficients":[a_{i,0}..]}, stage
// "share" holds {"key_share","verification_key"}. The plaintext and the
// derived key only ever live in wiped buffers.
//
// Reasons when opening: "malformed" (and the decoders' reasons) for a document
// that is not a key file, "wrong_version", "wrong_kind", "wrong_stage" for a
// key file of the other stage, "unsupported" for another algorithm or cipher,
// "kdf_limits" for limits outside [libsodium's minimum, kMaxKdf*] (a file
// cannot make the tool spend more than a gibibyte), "bad_passphrase" when the
// ciphertext does not open (a wrong passphrase, or any byte of the file
// altered: the two cannot be told apart), "out_of_memory" if Argon2id cannot
// get its memory.
#ifndef ISOLOIR_KEY_FILE_H_
#define ISOLOIR_KEY_FILE_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "isoloir/point.h"
#include "isoloir/result.h"
#include "isoloir/scalar.h"
#include "isoloir/trustees.h"

namespace isoloir {

// Argon2id work factors, as crypto_pwhash takes them.
struct KdfLimits {
  uint64_t opslimit;
  size_t memlimit;
};

// The most a key file may ask for: libsodium's "sensitive" memory (1 GiB) and
// four times its "sensitive" passes.
inline constexpr uint64_t kMaxKdfOpslimit = 16;
inline constexpr size_t kMaxKdfMemlimit = size_t{1} << 30;

// libsodium's named levels: "interactive" (fast, for tests), "moderate" (the
// trustees' default), "sensitive". Anything else: "usage".
Result<KdfLimits> kdf_limits(std::string_view name);

// Stage "ceremony": what a trustee keeps between the rounds of the ceremony.
struct CeremonyKey {
  std::string election_id;
  uint32_t index = 0;
  BoxKeyPair box;
  TrusteePolynomial polynomial;
};

// Stage "share": what a trustee keeps for decrypting, x_j and h_j = g^x_j.
struct ShareKey {
  std::string election_id;
  uint32_t index = 0;
  Scalar key_share;
  Point verification_key;
};

// The key file's text (canonical JSON, no newline). Refuses an empty
// passphrase ("usage"), limits outside the bounds above ("kdf_limits"), an
// election id or index a key file cannot carry ("malformed").
Result<std::string> seal_ceremony_key_file(const CeremonyKey& key, std::string_view passphrase,
                                           const KdfLimits& limits);
Result<CeremonyKey> open_ceremony_key_file(std::string_view file_text, std::string_view passphrase);
Result<std::string> seal_share_key_file(const ShareKey& key, std::string_view passphrase,
                                        const KdfLimits& limits);
// Also checks that verification_key = g^key_share ("malformed").
Result<ShareKey> open_share_key_file(std::string_view file_text, std::string_view passphrase);

}  // namespace isoloir

#endif  // ISOLOIR_KEY_FILE_H_

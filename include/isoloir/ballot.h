// Ballots (PROTOCOL.md section 4): exponential ElGamal over ristretto255, a
// 0/1 proof per option, a sum proof, the credential's signature, and the
// bulletin reference that the voter keeps.
#ifndef ISOLOIR_BALLOT_H_
#define ISOLOIR_BALLOT_H_

#include <string>
#include <string_view>
#include <vector>

#include "isoloir/bytes.h"
#include "isoloir/manifest.h"
#include "isoloir/point.h"
#include "isoloir/random.h"
#include "isoloir/result.h"
#include "isoloir/signature.h"

namespace isoloir {

struct Ciphertext {
  Point alpha;  // g^r
  Point beta;   // g^m * h^r
};

// A ballot that passed every check that needs no server state.
struct VerifiedBallot {
  std::string reference;  // base64url(SHA-256(bytes)), 43 characters
  Digest32 digest{};      // SHA-256(bytes): the Merkle leaf's input
  std::string scrutin;
  PublicKey credential{};
  std::vector<Ciphertext> answers;  // manifest order, for the tally
};

struct CreatedBallot {
  std::string bytes;      // canonical JSON, signed
  std::string reference;  // as the server will compute it
};

// Every stateless check of section 4, in the order the reasons are listed
// there; the first that fails is the answer and nothing else is examined.
Result<VerifiedBallot> verify_ballot(const Manifest& manifest, std::string_view bytes);

// The ciphertexts of a ballot that was verified when it was admitted (read
// back from the urn's own store): the same form checks and decoding as
// verify_ballot, without the signature and the proofs, so that the close can
// multiply a million ballots in seconds. Never for a ballot from outside.
Result<VerifiedBallot> decode_stored_ballot(const Manifest& manifest, std::string_view bytes);

// Encrypts and proves a ballot marking exactly `option_ids` (between the
// scrutin's min and max, no repeats; unknown ids are "unknown_option") and
// signs it with `credential`. The prover's running time does not depend on
// which options are marked. `rng` draws every secret scalar, in the order the
// vectors record: per option r, the simulated branches' (c, s), w; then the
// sum proof's simulated branches and w.
Result<CreatedBallot> create_ballot(const Manifest& manifest, std::string_view scrutin_id,
                                    const std::vector<std::string>& option_ids,
                                    const SigningKey& credential, ScalarSource& rng);

// base64url(SHA-256(bytes)) and the raw digest.
Digest32 ballot_digest(std::string_view bytes);
std::string ballot_reference(std::string_view bytes);

}  // namespace isoloir

#endif  // ISOLOIR_BALLOT_H_

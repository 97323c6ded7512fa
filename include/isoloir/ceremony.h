// The trustees' key ceremony (docs/election-end.md section 1): the three
// public round documents every trustee exchanges, what each round computes and
// checks, and the assembly of trustees.json from all of them. No files, no
// network: the tool and the browser trustee pages call the same functions.
//
// Round documents (canonical JSON, every key required, no other allowed):
//   trustee-commitment: {"version","kind","election_id","index","name",
//                        "trustees":n,"threshold":t,"box_key",
//                        "commitments":[C_{i,0}..C_{i,t-1}],"pok":{"c","s"}}
//   trustee-shares:     {"version","kind","election_id","from":i,
//                        "shares":[{"to":j,"sealed"}]}  j != i, increasing
//   trustee-verification-key: {"version","kind","election_id","index",
//                        "verification_key"}
//
// A check that fails because of one trustee names it first in the detail
// ("trustee 3: ..."), so that the tool can say who cheated.
#ifndef ISOLOIR_CEREMONY_H_
#define ISOLOIR_CEREMONY_H_

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "isoloir/canonical_json.h"
#include "isoloir/key_file.h"
#include "isoloir/point.h"
#include "isoloir/random.h"
#include "isoloir/result.h"
#include "isoloir/trustees.h"

namespace isoloir {

inline constexpr uint32_t kMinCeremonyTrustees = 2;
inline constexpr size_t kMaxTrusteeNameBytes = 200;

// Round 1's public document: trustee `index`'s commitments and proof.
struct TrusteeCommitment {
  std::string election_id;
  uint32_t index = 0;
  std::string name;
  uint32_t trustees = 0;   // n
  uint32_t threshold = 0;  // t
  BoxKeyPair::Key box_key{};
  std::vector<Point> commitments;  // t points
  PokProof pok;
};

// Round 2's public document: the shares trustee `from` sealed to the others.
struct TrusteeShares {
  std::string election_id;
  uint32_t from = 0;
  std::vector<SealedShare> shares;  // to != from, increasing
};

// Round 3's public document: h_index.
struct TrusteeVerificationKey {
  std::string election_id;
  uint32_t index = 0;
  Point verification_key;
};

// The documents: *_to_json builds what parse_* reads (serialise with
// canonical_dump). Parsing is strict: version ("wrong_version"), kind
// ("wrong_kind"), exactly the format's keys, 2 <= n <= kMaxCeremonyTrustees,
// 1 <= t <= n, indices within 1..n, t commitments, 80-byte sealed shares,
// points and scalars strictly decoded ("malformed" and the decoders' reasons).
Json commitment_to_json(const TrusteeCommitment& c);
Result<TrusteeCommitment> parse_commitment(const Json& doc);
Json shares_to_json(const TrusteeShares& s);
Result<TrusteeShares> parse_shares(const Json& doc);
Json verification_key_to_json(const TrusteeVerificationKey& v);
Result<TrusteeVerificationKey> parse_verification_key(const Json& doc);

// Round 1: a fresh box key and polynomial for trustee `index` of n, threshold
// t, with its public commitment (PoK included).
struct CeremonyStart {
  CeremonyKey key;
  TrusteeCommitment commitment;
};
Result<CeremonyStart> ceremony_init(std::string_view election_id, uint32_t index, uint32_t trustees,
                                    uint32_t threshold, std::string_view name, ScalarSource& rng);

// The checks of a full set of commitments, before anything is sealed to or
// accepted from them: one election, one n and t, indices 1..n each exactly
// once ("malformed", "duplicate_trustee", "missing_trustee"), every PoK
// ("bad_pok", "trustee I: ..."). Returns them in index order.
Result<std::vector<TrusteeCommitment>> check_commitments(std::vector<TrusteeCommitment> all);

// Round 2: `me` seals f_me(j) to every other trustee's box key. `checked` is
// check_commitments' result; it must hold me as the key file knows me
// ("not_mine" if my commitment there is not my polynomial's or box key's).
Result<TrusteeShares> ceremony_shares(const CeremonyKey& me,
                                      std::span<const TrusteeCommitment> checked);

// Round 3: opens every share sealed to `me`, checks each against its sender's
// commitments ("bad_share" / "bad_sealed_share", "trustee I sent ..."), and
// gives x_me, h_me. `shares` holds every other trustee's shares document
// (mine may be there too), each once ("missing_trustee",
// "duplicate_trustee", "malformed" for one not for this ceremony).
struct CeremonyFinish {
  ShareKey key;
  TrusteeVerificationKey verification_key;
};
Result<CeremonyFinish> ceremony_finish(const CeremonyKey& me,
                                       std::span<const TrusteeCommitment> checked,
                                       std::span<const TrusteeShares> shares);

// The end: trustees.json from every round's documents, all n of each. Checks
// the commitments (check_commitments), the shares documents (each trustee's
// n-1 shares, addressed as above), each declared verification key against
// the commitments ("bad_verification_key", "trustee I: ..."), then
// verify_trustees on the result. Shares in (from, to) order.
Result<Trustees> assemble_trustees(std::vector<TrusteeCommitment> commitments,
                                   std::span<const TrusteeShares> shares,
                                   std::span<const TrusteeVerificationKey> verification_keys);

}  // namespace isoloir

#endif  // ISOLOIR_CEREMONY_H_

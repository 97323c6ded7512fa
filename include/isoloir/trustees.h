// The trustees' key, PROTOCOL.md section 7: a t-of-n Pedersen distributed key
// generation with Feldman commitments. What one trustee computes (its
// polynomial, commitments, proof of knowledge, sealed shares, its key share)
// and what anyone checks in the public transcript, trustees.json.
#ifndef ISOLOIR_TRUSTEES_H_
#define ISOLOIR_TRUSTEES_H_

#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "isoloir/bytes.h"
#include "isoloir/canonical_json.h"
#include "isoloir/point.h"
#include "isoloir/random.h"
#include "isoloir/result.h"
#include "isoloir/scalar.h"
#include "isoloir/secret_bytes.h"

namespace isoloir {

// The {c, s} of a Schnorr proof of knowledge of log_g(C_{i,0}).
struct PokProof {
  Scalar c;
  Scalar s;
};

// Trustee i's secret polynomial f_i of degree t - 1; its constant term a_{i,0}
// is i's part of the election secret. Wiped on destruction (Scalar wipes itself).
class TrusteePolynomial {
 public:
  // t uniform coefficients from `rng`. Refuses threshold 0 ("malformed").
  static Result<TrusteePolynomial> generate(uint32_t threshold, ScalarSource& rng);
  // From stored coefficients a_{i,0} .. a_{i,t-1} (a key file). Refuses an
  // empty list ("malformed").
  static Result<TrusteePolynomial> from_coefficients(std::vector<Scalar> coefficients);

  // a_{i,0} .. a_{i,t-1}: secrets, for sealing into a key file only.
  const std::vector<Scalar>& coefficients() const { return a_; }

  uint32_t threshold() const { return static_cast<uint32_t>(a_.size()); }
  // f_i(j): the share trustee j receives (j = i: the share i keeps).
  Scalar eval(uint32_t j) const;
  // C_{i,k} = g^a_{i,k}, k = 0 .. t-1.
  std::vector<Point> commitments() const;
  // The proof for C_{i,0}, for trustee `index` of election `election_id`.
  PokProof prove_knowledge(std::string_view election_id, uint32_t index, ScalarSource& rng) const;

 private:
  explicit TrusteePolynomial(std::vector<Scalar> a) : a_(std::move(a)) {}
  std::vector<Scalar> a_;
};

// a = g^w, c = challenge(H("isoloir/1/pok", election id, "<i>", C_{i,0}, a)),
// s = w + c * secret, where commitment = g^secret.
PokProof prove_pok(std::string_view election_id, uint32_t index, const Scalar& secret,
                   const Point& commitment, ScalarSource& rng);
// Recomputes a = g^s * C_{i,0}^(-c) and the challenge: "bad_pok" otherwise.
Status verify_pok(std::string_view election_id, uint32_t index, const Point& commitment,
                  const PokProof& proof);

// Π_k C_k^(j^k): what g^f(j) must be for the polynomial committed to.
Point feldman_image(std::span<const Point> commitments, uint32_t j);
// Trustee j's check of the share f_i(j) it opened: "bad_share" otherwise.
Status verify_share(std::span<const Point> commitments, uint32_t j, const Scalar& share);
// h_j = Π_i Π_k C_{i,k}^(j^k), over every trustee's commitments.
Point verification_key(std::span<const std::vector<Point>> commitments, uint32_t j);
// h = Π_i C_{i,0}.
Point election_key(std::span<const std::vector<Point>> commitments);
// x_j = Σ_i f_i(j), from the shares trustee j received and the one it kept.
Scalar key_share(std::span<const Scalar> shares);

// A trustee's X25519 key pair for receiving shares. Not copyable; wiped on destruction.
class BoxKeyPair {
 public:
  static constexpr size_t kBytes = 32;
  using Key = std::array<uint8_t, kBytes>;

  static BoxKeyPair generate();
  // From a stored secret key (the public key is derived from it).
  static BoxKeyPair from_secret(const Key& secret_key);

  BoxKeyPair(BoxKeyPair&& other) noexcept = default;
  BoxKeyPair& operator=(BoxKeyPair&& other) noexcept = default;
  BoxKeyPair(const BoxKeyPair&) = delete;
  BoxKeyPair& operator=(const BoxKeyPair&) = delete;
  ~BoxKeyPair() = default;

  const Key& public_key() const { return pk_; }
  const Key& secret_key() const { return sk_.array(); }

 private:
  BoxKeyPair() = default;
  Key pk_{};
  SecretBytes<kBytes> sk_;
};

// crypto_box_seal of the 32-byte little-endian share to the recipient's box
// key; the result is 80 bytes. Refuses a key libsodium cannot seal to
// ("bad_box_key").
Result<Bytes> seal_share(const Scalar& share, const BoxKeyPair::Key& recipient_box_key);
// Opens a share sealed to `recipient`: "bad_length" for a wrong size,
// "bad_sealed_share" if it does not open, "non_canonical_scalar".
Result<Scalar> open_share(ByteView sealed, const BoxKeyPair& recipient);

// The most trustees a key ceremony takes (French elections have at most 15).
inline constexpr uint32_t kMaxCeremonyTrustees = 64;

// trustees.json (vectors/README.md).
struct TrusteeInfo {
  uint32_t index = 0;  // 1..n
  std::string name;
  BoxKeyPair::Key box_key{};
  std::vector<Point> commitments;  // C_{index,0} .. C_{index,t-1}
  PokProof pok;
  Point verification_key;  // h_index
};

struct SealedShare {
  uint32_t from = 0;
  uint32_t to = 0;
  Bytes sealed;  // crypto_box_seal of f_from(to)
};

struct Trustees {
  std::string election_id;
  uint32_t threshold = 0;
  Point public_key;                   // h
  std::vector<TrusteeInfo> trustees;  // in index order, 1..n
  std::vector<SealedShare> shares;    // n(n-1), one per ordered pair

  // The trustee with this index, or nullptr.
  const TrusteeInfo* find(uint32_t index) const;
  // Every trustee's commitments, in index order.
  std::vector<std::vector<Point>> all_commitments() const;
};

// Reads the structure: exactly the format's keys, version "isoloir/1"
// ("wrong_version"), kind "trustees" ("wrong_kind"), indices 1..n in order,
// 1 <= threshold <= n with t commitments each, n(n-1) sealed shares of 80
// bytes for distinct ordered pairs; every point and scalar strictly decoded.
// Reasons: "malformed" and those of the decoders.
Result<Trustees> parse_trustees(const Json& doc);
// The cryptographic checks, in this order: every PoK ("bad_pok"), every
// verification key ("bad_verification_key"), the election key
// ("bad_public_key").
Status verify_trustees(const Trustees& trustees);
// parse_trustees then verify_trustees.
Result<Trustees> load_trustees(const Json& doc);
// The document parse_trustees reads; serialise with canonical_dump.
Json trustees_to_json(const Trustees& trustees);

}  // namespace isoloir

#endif  // ISOLOIR_TRUSTEES_H_

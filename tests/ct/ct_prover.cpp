// The prover must not branch on, or index memory by, the vote (PROTOCOL.md
// section 1). In the manner of Adam Langley's ctgrind, this marks the vote as
// undefined memory for valgrind's memcheck, which then reports every
// conditional jump and every memory address that depends on it: run it as
// `valgrind --error-exitcode=1 ct_prover` (the ctest `ct_prover` does).
//
// Secret here: the real branch of a disjunctive proof, and the contents of
// the chosen option ids given to create_ballot (hence the 0/1 marks, the
// per-option real branches and the sum proof's real branch); and the seed of
// a signing key, whose key derivation and signing are ours (src/ed25519.cpp).
// Public: what the
// ballot publishes (ciphertexts, proofs), so outputs are marked defined again
// before they are checked; the library does the same for the values it
// publishes when built with ISOLOIR_CT_VALGRIND (src/ct_declassify.h).
//
// Without valgrind it still runs and checks that every proof verifies, which
// proves nothing about timing.
#include <sodium.h>
#include <valgrind/memcheck.h>

#include <cstdio>
#include <span>
#include <string>
#include <vector>

#include "isoloir/ballot.h"
#include "isoloir/manifest.h"
#include "isoloir/proof.h"
#include "isoloir/random.h"
#include "isoloir/signature.h"
#include "vectors.h"

namespace isoloir {
namespace {

int failures = 0;

void expect(bool ok, const std::string& what) {
  if (!ok) {
    std::fprintf(stderr, "FAIL: %s\n", what.c_str());
    ++failures;
  }
}

template <class T>
void make_secret(T& v) {
  VALGRIND_MAKE_MEM_UNDEFINED(&v, sizeof v);
}

void make_public(const void* p, size_t n) {
  VALGRIND_MAKE_MEM_DEFINED(p, n);
}

Manifest load_manifest(const std::string& file) {
  const auto doc = test::load_vector(file);
  Result<Manifest> m = parse_manifest(doc.at("manifest_canonical").get<std::string>());
  if (!m) {
    std::fprintf(stderr, "%s: manifest does not parse\n", file.c_str());
    std::exit(2);
  }
  return std::move(*m);
}

// prove_disjunctive alone, with only the real index secret: the ciphertext
// is built here, in the clear, so any report comes from the prover itself.
void check_prove(const Manifest& m, std::span<const int64_t> values) {
  const PublicKey credential{};
  for (size_t k = 0; k < values.size(); ++k) {
    const Scalar r = random_scalar();
    const Point alpha = Point::base_mul(r);
    const Point beta =
        Point::base_mul(Scalar::from_u64(static_cast<uint64_t>(values[k]))) + m.public_key.mul(r);
    const ProofContext ctx{m.hash, "ct", credential, "option:0"};
    size_t real = k;
    make_secret(real);
    SystemScalarSource rng;
    const DisjunctiveProof proof =
        prove_disjunctive(ctx, m.public_key_table->get(), alpha, beta, r, values, real, rng);
    // The proof is published: its scalars are public from here on.
    for (const ProofBranch& br : proof) {
      make_public(br.c.bytes().data(), Scalar::kBytes);
      make_public(br.s.bytes().data(), Scalar::kBytes);
    }
    expect(verify_disjunctive(ctx, m.public_key_table->get(), alpha, beta, values, proof),
           "proof of branch " + std::to_string(k) + " of " + std::to_string(values.size()) +
               " verifies");
  }
}

// create_ballot, with the contents of the chosen ids secret. Their number and
// lengths are not: the caller's list carries them (docs/protocol-notes.md).
void check_ballot(const Manifest& m, const std::string& scrutin, std::vector<std::string> choice) {
  std::string what = "ballot " + scrutin + " [";
  for (const auto& id : choice) what += " " + id;
  what += " ]";
  for (auto& id : choice) VALGRIND_MAKE_MEM_UNDEFINED(id.data(), id.size());
  std::array<uint8_t, SigningKey::kSeedBytes> seed{};
  seed[0] = 1;
  const SigningKey key = SigningKey::from_seed(seed);
  SystemScalarSource rng;
  Result<CreatedBallot> b = create_ballot(m, scrutin, choice, key, rng);
  if (!b) {
    expect(false, what + " is created: " + b.error().reason);
    return;
  }
  // The ballot is published whole.
  make_public(b->bytes.data(), b->bytes.size());
  Result<VerifiedBallot> v = verify_ballot(m, b->bytes);
  expect(v.ok(), what + " verifies");
}

// Ed25519 key derivation and signing (src/ed25519.cpp), with the seed
// secret: the public key and the signature are published, nothing else.
void check_signing() {
  std::array<uint8_t, SigningKey::kSeedBytes> seed{};
  randombytes_buf(seed.data(), seed.size());
  make_secret(seed);
  const SigningKey key = SigningKey::from_seed(seed);
  make_public(key.public_key().data(), key.public_key().size());
  const Bytes message = {'c', 't'};
  SignatureBytes sig = key.sign("isoloir/1/ct", message);
  make_public(sig.data(), sig.size());
  expect(verify_signature("isoloir/1/ct", message, sig, key.public_key()),
         "a signature made with a secret seed verifies");
}

}  // namespace
}  // namespace isoloir

int main() {
  using namespace isoloir;
  ensure_sodium();
  if (RUNNING_ON_VALGRIND == 0) {
    std::fprintf(stderr, "ct_prover: not under valgrind, checking results only\n");
  }
  const Manifest men = load_manifest("manifest.json");
  const Manifest minmax = load_manifest("ballots_minmax.json");

  constexpr int64_t kBits[] = {0, 1};
  constexpr int64_t kSums[] = {0, 1, 2};
  check_prove(men, kBits);
  check_prove(men, kSums);

  // The smallest scrutin of the vectors' election (9 options, min = max = 1),
  // and the 4-option min 0 / max 2 one: blank, one and two choices, so the
  // sum proof's real branch is 0, 1 and 2.
  check_ballot(men, "csa-academique", {"cgt"});
  check_ballot(minmax, "consultation", {});
  check_ballot(minmax, "consultation", {"q3"});
  check_ballot(minmax, "consultation", {"q2", "q4"});

  check_signing();

  if (failures != 0) return 1;
  std::printf("ct_prover: ok\n");
  return 0;
}

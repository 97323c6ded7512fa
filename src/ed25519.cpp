#include "ed25519.h"

#include <sodium.h>

#include <cstring>

#include "ge25519.h"
#include "isoloir/point.h"
#include "isoloir/scalar.h"

namespace isoloir::internal {
namespace {

// RFC 8032's clamping of the secret scalar (libsodium's _crypto_sign_ed25519_clamp).
void clamp(unsigned char* a) {
  a[0] &= 248;
  a[31] &= 127;
  a[31] |= 64;
}

// s mod l from 32 little-endian bytes (a clamped scalar is up to 2^255).
Scalar reduced(const unsigned char* s32) {
  std::array<uint8_t, 64> wide{};
  std::memcpy(wide.data(), s32, 32);
  Scalar s = Scalar::reduce(wide);
  sodium_memzero(wide.data(), wide.size());
  return s;
}

// The Edwards encoding of s * B, in constant time. s * B is the same point
// for s and s mod l: B has order l.
void base_mul_edwards(unsigned char* out, const Scalar& s) {
  const ge25519_p3 p = PointAccess::p3(Point::base_mul(s));
  ge25519_p3_tobytes(out, &p);
}

}  // namespace

// libsodium's crypto_sign_ed25519_seed_keypair, step for step.
void ed25519_seed_keypair(std::span<uint8_t, 32> pk, std::span<uint8_t, 64> sk,
                          const std::array<uint8_t, 32>& seed) {
  unsigned char az[64];
  crypto_hash_sha512(az, seed.data(), seed.size());
  clamp(az);
  base_mul_edwards(pk.data(), reduced(az));
  sodium_memzero(az, sizeof az);
  std::memcpy(sk.data(), seed.data(), 32);
  std::memcpy(sk.data() + 32, pk.data(), 32);
}

// libsodium's _crypto_sign_ed25519_detached (deterministic, not prehashed),
// step for step.
std::array<uint8_t, 64> ed25519_sign(ByteView message, const std::array<uint8_t, 64>& sk) {
  std::array<uint8_t, 64> sig{};
  unsigned char az[64];
  unsigned char nonce[64];
  unsigned char hram[64];
  crypto_hash_sha512(az, sk.data(), 32);

  crypto_hash_sha512_state hs;
  crypto_hash_sha512_init(&hs);
  crypto_hash_sha512_update(&hs, az + 32, 32);
  crypto_hash_sha512_update(&hs, message.data(), message.size());
  crypto_hash_sha512_final(&hs, nonce);

  std::memcpy(sig.data() + 32, sk.data() + 32, 32);
  sc25519_reduce(nonce);
  base_mul_edwards(sig.data(), reduced(nonce));

  crypto_hash_sha512_init(&hs);
  crypto_hash_sha512_update(&hs, sig.data(), 64);
  crypto_hash_sha512_update(&hs, message.data(), message.size());
  crypto_hash_sha512_final(&hs, hram);

  sc25519_reduce(hram);
  clamp(az);
  sc25519_muladd(sig.data() + 32, hram, az, nonce);

  sodium_memzero(az, sizeof az);
  sodium_memzero(nonce, sizeof nonce);
  sodium_memzero(&hs, sizeof hs);
  return sig;
}

}  // namespace isoloir::internal

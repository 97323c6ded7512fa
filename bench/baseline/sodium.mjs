// The baseline's group backend on libsodium.js (libsodium-wrappers-sumo, the
// sumo build: the plain one has no ristretto255). Points and scalars are the
// 32-byte strings libsodium takes and returns; every call decodes and encodes
// them, as a web developer calling the wrappers gets.
import sodium from 'libsodium-wrappers-sumo';
import { makeBaseline } from './protocol.mjs';

const IDENTITY = new Uint8Array(32);
const isZero = (bytes) => bytes.every((b) => b === 0);

function equal(a, b) {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

function backend(s) {
  return {
    name: `libsodium.js ${s.SODIUM_VERSION_STRING}`,
    sha256: (bytes) => s.crypto_hash_sha256(bytes),
    sha512: (bytes) => s.crypto_hash_sha512(bytes),

    // Canonical (< l) when reducing it zero-padded to 64 bytes changes nothing.
    scalarFromBytes(bytes) {
      const wide = new Uint8Array(64);
      wide.set(bytes);
      return equal(s.crypto_core_ristretto255_scalar_reduce(wide), bytes) ? bytes : null;
    },
    scalarToBytes: (k) => k,
    scalarReduce64: (bytes) => s.crypto_core_ristretto255_scalar_reduce(bytes),
    scalarAdd: (a, b) => s.crypto_core_ristretto255_scalar_add(a, b),
    scalarSub: (a, b) => s.crypto_core_ristretto255_scalar_sub(a, b),
    scalarMul: (a, b) => s.crypto_core_ristretto255_scalar_mul(a, b),
    scalarNeg: (a) => s.crypto_core_ristretto255_scalar_negate(a),
    scalarIsZero: isZero,
    scalarEq: equal,
    scalarSmall(v) {
      const out = new Uint8Array(32);
      new DataView(out.buffer).setBigUint64(0, BigInt(v), true);
      return out;
    },

    pointFromBytes: (bytes) => (s.crypto_core_ristretto255_is_valid_point(bytes) ? bytes : null),
    pointToBytes: (p) => p,
    // libsodium refuses a zero scalar and an identity result (it returns -1,
    // the wrappers throw): in a prime-order group the result is the identity
    // exactly when the scalar is 0 or the point is the identity.
    baseMul: (k) => (isZero(k) ? IDENTITY : s.crypto_scalarmult_ristretto255_base(k)),
    mul: (p, k) => (isZero(k) || isZero(p) ? IDENTITY : s.crypto_scalarmult_ristretto255(k, p)),
    mulPublic: (p, k) => (isZero(k) || isZero(p) ? IDENTITY : s.crypto_scalarmult_ristretto255(k, p)),
    add: (p, q) => s.crypto_core_ristretto255_add(p, q),
    sub: (p, q) => s.crypto_core_ristretto255_sub(p, q),

    signKeypair(seed) {
      const { publicKey, privateKey } = s.crypto_sign_seed_keypair(seed);
      return { publicKey, secretKey: privateKey };
    },
    sign: (message, secretKey) => s.crypto_sign_detached(message, secretKey),
    verify: (signature, message, publicKey) => s.crypto_sign_verify_detached(signature, message, publicKey),
  };
}

/** Resolves to {name, createBallot, verifyBallot, ...} once libsodium's module is ready. */
export async function loadSodiumBaseline() {
  await sodium.ready;
  return makeBaseline(backend(sodium));
}

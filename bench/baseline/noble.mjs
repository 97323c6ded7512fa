// The baseline's group backend on noble-curves (@noble/curves, pure
// JavaScript, BigInt field arithmetic) with its sister @noble/hashes for
// SHA-2. Points are ristretto255.Point objects, encoded only when hashed or
// written; scalars are BigInts below l.
import { ed25519, ristretto255 } from '@noble/curves/ed25519.js';
import { bytesToNumberLE, numberToBytesLE } from '@noble/curves/utils.js';
import { sha256, sha512 } from '@noble/hashes/sha2.js';
import { makeBaseline } from './protocol.mjs';

const Point = ristretto255.Point;
const Fn = Point.Fn;

function backend() {
  return {
    name: 'noble-curves',
    sha256: (bytes) => sha256(bytes),
    sha512: (bytes) => sha512(bytes),

    scalarFromBytes(bytes) {
      const k = bytesToNumberLE(bytes);
      return k < Fn.ORDER ? k : null;
    },
    scalarToBytes: (k) => numberToBytesLE(k, 32),
    scalarReduce64: (bytes) => Fn.create(bytesToNumberLE(bytes)),
    scalarAdd: (a, b) => Fn.add(a, b),
    scalarSub: (a, b) => Fn.sub(a, b),
    scalarMul: (a, b) => Fn.mul(a, b),
    scalarNeg: (a) => Fn.neg(a),
    scalarIsZero: (a) => a === 0n,
    scalarEq: (a, b) => a === b,
    scalarSmall: (v) => BigInt(v),

    pointFromBytes(bytes) {
      try {
        return Point.fromBytes(bytes);
      } catch {
        return null; // not a canonical ristretto255 encoding
      }
    },
    pointToBytes: (p) => p.toBytes(),
    // noble's constant-time multiply refuses 0 (it would be the identity);
    // multiplyUnsafe, its variable-time twin for public data, takes it.
    baseMul: (k) => (k === 0n ? Point.ZERO : Point.BASE.multiply(k)),
    mul: (p, k) => (k === 0n ? Point.ZERO : p.multiply(k)),
    mulPublic: (p, k) => p.multiplyUnsafe(k),
    add: (p, q) => p.add(q),
    sub: (p, q) => p.subtract(q),

    signKeypair: (seed) => ({ publicKey: ed25519.getPublicKey(seed), secretKey: seed }),
    sign: (message, secretKey) => ed25519.sign(message, secretKey),
    // zip215: false is RFC 8032's strict decoding with small-order keys
    // refused, the closest to libsodium's rules that section 1 asks for.
    verify: (signature, message, publicKey) => ed25519.verify(signature, message, publicKey, { zip215: false }),
  };
}

/** Resolves to {name, createBallot, verifyBallot, ...} (async like the others, though nothing loads). */
export async function loadNobleBaseline() {
  return makeBaseline(backend());
}

/*
 * The operations libsodium keeps static in its ed25519_ref10.c, reached
 * through src/ge25519_ref10.c (which says how). C declarations, over
 * libsodium's own types: include sodium/private/ed25519_ref10.h first
 * (src/ge25519.h does).
 */
#ifndef ISOLOIR_SRC_GE25519_REF10_H_
#define ISOLOIR_SRC_GE25519_REF10_H_

/* r = 2p, from projective coordinates (libsodium's multiplications' doubling). */
void isoloir_ge25519_p2_dbl(ge25519_p1p1* r, const ge25519_p2* p);
/* q = 2^n q, n >= 1: n of libsodium's doublings, projective in between. */
void isoloir_ge25519_p3_dbl_times(ge25519_p3* q, unsigned n);
/* r = 2p, from extended coordinates. */
void isoloir_ge25519_p3_dbl(ge25519_p1p1* r, const ge25519_p3* p);
/* The same point in projective coordinates (T dropped). */
void isoloir_ge25519_p3_to_p2(ge25519_p2* r, const ge25519_p3* p);
/* t = t + q (t - q if subtract), in place: libsodium's ge25519_add or
 * ge25519_sub after its ge25519_p1p1_to_p3. */
void isoloir_ge25519_p1p1_add(ge25519_p1p1* t, const ge25519_cached* q, int subtract);
/* acc = acc + q (libsodium's ge25519_add and ge25519_p1p1_to_p3). */
void isoloir_ge25519_add_p3(ge25519_p3* acc, const ge25519_cached* q);
/* r = p + q in libsodium's cached form (ge25519_add, ge25519_p1p1_to_p3,
 * ge25519_p3_to_cached). */
void isoloir_ge25519_add_cached(ge25519_cached* r, const ge25519_p3* p, const ge25519_cached* q);
/* libsodium's ge25519_p1p1_to_p2 and ge25519_p1p1_to_p3, inlined. */
void isoloir_ge25519_p1p1_to_p2(ge25519_p2* r, const ge25519_p1p1* p);
void isoloir_ge25519_p1p1_to_p3(ge25519_p3* r, const ge25519_p1p1* p);
/* libsodium's affine form of p (one field inversion), for the tables below. */
void isoloir_ge25519_p3_to_precomp(ge25519_precomp* r, const ge25519_p3* p);
/* h = a * P in constant time, a < 2^255, table[i][j] = (j + 1) * 256^i * P:
 * libsodium's ge25519_scalarmult_base over a table given. */
void isoloir_ge25519_scalarmult_precomp(ge25519_p3* h, const unsigned char* a,
                                        const ge25519_precomp table[32][8]);
/* libsodium's ristretto255 decoding (0, or -1 for a non-canonical or invalid
 * encoding) and encoding, inlined: a sixth of a ballot's verification. */
int isoloir_ristretto255_frombytes(ge25519_p3* h, const unsigned char* s);
void isoloir_ristretto255_p3_tobytes(unsigned char* s, const ge25519_p3* h);

#endif /* ISOLOIR_SRC_GE25519_REF10_H_ */

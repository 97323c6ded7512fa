/*
 * libsodium's own group operations, compiled once more, to reach the ones it
 * keeps static (issue 11): the p2 doubling its multiplications use (a quarter
 * cheaper than a doubling through ge25519_add), and the affine form, mixed
 * addition and constant-time pick (ge25519_p3_to_precomp, ge25519_madd,
 * ge25519_cmov8) of its multiplication by a fixed base.
 *
 * The source is libsodium's crypto_core/ed25519/ref10/ed25519_ref10.c from
 * Debian's source package of the linked libsodium, the same bytes libsodium.a
 * and our wasm libsodium are built from (scripts/libsodium-private.sh caches
 * it). Nothing below is arithmetic of ours: every wrapper calls one of
 * libsodium's functions.
 *
 * Every global of the file is renamed, so that this copy never clashes with
 * libsodium's (which the rest of the core and libsodium itself keep using):
 * a name left out here would be defined twice at link time, an error, never
 * a silent mix. Only what the wrappers reach stays in a linked binary (the
 * wasm linker and --gc-sections drop the rest, the base tables included).
 */
#define fe25519_frombytes isoloir_ref10_fe25519_frombytes
#define fe25519_invert isoloir_ref10_fe25519_invert
#define fe25519_tobytes isoloir_ref10_fe25519_tobytes
#define ge25519_add isoloir_ref10_ge25519_add
#define ge25519_double_scalarmult_vartime isoloir_ref10_ge25519_double_scalarmult_vartime
#define ge25519_from_hash isoloir_ref10_ge25519_from_hash
#define ge25519_from_uniform isoloir_ref10_ge25519_from_uniform
#define ge25519_frombytes isoloir_ref10_ge25519_frombytes
#define ge25519_frombytes_negate_vartime isoloir_ref10_ge25519_frombytes_negate_vartime
#define ge25519_has_small_order isoloir_ref10_ge25519_has_small_order
#define ge25519_is_canonical isoloir_ref10_ge25519_is_canonical
#define ge25519_is_on_curve isoloir_ref10_ge25519_is_on_curve
#define ge25519_is_on_main_subgroup isoloir_ref10_ge25519_is_on_main_subgroup
#define ge25519_p1p1_to_p2 isoloir_ref10_ge25519_p1p1_to_p2
#define ge25519_p1p1_to_p3 isoloir_ref10_ge25519_p1p1_to_p3
#define ge25519_p3_to_cached isoloir_ref10_ge25519_p3_to_cached
#define ge25519_p3_tobytes isoloir_ref10_ge25519_p3_tobytes
#define ge25519_scalarmult isoloir_ref10_ge25519_scalarmult
#define ge25519_scalarmult_base isoloir_ref10_ge25519_scalarmult_base
#define ge25519_sub isoloir_ref10_ge25519_sub
#define ge25519_tobytes isoloir_ref10_ge25519_tobytes
#define ristretto255_from_hash isoloir_ref10_ristretto255_from_hash
#define ristretto255_frombytes isoloir_ref10_ristretto255_frombytes
#define ristretto255_p3_tobytes isoloir_ref10_ristretto255_p3_tobytes
#define sc25519_invert isoloir_ref10_sc25519_invert
#define sc25519_is_canonical isoloir_ref10_sc25519_is_canonical
#define sc25519_mul isoloir_ref10_sc25519_mul
#define sc25519_muladd isoloir_ref10_sc25519_muladd
#define sc25519_reduce isoloir_ref10_sc25519_reduce

#include "ge25519_layout.h"

#include "ref10/ed25519_ref10.c"

#include "ge25519_ref10.h"

/* flatten: libsodium's field operations are static inline functions that the
 * compiler leaves as calls inside these (two dozen per point operation);
 * inlined, a verification took 8 % less time natively (bench/ballot_bench). */
#define ISOLOIR_FLAT __attribute__((flatten))

ISOLOIR_FLAT void isoloir_ge25519_p2_dbl(ge25519_p1p1 *r, const ge25519_p2 *p) {
  ge25519_p2_dbl(r, p);
}

ISOLOIR_FLAT void isoloir_ge25519_p3_dbl_times(ge25519_p3 *q, unsigned n) {
  ge25519_p1p1 t;
  ge25519_p2 r;
  unsigned i;

  ge25519_p3_to_p2(&r, q);
  for (i = 1; i < n; i++) {
    ge25519_p2_dbl(&t, &r);
    ge25519_p1p1_to_p2(&r, &t);
  }
  ge25519_p2_dbl(&t, &r);
  ge25519_p1p1_to_p3(q, &t);
}

ISOLOIR_FLAT void isoloir_ge25519_p3_dbl(ge25519_p1p1 *r, const ge25519_p3 *p) {
  ge25519_p3_dbl(r, p);
}

ISOLOIR_FLAT void isoloir_ge25519_p3_to_p2(ge25519_p2 *r, const ge25519_p3 *p) {
  ge25519_p3_to_p2(r, p);
}

ISOLOIR_FLAT void isoloir_ge25519_p1p1_add(ge25519_p1p1 *t, const ge25519_cached *q,
                                           int subtract) {
  ge25519_p3 u;
  ge25519_p1p1_to_p3(&u, t);
  if (subtract) {
    ge25519_sub(t, &u, q);
  } else {
    ge25519_add(t, &u, q);
  }
}

ISOLOIR_FLAT void isoloir_ge25519_add_p3(ge25519_p3 *acc, const ge25519_cached *q) {
  ge25519_p1p1 t;
  ge25519_add(&t, acc, q);
  ge25519_p1p1_to_p3(acc, &t);
}

ISOLOIR_FLAT void isoloir_ge25519_add_cached(ge25519_cached *r, const ge25519_p3 *p,
                                             const ge25519_cached *q) {
  ge25519_p1p1 t;
  ge25519_p3 u;
  ge25519_add(&t, p, q);
  ge25519_p1p1_to_p3(&u, &t);
  ge25519_p3_to_cached(r, &u);
}

ISOLOIR_FLAT void isoloir_ge25519_p1p1_to_p2(ge25519_p2 *r, const ge25519_p1p1 *p) {
  ge25519_p1p1_to_p2(r, p);
}

ISOLOIR_FLAT void isoloir_ge25519_p1p1_to_p3(ge25519_p3 *r, const ge25519_p1p1 *p) {
  ge25519_p1p1_to_p3(r, p);
}

ISOLOIR_FLAT int isoloir_ristretto255_frombytes(ge25519_p3 *h, const unsigned char *s) {
  return ristretto255_frombytes(h, s);
}

ISOLOIR_FLAT void isoloir_ristretto255_p3_tobytes(unsigned char *s, const ge25519_p3 *h) {
  ristretto255_p3_tobytes(s, h);
}

ISOLOIR_FLAT void isoloir_ge25519_p3_to_precomp(ge25519_precomp *r, const ge25519_p3 *p) {
  ge25519_p3_to_precomp(r, p);
}

/* libsodium's ge25519_scalarmult_base, line for line, with the multiples read
 * from `table` instead of its own table of B (ge25519_cmov8_base is
 * ge25519_cmov8 over base[pos]).
 *
 * Not flattened in the SIMD module: clang 14 with -msimd128 built the
 * flattened function wrong, whatever the vectorizers' setting (a multiple
 * with a negative digit came out as another point; the booth's tests caught
 * it, their ballots failing to decode). Left to clang's own inlining it is
 * right there; natively flattening makes a ballot 15 % faster to create. */
#ifdef __wasm_simd128__
#define ISOLOIR_FLAT_TABLE
#else
#define ISOLOIR_FLAT_TABLE ISOLOIR_FLAT
#endif
ISOLOIR_FLAT_TABLE void isoloir_ge25519_scalarmult_precomp(ge25519_p3 *h, const unsigned char *a,
                                                    const ge25519_precomp table[32][8]) {
  signed char e[64];
  signed char carry;
  ge25519_p1p1 r;
  ge25519_p2 s;
  ge25519_precomp t;
  int i;

  for (i = 0; i < 32; ++i) {
    e[2 * i + 0] = (a[i] >> 0) & 15;
    e[2 * i + 1] = (a[i] >> 4) & 15;
  }
  carry = 0;
  for (i = 0; i < 63; ++i) {
    e[i] += carry;
    carry = e[i] + 8;
    carry >>= 4;
    e[i] -= carry * ((signed char)1 << 4);
  }
  e[63] += carry;

  ge25519_p3_0(h);
  for (i = 1; i < 64; i += 2) {
    ge25519_cmov8(&t, table[i / 2], e[i]);
    ge25519_madd(&r, h, &t);
    ge25519_p1p1_to_p3(h, &r);
  }
  ge25519_p3_dbl(&r, h);
  ge25519_p1p1_to_p2(&s, &r);
  ge25519_p2_dbl(&r, &s);
  ge25519_p1p1_to_p2(&s, &r);
  ge25519_p2_dbl(&r, &s);
  ge25519_p1p1_to_p2(&s, &r);
  ge25519_p2_dbl(&r, &s);
  ge25519_p1p1_to_p3(h, &r);
  for (i = 0; i < 64; i += 2) {
    ge25519_cmov8(&t, table[i / 2], e[i]);
    ge25519_madd(&r, h, &t);
    ge25519_p1p1_to_p3(h, &r);
  }
  /* Not in libsodium's: the digits and the last pick are the scalar's. */
  sodium_memzero(e, sizeof e);
  sodium_memzero(&t, sizeof t);
}

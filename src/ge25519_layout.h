/*
 * How libsodium's private headers must be read to match the linked library,
 * for C++ (src/ge25519.h) and C (src/ge25519_ref10.c) alike.
 */
#ifndef ISOLOIR_SRC_GE25519_LAYOUT_H_
#define ISOLOIR_SRC_GE25519_LAYOUT_H_

/* The field element's layout must be the library's: 64-bit limbs where
 * libsodium was built with 128-bit multiplication (Debian's amd64 build),
 * 32-bit limbs in our wasm32 build (no __multi3 in it). The point types are
 * 160 bytes either way (static_assert in src/ge25519.h). */
#if defined(__SIZEOF_INT128__) && !defined(__EMSCRIPTEN__) && !defined(HAVE_TI_MODE)
#define HAVE_TI_MODE 1
#endif

/* As libsodium's own build defines it (private/common.h warns otherwise). */
#ifndef CONFIGURED
#define CONFIGURED 1
#endif

#endif /* ISOLOIR_SRC_GE25519_LAYOUT_H_ */

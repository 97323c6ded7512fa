// Internal to the core (not installed): marks values computed from the vote as
// public at the point where the protocol publishes them (a ciphertext, a
// proof, the fact that a choice is refused).
//
// Only the constant-time test uses it (tests/ct, docs/protocol-notes.md): it
// builds the core a second time with ISOLOIR_CT_VALGRIND, where this tells
// valgrind's memcheck that the bytes no longer carry the secret, so that it
// reports only what really depends on the vote. In the shipped build it
// compiles to nothing.
#ifndef ISOLOIR_SRC_DECLASSIFY_H_
#define ISOLOIR_SRC_DECLASSIFY_H_

#include <cstddef>

#ifdef ISOLOIR_CT_VALGRIND
#include <valgrind/memcheck.h>
#endif

namespace isoloir::internal {

template <class T>
inline void declassify([[maybe_unused]] const T& value) {
#ifdef ISOLOIR_CT_VALGRIND
  (void)VALGRIND_MAKE_MEM_DEFINED(&value, sizeof value);
#endif
}

}  // namespace isoloir::internal

#endif  // ISOLOIR_SRC_DECLASSIFY_H_

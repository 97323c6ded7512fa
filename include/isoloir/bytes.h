// Byte strings and their strict base64url text form (RFC 4648 section 5,
// without padding), as PROTOCOL.md section 1 fixes it.
#ifndef ISOLOIR_BYTES_H_
#define ISOLOIR_BYTES_H_

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "isoloir/result.h"

namespace isoloir {

using Bytes = std::vector<uint8_t>;
using ByteView = std::span<const uint8_t>;
using Digest32 = std::array<uint8_t, 32>;

inline ByteView as_bytes(std::string_view s) {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

std::string base64url_encode(ByteView bytes);

// Refuses padding, whitespace, characters outside the alphabet, impossible
// lengths and non-zero unused trailing bits, with reason "bad_base64".
Result<Bytes> base64url_decode(std::string_view text);

// Decodes exactly N bytes; a well-formed string of another length gives
// "bad_length". `field` names the field in the error detail.
template <size_t N>
Result<std::array<uint8_t, N>> base64url_decode_fixed(std::string_view text,
                                                      std::string_view field) {
  Result<Bytes> raw = base64url_decode(text);
  if (!raw) return fail(raw.error().reason, std::string(field));
  if (raw->size() != N) {
    return fail("bad_length", std::string(field) + ": expected " + std::to_string(N) +
                                  " bytes, got " + std::to_string(raw->size()));
  }
  std::array<uint8_t, N> out{};
  std::copy(raw->begin(), raw->end(), out.begin());
  return out;
}

std::string hex_encode(ByteView bytes);
Result<Bytes> hex_decode(std::string_view text);

// Constant-time equality for secrets and MACs (sodium_memcmp).
bool equal_ct(ByteView a, ByteView b);

}  // namespace isoloir

#endif  // ISOLOIR_BYTES_H_

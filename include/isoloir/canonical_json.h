// Canonical JSON (PROTOCOL.md section 1) on nlohmann/json: UTF-8, keys sorted
// by byte value and ASCII only, no whitespace, integers within +-(2^53 - 1)
// only, RFC 8785 string escapes. Every signed or hashed document goes through
// here, so a receiver and a sender always agree on the bytes.
//
// nlohmann/json is used without exceptions (they abort under WebAssembly):
// parsing goes through a SAX handler that reports errors as values, and the
// accessors below never throw.
#ifndef ISOLOIR_CANONICAL_JSON_H_
#define ISOLOIR_CANONICAL_JSON_H_

#include <nlohmann/json.hpp>

#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>

#include "isoloir/result.h"

namespace isoloir {

using Json = nlohmann::json;

// Bounds on what any outside document may cost, checked while parsing and
// before anything walks the tree (canonical_dump and the format checks
// recurse once per level). The protocol's deepest document, a ballot,
// nests 5 levels; its largest, a record file, is far under 256 MiB.
inline constexpr size_t kMaxJsonDepth = 64;
inline constexpr size_t kMaxJsonBytes = size_t{256} << 20;

// Parses any JSON text that has a canonical form: refuses invalid JSON,
// invalid UTF-8, lone surrogates, duplicate keys, non-ASCII keys, fractions,
// exponents and integers out of range, a raw NUL byte anywhere (nlohmann's
// lexer would take it for the end of the input and ignore what follows),
// nesting deeper than kMaxJsonDepth and texts over kMaxJsonBytes, all with
// reason "non_canonical_json" and a detail saying which. Whitespace and key
// order are free here.
Result<Json> parse_json(std::string_view text);

// Parses bytes that must already be canonical: parse_json, re-serialise and
// compare byte for byte ("non_canonical_json" otherwise).
Result<Json> parse_canonical(std::string_view bytes);

// The canonical bytes of a value built by parse_json or by code (which must
// keep to integers and ASCII keys; anything else is a programming error).
std::string canonical_dump(const Json& value);

// Field access without exceptions: each returns "malformed" naming `field`
// when the key is missing or of the wrong type.
Result<std::string> get_string(const Json& obj, std::string_view key, std::string_view field);
Result<int64_t> get_int(const Json& obj, std::string_view key, std::string_view field);
Result<bool> get_bool(const Json& obj, std::string_view key, std::string_view field);
// The member itself (any type), or "malformed".
Result<const Json*> get_member(const Json& obj, std::string_view key, std::string_view field);

// "malformed" unless `obj` is an object with exactly `keys` (PROTOCOL.md:
// an unknown or a missing key is refused).
Status require_keys(const Json& obj, std::initializer_list<std::string_view> keys,
                    std::string_view field);

}  // namespace isoloir

#endif  // ISOLOIR_CANONICAL_JSON_H_

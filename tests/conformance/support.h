// Small helpers shared by the conformance check files. They read test data
// that is known to be well formed; a malformed vector file yields a failing
// CaseResult, never an exception (this code also runs as WebAssembly).
#ifndef ISOLOIR_TESTS_CONFORMANCE_SUPPORT_H_
#define ISOLOIR_TESTS_CONFORMANCE_SUPPORT_H_

#include <cstdint>
#include <string>

#include "conformance.h"
#include "isoloir/canonical_json.h"

namespace isoloir::conformance {

// The vector file parsed leniently (it is pretty-printed), or null JSON.
inline Json load(const Files& files, const std::string& name) {
  auto it = files.find(name);
  if (it == files.end()) return Json();
  auto r = parse_json(it->second);
  return r ? std::move(*r) : Json();
}

// A member of any type, or null JSON when absent (or `obj` is no object).
inline const Json& member(const Json& obj, const char* key) {
  static const Json kNull;
  if (!obj.is_object()) return kNull;
  auto it = obj.find(key);
  return it == obj.end() ? kNull : *it;
}

// A non-negative integer member, or UINT64_MAX when absent or mistyped: no
// valid case uses that value, so a broken vector file fails visibly.
inline uint64_t u64(const Json& obj, const char* key) {
  const Json& m = member(obj, key);
  return m.is_number_unsigned() ? m.get<uint64_t>() : UINT64_MAX;
}

// A string member, or "" when absent or not a string.
inline std::string s(const Json& obj, const char* key) {
  if (!obj.is_object()) return {};
  auto it = obj.find(key);
  return it != obj.end() && it->is_string() ? it->get<std::string>() : std::string();
}

// An array member, or an empty array.
inline const Json& arr(const Json& obj, const char* key) {
  static const Json kEmpty = Json::array();
  if (!obj.is_object()) return kEmpty;
  auto it = obj.find(key);
  return it != obj.end() && it->is_array() ? *it : kEmpty;
}

template <class R>
std::string outcome(const R& r) {
  return r.ok() ? std::string("accepted") : r.error().reason;
}

}  // namespace isoloir::conformance

#endif  // ISOLOIR_TESTS_CONFORMANCE_SUPPORT_H_

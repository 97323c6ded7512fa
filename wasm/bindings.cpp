// The booth module's entry points (isoloir_booth.mjs): plain C functions over
// include/isoloir/booth.h, which wasm/booth_api.js turns into the JavaScript
// functions web/booth/index.js calls. Not Embind: its runtime cost the booth
// a tenth of its size (issue 11), for fourteen functions whose arguments are
// strings and numbers.
//
// Arguments arrive as (pointer, length) pairs in buffers the adapter fills
// and wipes after the call; lists of strings are packed, each string as a
// 4-byte little-endian length then its bytes. Every function leaves its
// answer as canonical JSON text, {"ok": true, ...} or {"ok": false,
// "reason", "detail"}, in one buffer (`answer`), returns a pointer to it, and
// the adapter reads it and calls isoloir_release(), which wipes it. Nothing
// throws (a C++ throw aborts the wasm instance under emscripten's default
// settings); argument shapes the C++ side cannot take are refused with
// reason "bad_argument".
#include <emscripten/emscripten.h>
#include <sodium.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include "isoloir/booth.h"
#include "isoloir/canonical_json.h"
#include "isoloir/code_vault.h"
#include "isoloir/pow.h"
#include "isoloir/result.h"

namespace {

using isoloir::Json;

// The last answer until JavaScript has read it.
std::string& answer() {
  static std::string a;
  return a;
}

void wipe(std::string& s) {
  sodium_memzero(s.data(), s.size());
  s.clear();
}

const char* give(const Json& value) {
  wipe(answer());
  answer() = isoloir::canonical_dump(value);
  return answer().c_str();
}

Json ok_object() {
  Json o = Json::object();
  o["ok"] = true;
  return o;
}

const char* refuse(const std::string& reason, const std::string& detail) {
  Json o = Json::object();
  o["ok"] = false;
  o["reason"] = reason;
  o["detail"] = detail;
  return give(o);
}

const char* refuse(const isoloir::Error& e) {
  return refuse(e.reason, e.detail);
}

// {ok: true, value} or the error.
const char* give_value(const isoloir::Result<std::string>& r) {
  if (!r.ok()) return refuse(r.error());
  Json o = ok_object();
  o["value"] = r.value();
  return give(o);
}

std::string_view view(const char* data, size_t size) {
  return size == 0 ? std::string_view() : std::string_view(data, size);
}

// The adapter's packed list into `out`; false if the lengths do not add up.
bool unpack(std::string_view packed, std::vector<std::string>& out) {
  out.clear();
  while (!packed.empty()) {
    if (packed.size() < 4) return false;
    uint32_t n = 0;
    for (size_t i = 0; i < 4; ++i) {
      n |= static_cast<uint32_t>(static_cast<unsigned char>(packed[i])) << (8 * i);
    }
    packed.remove_prefix(4);
    if (n > packed.size()) return false;
    out.emplace_back(packed.substr(0, n));
    packed.remove_prefix(n);
  }
  return true;
}

// A JS number that must be an integer in [0, max].
bool whole(double x, double max) {
  return x >= 0 && x <= max && std::floor(x) == x;
}

// The re-issued code (issue 5): one vault per module instance. Its clock is
// read here, never passed in by the page.
isoloir::CodeVault& vault() {
  static isoloir::CodeVault v;
  return v;
}

double clock_seconds() {
  return emscripten_get_now() / 1000.0;
}

}  // namespace

extern "C" {

EMSCRIPTEN_KEEPALIVE void isoloir_release() {
  wipe(answer());
  answer().shrink_to_fit();
}

EMSCRIPTEN_KEEPALIVE const char* isoloir_create_ballot(const char* manifest, size_t manifest_size,
                                                       const char* scrutin, size_t scrutin_size,
                                                       const char* options, size_t options_size,
                                                       const char* code, size_t code_size) {
  std::vector<std::string> ids;
  if (!unpack(view(options, options_size), ids)) {
    return refuse("bad_argument", "optionIds must be an array of strings");
  }
  auto r = isoloir::booth::create_ballot(view(manifest, manifest_size), view(scrutin, scrutin_size),
                                         ids, view(code, code_size));
  // The choice is the vote: wipe this copy of it (the core wipes its own).
  for (auto& id : ids) wipe(id);
  if (!r.ok()) return refuse(r.error());
  Json o = ok_object();
  o["ballot"] = r->ballot;
  o["reference"] = r->reference;
  return give(o);
}

EMSCRIPTEN_KEEPALIVE const char* isoloir_verify_ballot(const char* manifest, size_t manifest_size,
                                                       const char* ballot, size_t ballot_size) {
  auto r = isoloir::booth::verify_ballot(view(manifest, manifest_size), view(ballot, ballot_size));
  if (!r.ok()) return refuse(r.error());
  Json o = ok_object();
  o["reference"] = r.value();
  return give(o);
}

EMSCRIPTEN_KEEPALIVE const char* isoloir_new_code() {
  Json o = ok_object();
  o["value"] = isoloir::booth::new_code();
  return give(o);
}

EMSCRIPTEN_KEEPALIVE const char* isoloir_normalize_code(const char* input, size_t size) {
  return give_value(isoloir::booth::normalize_code(view(input, size)));
}

EMSCRIPTEN_KEEPALIVE const char* isoloir_display_code(const char* input, size_t size) {
  return give_value(isoloir::booth::display_code(view(input, size)));
}

EMSCRIPTEN_KEEPALIVE const char* isoloir_credential(const char* election, size_t election_size,
                                                    const char* code, size_t code_size) {
  return give_value(
      isoloir::booth::credential(view(election, election_size), view(code, code_size)));
}

EMSCRIPTEN_KEEPALIVE const char* isoloir_election_hash(const char* manifest, size_t size) {
  return give_value(isoloir::booth::election_hash(view(manifest, size)));
}

EMSCRIPTEN_KEEPALIVE const char* isoloir_verify_receipt(const char* manifest, size_t manifest_size,
                                                        const char* receipt, size_t receipt_size) {
  auto r =
      isoloir::booth::verify_receipt(view(manifest, manifest_size), view(receipt, receipt_size));
  if (!r.ok()) return refuse(r.error());
  Json o = ok_object();
  o["kind"] = r->kind;
  o["scrutin"] = r->scrutin;
  o["reference"] = r->reference;
  o["time"] = r->time;
  return give(o);
}

// log_index arrives as a JS number: it must be a safe non-negative integer.
EMSCRIPTEN_KEEPALIVE const char* isoloir_verify_inclusion(
    const char* manifest, size_t manifest_size, const char* reference, size_t reference_size,
    double log_index, const char* tree_head, size_t tree_head_size, const char* path,
    size_t path_size) {
  constexpr double kMaxSafe = 9007199254740991.0;  // 2^53 - 1
  if (!whole(log_index, kMaxSafe)) {
    return refuse("bad_argument", "logIndex must be a non-negative integer");
  }
  std::vector<std::string> hashes;
  if (!unpack(view(path, path_size), hashes)) {
    return refuse("bad_argument", "path must be an array of strings");
  }
  auto s = isoloir::booth::verify_inclusion(
      view(manifest, manifest_size), view(reference, reference_size),
      static_cast<uint64_t>(log_index), view(tree_head, tree_head_size), hashes);
  if (!s.ok()) return refuse(s.error());
  return give(ok_object());
}

// One slice of a proof-of-work search: nonces start .. start + count - 1.
// Numbers arrive as JS doubles: integers below 2^53 only.
EMSCRIPTEN_KEEPALIVE const char* isoloir_pow_search(const char* challenge, size_t challenge_size,
                                                    double difficulty, double start, double count) {
  constexpr auto kMax = static_cast<double>(isoloir::kMaxPowNonce);
  if (!whole(start, kMax) || !whole(count, kMax)) {
    return refuse("bad_argument", "start and count must be non-negative integers");
  }
  if (!whole(difficulty, isoloir::kMaxPowDifficulty)) {
    return refuse("bad_argument", "difficulty out of range");
  }
  auto found = isoloir::pow_search(view(challenge, challenge_size), static_cast<int>(difficulty),
                                   static_cast<uint64_t>(start), static_cast<uint64_t>(count));
  if (!found) return refuse("not_found", "no solution in this slice");
  Json o = ok_object();
  o["nonce"] = static_cast<int64_t>(*found);
  return give(o);
}

EMSCRIPTEN_KEEPALIVE const char* isoloir_regenerate_code(const char* election, size_t size) {
  if (size == 0) return refuse("bad_argument", "electionId is empty");
  Json o = ok_object();
  o["credential"] = vault().regenerate(view(election, size), clock_seconds());
  return give(o);
}

// The answer is written straight from the vault's buffer into one
// allocation made beforehand (no growth, so no partial copy of the code is
// left behind in freed memory), the vault's display is wiped at once, and
// isoloir_release() wipes the answer after JavaScript has read it. The time
// left is in whole microseconds: canonical JSON has integers only.
EMSCRIPTEN_KEEPALIVE const char* isoloir_reveal_code() {
  const double now = clock_seconds();
  auto shown = vault().reveal(now);
  if (!shown) return refuse(shown.error());
  const std::string micros =
      std::to_string(static_cast<int64_t>(std::floor(vault().remaining(now) * 1e6)));
  constexpr std::string_view kHead = "{\"code\":\"";
  constexpr std::string_view kMiddle = "\",\"ok\":true,\"remaining_us\":";
  const size_t code_size = std::strlen(*shown);
  std::string& a = answer();
  wipe(a);
  a.reserve(kHead.size() + code_size + kMiddle.size() + micros.size() + 1);
  a.append(kHead).append(*shown, code_size).append(kMiddle).append(micros).push_back('}');
  vault().forget_display();
  return a.c_str();
}

EMSCRIPTEN_KEEPALIVE double isoloir_code_remaining() {
  return vault().remaining(clock_seconds());
}

EMSCRIPTEN_KEEPALIVE void isoloir_forget_code() {
  vault().wipe();
}

}  // extern "C"

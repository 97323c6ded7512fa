// Embind surface of the booth module (isoloir_booth.mjs): a thin translation
// of include/isoloir/booth.h into JavaScript objects. Every function returns
// {ok: true, ...} or {ok: false, reason, detail}; nothing throws (a C++ throw
// aborts the wasm instance under emscripten's default settings), and argument
// shapes the C++ side cannot take are refused here with reason "bad_argument".
// web/booth/index.js turns these objects into the package's ergonomic API.
#include <emscripten/bind.h>
#include <emscripten/val.h>
#include <sodium.h>

#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include <emscripten/emscripten.h>

#include "isoloir/booth.h"
#include "isoloir/code_vault.h"
#include "isoloir/pow.h"
#include "isoloir/result.h"

namespace {

using emscripten::val;

val ok_object() {
  val o = val::object();
  o.set("ok", true);
  return o;
}

val error_object(const std::string& reason, const std::string& detail) {
  val o = val::object();
  o.set("ok", false);
  o.set("reason", reason);
  o.set("detail", detail);
  return o;
}

val error_object(const isoloir::Error& e) {
  return error_object(e.reason, e.detail);
}

// {ok: true, value} or the error.
val value_object(const isoloir::Result<std::string>& r) {
  if (!r.ok()) return error_object(r.error());
  val o = ok_object();
  o.set("value", r.value());
  return o;
}

bool is_string(const val& v) {
  return v.typeOf().as<std::string>() == "string";
}

// A JS array whose every element is a string, into `out`; false otherwise.
bool string_array(const val& v, std::vector<std::string>& out) {
  if (!val::global("Array").call<bool>("isArray", v)) return false;
  const auto n = v["length"].as<unsigned>();
  out.clear();
  out.reserve(n);
  for (unsigned i = 0; i < n; ++i) {
    val item = v[i];
    if (!is_string(item)) return false;
    out.push_back(item.as<std::string>());
  }
  return true;
}

val create_ballot(const std::string& manifest_json, const std::string& scrutin_id,
                  const val& option_ids, std::string code) {
  std::vector<std::string> options;
  if (!string_array(option_ids, options)) {
    return error_object("bad_argument", "optionIds must be an array of strings");
  }
  auto r = isoloir::booth::create_ballot(manifest_json, scrutin_id, options, code);
  // The core wipes its own copies; wipe this one too. Embind's transfer buffer
  // and the page's JS string are outside our reach (see docs/protocol-notes.md).
  sodium_memzero(code.data(), code.size());
  if (!r.ok()) return error_object(r.error());
  val o = ok_object();
  o.set("ballot", r->ballot);
  o.set("reference", r->reference);
  return o;
}

val verify_ballot(const std::string& manifest_json, const std::string& ballot) {
  auto r = isoloir::booth::verify_ballot(manifest_json, ballot);
  if (!r.ok()) return error_object(r.error());
  val o = ok_object();
  o.set("reference", r.value());
  return o;
}

std::string new_code() {
  return isoloir::booth::new_code();
}

val normalize_code(const std::string& input) {
  return value_object(isoloir::booth::normalize_code(input));
}

val display_code(const std::string& input) {
  return value_object(isoloir::booth::display_code(input));
}

val credential(const std::string& election_id, std::string code) {
  val out = value_object(isoloir::booth::credential(election_id, code));
  sodium_memzero(code.data(), code.size());
  return out;
}

val election_hash(const std::string& manifest_json) {
  return value_object(isoloir::booth::election_hash(manifest_json));
}

val verify_receipt(const std::string& manifest_json, const std::string& receipt) {
  auto r = isoloir::booth::verify_receipt(manifest_json, receipt);
  if (!r.ok()) return error_object(r.error());
  val o = ok_object();
  o.set("kind", r->kind);
  o.set("scrutin", r->scrutin);
  o.set("reference", r->reference);
  o.set("time", r->time);
  return o;
}

// log_index arrives as a JS number: it must be a safe non-negative integer.
val verify_inclusion(const std::string& manifest_json, const std::string& reference,
                     double log_index, const std::string& tree_head_json, const val& path) {
  constexpr double kMaxSafe = 9007199254740991.0;  // 2^53 - 1
  if (!(log_index >= 0 && log_index <= kMaxSafe) || std::floor(log_index) != log_index) {
    return error_object("bad_argument", "logIndex must be a non-negative integer");
  }
  std::vector<std::string> hashes;
  if (!string_array(path, hashes)) {
    return error_object("bad_argument", "path must be an array of strings");
  }
  auto s = isoloir::booth::verify_inclusion(
      manifest_json, reference, static_cast<uint64_t>(log_index), tree_head_json, hashes);
  if (!s.ok()) return error_object(s.error());
  return ok_object();
}

// One slice of a proof-of-work search: nonces start .. start + count - 1.
// Numbers arrive as JS doubles: integers below 2^53 only.
val pow_search(const std::string& challenge, int difficulty, double start, double count) {
  constexpr auto kMax = static_cast<double>(isoloir::kMaxPowNonce);
  if (!(start >= 0 && start <= kMax) || std::floor(start) != start ||
      !(count >= 0 && count <= kMax) || std::floor(count) != count) {
    return error_object("bad_argument", "start and count must be non-negative integers");
  }
  if (difficulty < 0 || difficulty > isoloir::kMaxPowDifficulty) {
    return error_object("bad_argument", "difficulty out of range");
  }
  auto found = isoloir::pow_search(challenge, difficulty, static_cast<uint64_t>(start),
                                   static_cast<uint64_t>(count));
  if (!found) return error_object("not_found", "no solution in this slice");
  val o = ok_object();
  o.set("nonce", static_cast<double>(*found));
  return o;
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

val regenerate_code(const std::string& election_id) {
  if (election_id.empty()) return error_object("bad_argument", "electionId is empty");
  val o = ok_object();
  o.set("credential", vault().regenerate(election_id, clock_seconds()));
  return o;
}

// The JS string is made straight from the vault's buffer, which is wiped
// right after: no std::string copy of the code is left in the heap.
val reveal_code() {
  const double now = clock_seconds();
  auto shown = vault().reveal(now);
  if (!shown) return error_object(shown.error());
  val o = ok_object();
  o.set("code", val(*shown));  // read as Latin-1: the code is ASCII
  vault().forget_display();
  o.set("remaining", vault().remaining(now));
  return o;
}

double code_remaining() {
  return vault().remaining(clock_seconds());
}

void forget_code() {
  vault().wipe();
}

}  // namespace

EMSCRIPTEN_BINDINGS(isoloir_booth) {
  emscripten::function("regenerateCode", &regenerate_code);
  emscripten::function("revealCode", &reveal_code);
  emscripten::function("codeRemaining", &code_remaining);
  emscripten::function("forgetCode", &forget_code);
  emscripten::function("powSearch", &pow_search);
  emscripten::function("createBallot", &create_ballot);
  emscripten::function("verifyBallot", &verify_ballot);
  emscripten::function("newCode", &new_code);
  emscripten::function("normalizeCode", &normalize_code);
  emscripten::function("displayCode", &display_code);
  emscripten::function("credential", &credential);
  emscripten::function("electionHash", &election_hash);
  emscripten::function("verifyReceipt", &verify_receipt);
  emscripten::function("verifyInclusion", &verify_inclusion);
}

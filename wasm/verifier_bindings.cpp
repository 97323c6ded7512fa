// Embind surface of the record verifier (isoloir_verifier.mjs): the whole
// election record (PROTOCOL.md section 8) verified in the browser, for the
// public results page. A module of its own, so that the booth every voter
// loads does not carry it.
//
//   verifyRecord({manifest, trustees, credentials, ballots, tree_head, tally, results},
//                progress?)
//   -> {ok: true, election_hash, ballots, voters,
//       results: [{scrutin, ballots, counts: [{option, count}]}]}
//    | {ok: false, reason, detail}
//
// `progress(done, total)` (optional) is told how many ballots are checked
// after each block of them. Nothing throws into JavaScript: a C++ throw would
// abort the instance, arguments the core cannot take are refused with reason
// "bad_argument", and an exception thrown by `progress` is caught in
// JavaScript (js_progress.h) so it never unwinds through wasm frames.
#include <emscripten/bind.h>
#include <emscripten/val.h>

#include <array>
#include <cstdint>
#include <string>
#include <utility>

#include "isoloir/record.h"
#include "isoloir/result.h"
#include "js_progress.h"

namespace {

using emscripten::val;

val error_object(const std::string& reason, const std::string& detail) {
  val o = val::object();
  o.set("ok", false);
  o.set("reason", reason);
  o.set("detail", detail);
  return o;
}

bool is_string(const val& v) {
  return v.typeOf().as<std::string>() == "string";
}

val verify_record(const val& files, const val& progress) {
  if (files.isNull() || files.isUndefined() || files.typeOf().as<std::string>() != "object") {
    return error_object("bad_argument", "files must be an object of the seven record files");
  }
  if (!isoloir::wasm::is_progress_argument(progress)) {
    return error_object("bad_argument", "progress must be a function");
  }
  isoloir::RecordFiles in;
  const std::array<std::pair<const char*, std::string*>, 7> fields = {{
      {"manifest", &in.manifest},
      {"trustees", &in.trustees},
      {"credentials", &in.credentials},
      {"ballots", &in.ballots},
      {"tree_head", &in.tree_head},
      {"tally", &in.tally},
      {"results", &in.results},
  }};
  for (const auto& [name, out] : fields) {
    val v = files[name];
    if (!is_string(v)) return error_object("bad_argument", std::string(name) + " must be a string");
    *out = v.as<std::string>();
  }

  auto r = isoloir::verify_record(in, isoloir::wasm::js_progress(progress));
  if (!r.ok()) return error_object(r.error().reason, r.error().detail);

  val o = val::object();
  o.set("ok", true);
  o.set("election_hash", r->election_hash);
  o.set("ballots", static_cast<double>(r->ballots));
  o.set("voters", static_cast<double>(r->voters));
  val results = val::array();
  for (const auto& s : r->results) {
    val one = val::object();
    one.set("scrutin", s.scrutin);
    one.set("ballots", static_cast<double>(s.ballots));
    val counts = val::array();
    for (const auto& c : s.counts) {
      val count = val::object();
      count.set("option", c.option);
      count.set("count", static_cast<double>(c.count));
      counts.call<void>("push", count);
    }
    one.set("counts", counts);
    results.call<void>("push", one);
  }
  o.set("results", results);
  return o;
}

// verifyRecord(files): the same without a progress display (Embind checks
// the number of arguments; this overload takes the one-argument call).
val verify_record_quietly(const val& files) {
  return verify_record(files, val::undefined());
}

}  // namespace

EMSCRIPTEN_BINDINGS(isoloir_verifier) {
  emscripten::function("verifyRecord", &verify_record);
  emscripten::function("verifyRecord", &verify_record_quietly);
}

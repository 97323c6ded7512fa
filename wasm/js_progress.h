// A JavaScript progress callback as the core's RecordProgress, shared by the
// modules that verify a board or a record (verifier_bindings.cpp,
// trustee_bindings.cpp). An exception the callback throws is caught in
// JavaScript (isoloir_call_progress) so it never unwinds through wasm
// frames: a broken progress display is not a reason to stop verifying.
#ifndef ISOLOIR_WASM_JS_PROGRESS_H_
#define ISOLOIR_WASM_JS_PROGRESS_H_

#include <emscripten/em_js.h>
#include <emscripten/emscripten.h>
#include <emscripten/val.h>

#include <cstdint>
#include <string>

#include "isoloir/record.h"

// clang-format off
EM_JS(void, isoloir_call_progress, (emscripten::EM_VAL fn, double done, double total), {
  try {
    Emval.toValue(fn)(done, total);
  } catch (e) {
    // a broken progress display is not a reason to stop verifying
  }
});
// clang-format on

namespace isoloir::wasm {

// undefined, null or a function: what a progress argument may be.
inline bool is_progress_argument(const emscripten::val& v) {
  return v.isUndefined() || v.isNull() || v.typeOf().as<std::string>() == "function";
}

// `fn(done, total)` after each block of ballots when `fn` is a function; an
// empty RecordProgress otherwise. `fn` must outlive the returned function.
inline RecordProgress js_progress(const emscripten::val& fn) {
  if (fn.typeOf().as<std::string>() != "function") return {};
  return [&fn](uint64_t done, uint64_t total) {
    isoloir_call_progress(fn.as_handle(), static_cast<double>(done), static_cast<double>(total));
  };
}

}  // namespace isoloir::wasm

#endif  // ISOLOIR_WASM_JS_PROGRESS_H_

// Test-only module (isoloir_conformance.mjs): runs the conformance checks of
// tests/conformance over vector files handed in from JavaScript, so that Jest
// checks the wasm build against ../shared/vectors exactly as GoogleTest checks
// the native one. No exceptions: a bad argument gives a JSON error object.
#include <emscripten/bind.h>

#include <string>

#include <nlohmann/json.hpp>

#include "conformance.h"

namespace {

std::string error_json(const std::string& detail) {
  nlohmann::json e = {{"error", "bad_argument"}, {"detail", detail}};
  return e.dump();
}

// filesJson: {"relative/path.json": "file contents", ...}
// -> check_all_json's [{"file","name","pass","expected","got"}, ...]
std::string check_all(const std::string& files_json) {
  const auto parsed = nlohmann::json::parse(files_json, nullptr, /*allow_exceptions=*/false);
  if (parsed.is_discarded() || !parsed.is_object()) {
    return error_json("filesJson must be a JSON object {path: contents}");
  }
  isoloir::conformance::Files files;
  for (const auto& [path, contents] : parsed.items()) {
    if (!contents.is_string()) return error_json("contents of " + path + " must be a string");
    files.emplace(path, contents.get<std::string>());
  }
  return isoloir::conformance::check_all_json(files);
}

// The registered vector files, as a JSON array of names.
std::string registered_files() {
  nlohmann::json names = nlohmann::json::array();
  for (const auto& entry : isoloir::conformance::checks()) names.push_back(entry.first);
  return names.dump();
}

}  // namespace

EMSCRIPTEN_BINDINGS(isoloir_conformance) {
  emscripten::function("checkAll", &check_all);
  emscripten::function("registeredFiles", &registered_files);
}

// Conformance checks over ../shared/vectors, written once and run twice: by
// GoogleTest natively and, compiled into a test-only wasm module, by Jest in
// Node. Each vector file has one check function; every case it finds gives one
// CaseResult, so that a file silently yielding no cases is itself a failure.
#ifndef ISOLOIR_TESTS_CONFORMANCE_H_
#define ISOLOIR_TESTS_CONFORMANCE_H_

#include <functional>
#include <map>
#include <string>
#include <utility>
#include <vector>

namespace isoloir::conformance {

struct CaseResult {
  std::string file;  // vector file, e.g. "ballots_invalid.json"
  std::string name;  // case name or index within the file
  bool pass = false;
  std::string expected;  // "accepted" or the expected refusal reason
  std::string got;       // what the implementation said
};

// Vector files by path relative to the vectors directory
// ("manifest.json", "record/ballots.jsonl", ...), contents as bytes.
using Files = std::map<std::string, std::string>;

using CheckFn = std::vector<CaseResult> (*)(const Files& files);

// The registry: (vector file, its check), one file may have several checks.
// check_all() runs them all.
const std::vector<std::pair<std::string, CheckFn>>& checks();
std::vector<CaseResult> check_all(const Files& files);
// The same as JSON: [{"file","name","pass","expected","got"}, ...].
std::string check_all_json(const Files& files);

// One check per vector file (defined in tests/conformance/*_checks.cpp).
std::vector<CaseResult> check_base64url(const Files& files);
std::vector<CaseResult> check_points_scalars(const Files& files);
std::vector<CaseResult> check_hash(const Files& files);
std::vector<CaseResult> check_canonical_json(const Files& files);
std::vector<CaseResult> check_signatures(const Files& files);
std::vector<CaseResult> check_vote_codes(const Files& files);
std::vector<CaseResult> check_manifest(const Files& files);
std::vector<CaseResult> check_ballots_valid(const Files& files);
std::vector<CaseResult> check_ballots_invalid(const Files& files);
std::vector<CaseResult> check_ballots_stateful(const Files& files);
std::vector<CaseResult> check_ballots_minmax(const Files& files);
std::vector<CaseResult> check_merkle(const Files& files);
std::vector<CaseResult> check_merkle_tree_heads(const Files& files);
std::vector<CaseResult> check_receipts(const Files& files);
std::vector<CaseResult> check_dkg(const Files& files);
std::vector<CaseResult> check_record(const Files& files);

// Helpers for check functions.
CaseResult expect(const std::string& file, const std::string& name, const std::string& expected,
                  const std::string& got);

}  // namespace isoloir::conformance

#endif  // ISOLOIR_TESTS_CONFORMANCE_H_

#include "conformance.h"

#include "isoloir/canonical_json.h"

namespace isoloir::conformance {

CaseResult expect(const std::string& file, const std::string& name, const std::string& expected,
                  const std::string& got) {
  return CaseResult{file, name, expected == got, expected, got};
}

const std::vector<std::pair<std::string, CheckFn>>& checks() {
  static const std::vector<std::pair<std::string, CheckFn>> kChecks = {
      {"base64url.json", check_base64url},
      {"points_scalars.json", check_points_scalars},
      {"hash.json", check_hash},
      {"canonical_json.json", check_canonical_json},
      {"signatures.json", check_signatures},
      {"vote_codes.json", check_vote_codes},
      {"manifest.json", check_manifest},
      {"ballots_valid.json", check_ballots_valid},
      {"ballots_invalid.json", check_ballots_invalid},
      {"ballots_stateful.json", check_ballots_stateful},
      {"ballots_minmax.json", check_ballots_minmax},
      {"merkle.json", check_merkle},
      {"merkle.json", check_merkle_tree_heads},
      {"receipts.json", check_receipts},
      {"dkg.json", check_dkg},
      {"record.json", check_record},
  };
  return kChecks;
}

std::vector<CaseResult> check_all(const Files& files) {
  std::vector<CaseResult> all;
  for (const auto& [file, fn] : checks()) {
    if (files.find(file) == files.end()) {
      all.push_back(CaseResult{file, "(file)", false, "present", "missing"});
      continue;
    }
    std::vector<CaseResult> got = fn(files);
    if (got.empty()) all.push_back(CaseResult{file, "(cases)", false, "at least one", "none"});
    all.insert(all.end(), got.begin(), got.end());
  }
  return all;
}

std::string check_all_json(const Files& files) {
  Json out = Json::array();
  for (const CaseResult& r : check_all(files)) {
    Json e = Json::object();
    e["file"] = r.file;
    e["name"] = r.name;
    e["pass"] = r.pass;
    e["expected"] = r.expected;
    e["got"] = r.got;
    out.push_back(std::move(e));
  }
  return canonical_dump(out);
}

}  // namespace isoloir::conformance

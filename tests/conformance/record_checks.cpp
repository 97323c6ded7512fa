// Section 8: the complete election record of vectors/record, verified from
// its files alone, and the same record with one fault each, refused.
#include "isoloir/record.h"
#include "support.h"

namespace isoloir::conformance {
namespace {

std::string file_or_empty(const Files& files, const std::string& name) {
  auto it = files.find(name);
  return it == files.end() ? std::string() : it->second;
}

// Replaces the first occurrence of `from` (which must be there) by `to`.
std::string replace_once(std::string text, const std::string& from, const std::string& to) {
  const size_t pos = text.find(from);
  if (pos != std::string::npos) text.replace(pos, from.size(), to);
  return text;
}

}  // namespace

std::vector<CaseResult> check_record(const Files& files) {
  const std::string f = "record.json";
  const Json expected = load(files, f);
  const std::string dir = s(expected, "directory") + "/";
  RecordFiles rf{
      file_or_empty(files, dir + "manifest.json"),    file_or_empty(files, dir + "trustees.json"),
      file_or_empty(files, dir + "credentials.json"), file_or_empty(files, dir + "ballots.jsonl"),
      file_or_empty(files, dir + "tree_head.json"),   file_or_empty(files, dir + "tally.json"),
      file_or_empty(files, dir + "results.json")};
  std::vector<CaseResult> out;

  auto report = verify_record(rf);
  out.push_back(expect(f, "the record verifies", s(expected, "expected"), outcome(report)));
  if (report) {
    const bool counts_ok = expected.contains("ballots") && expected.contains("voters") &&
                           static_cast<int64_t>(report->ballots) == expected["ballots"] &&
                           static_cast<int64_t>(report->voters) == expected["voters"] &&
                           report->election_hash == s(expected, "election_hash");
    out.push_back(
        expect(f, "ballots, voters and election hash", "same", counts_ok ? "same" : "differ"));
    const Json& want = expected.value("results", Json::object());
    size_t counted = 0, differ = 0;
    for (const auto& r : report->results) {
      for (const auto& c : r.counts) {
        ++counted;
        const bool same = want.contains(r.scrutin) && want[r.scrutin].contains(c.option) &&
                          want[r.scrutin][c.option] == static_cast<int64_t>(c.count);
        if (!same) ++differ;
      }
    }
    out.push_back(expect(f, "recomputed results (" + std::to_string(counted) + " counts)", "same",
                         counted > 0 && differ == 0 ? "same" : "differ"));
  }

  // One fault at a time: each must be refused for its cause.
  struct Fault {
    std::string name;
    RecordFiles files;
    std::string reason;
  };
  std::vector<Fault> faults;
  {
    RecordFiles r = rf;
    r.ballots = rf.ballots.substr(0, rf.ballots.rfind('\n', rf.ballots.size() - 2) + 1);
    faults.push_back({"last ballot dropped", r, "bad_record"});
  }
  {
    RecordFiles r = rf;
    r.results = replace_once(rf.results, "\"count\":5", "\"count\":6");
    faults.push_back({"a published count changed", r, "bad_record"});
  }
  {
    RecordFiles r = rf;
    r.tree_head = replace_once(rf.tree_head, "\"size\":50", "\"size\":49");
    faults.push_back({"tree head size changed", r, "bad_signature"});
  }
  {
    RecordFiles r = rf;
    // Swap the roles of two partial decryptions' trustees: proofs no longer hold.
    r.tally = replace_once(rf.tally, "\"trustee\":1}", "\"trustee\":9}");
    faults.push_back({"partial decryption by an unknown trustee", r, "bad_record"});
  }
  {
    RecordFiles r = rf;
    r.credentials = replace_once(rf.credentials, "\"revoked_at\":\"2022-12-05T00:52:26Z\"",
                                 "\"revoked_at\":null");
    faults.push_back(
        {"a re-issued voter keeps two current credentials", r, "overlapping_credentials"});
  }
  for (const Fault& fault : faults) {
    const bool changed = fault.files.ballots != rf.ballots || fault.files.results != rf.results ||
                         fault.files.tree_head != rf.tree_head || fault.files.tally != rf.tally ||
                         fault.files.credentials != rf.credentials;
    out.push_back(expect(f, "refused: " + fault.name, fault.reason,
                         changed ? outcome(verify_record(fault.files)) : "fault not applied"));
  }
  return out;
}

}  // namespace isoloir::conformance

// Runs every conformance check over ../shared/vectors: one GoogleTest per
// (vector file, check), failing with the list of cases that did not pass.
#include <gtest/gtest.h>

#include <filesystem>

#include "conformance.h"
#include "vectors.h"

namespace isoloir::conformance {
namespace {

// Every file under the vectors directory, by relative path.
const Files& vector_files() {
  static const Files files = [] {
    Files out;
    const std::filesystem::path root = test::vector_path("");
    for (const auto& entry : std::filesystem::recursive_directory_iterator(root)) {
      if (!entry.is_regular_file()) continue;
      out[std::filesystem::relative(entry.path(), root).generic_string()] =
          test::read_file(entry.path().string());
    }
    return out;
  }();
  return files;
}

class Conformance : public ::testing::TestWithParam<size_t> {};

TEST_P(Conformance, EveryCasePasses) {
  const auto& [file, fn] = checks()[GetParam()];
  ASSERT_TRUE(vector_files().count(file) == 1) << file << " is missing";
  const std::vector<CaseResult> results = fn(vector_files());
  ASSERT_FALSE(results.empty()) << file << " gave no case";
  size_t failed = 0;
  for (const CaseResult& r : results) {
    if (!r.pass) {
      ++failed;
      ADD_FAILURE() << r.file << " / " << r.name << ": expected " << r.expected << ", got "
                    << r.got;
    }
  }
  RecordProperty("cases", static_cast<int>(results.size()));
  EXPECT_EQ(failed, 0u) << "of " << results.size() << " cases in " << file;
}

std::string name_of(const ::testing::TestParamInfo<size_t>& info) {
  std::string name = checks()[info.param].first + "_" + std::to_string(info.param);
  for (char& c : name) {
    if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
  }
  return name;
}

INSTANTIATE_TEST_SUITE_P(Vectors, Conformance, ::testing::Range<size_t>(0, checks().size()),
                         name_of);

TEST(ConformanceAll, JsonReportListsEveryCase) {
  const std::string json = check_all_json(vector_files());
  EXPECT_NE(json.find("\"file\":\"ballots_invalid.json\""), std::string::npos);
  EXPECT_EQ(json.find("\"pass\":false"), std::string::npos);
}

}  // namespace
}  // namespace isoloir::conformance

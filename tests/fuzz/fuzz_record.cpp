// The election record's files (PROTOCOL.md section 8) as `verify_record`
// reads them: the input is the seven files in the order of RecordFiles,
// separated by a line "\n--isoloir-record--\n"; none may crash it, whatever
// their size or content. Seeds: the vectors' record, whole and in parts.
#include "fuzz_support.h"
#include "isoloir/record.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const auto parts =
      isoloir::fuzz::split(isoloir::fuzz::as_text(data, size), "\n--isoloir-record--\n", 7);
  isoloir::RecordFiles files;
  files.manifest = parts[0];
  files.trustees = parts[1];
  files.credentials = parts[2];
  files.ballots = parts[3];
  files.tree_head = parts[4];
  files.tally = parts[5];
  files.results = parts[6];
  if (auto report = isoloir::verify_record(files)) {
    FUZZ_CHECK(report->results.size() > 0);
  }
  return 0;
}

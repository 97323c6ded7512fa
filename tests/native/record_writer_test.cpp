// The record writers give the vectors' files byte for byte from their
// contents, and the synthetic generator's records verify, fault by fault.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "isoloir/ballot.h"
#include "isoloir/canonical_json.h"
#include "isoloir/manifest.h"
#include "isoloir/record.h"
#include "isoloir/record_writer.h"
#include "isoloir/registry.h"
#include "isoloir/tally.h"
#include "isoloir/timestamp.h"
#include "synthetic_record.h"
#include "vectors.h"

namespace isoloir {
namespace {

std::string record_file(const std::string& name) {
  return test::read_file(test::vector_path("record/" + name));
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> out;
  size_t pos = 0;
  while (pos < text.size()) {
    const size_t end = text.find('\n', pos);
    out.push_back(text.substr(pos, end - pos));
    pos = end == std::string::npos ? text.size() : end + 1;
  }
  return out;
}

TEST(RecordWriter, CredentialsFileIsTheVectorsByteForByte) {
  const std::string text = record_file("credentials.json");
  const Json doc = parse_canonical(text).value();
  std::vector<CredentialEvent> events;
  for (const Json& e : doc["credentials"]) {
    CredentialEvent ev;
    ev.voter = e["voter"].get<std::string>();
    const Bytes key = test::unb64(e["credential"].get<std::string>());
    std::copy(key.begin(), key.end(), ev.credential.begin());
    ev.issued_at = Timestamp::parse(e["issued_at"].get<std::string>(), "issued_at").value();
    if (!e["revoked_at"].is_null()) {
      ev.revoked_at = Timestamp::parse(e["revoked_at"].get<std::string>(), "revoked_at").value();
    }
    events.push_back(ev);
  }
  ASSERT_GT(events.size(), 20U);
  EXPECT_EQ(credentials_file(doc["election"].get<std::string>(), events), text);
}

// Ballot lines, the aggregates, tally.json and results.json rebuilt from
// the vectors' ballots and partial decryptions.
TEST(RecordWriter, BallotsTallyAndResultsAreTheVectorsByteForByte) {
  const Manifest m = parse_manifest(record_file("manifest.json")).value();
  const std::string ballots = record_file("ballots.jsonl");
  Aggregates aggregates(m);
  std::string rewritten;
  for (const std::string& line : lines_of(ballots)) {
    const Json entry = parse_canonical(line).value();
    const std::string bytes = canonical_dump(entry["ballot"]);
    const auto at = Timestamp::parse(entry["received_at"].get<std::string>(), "at").value();
    auto written = ballot_line(static_cast<uint64_t>(entry["log_index"].get<int64_t>()), at, bytes);
    ASSERT_TRUE(written.ok()) << written.error().message();
    rewritten += *written;
    ASSERT_TRUE(aggregates.add(verify_ballot(m, bytes).value()).ok());
  }
  EXPECT_EQ(rewritten, ballots);

  const std::string tally = record_file("tally.json");
  const Json tally_doc = parse_canonical(tally).value();
  std::vector<ScrutinPartials> partials;
  for (const Json& s : tally_doc["scrutins"]) {
    ScrutinPartials p{s["id"].get<std::string>(), {}};
    for (const Json& o : s["options"]) {
      std::vector<PartialDecryption> option;
      // Given in reverse: the writer puts them back in trustee order.
      if (o.contains("partials")) {
        for (auto it = o["partials"].rbegin(); it != o["partials"].rend(); ++it) {
          option.push_back(parse_partial(*it, "partial").value());
        }
      }
      p.options.push_back(option);
    }
    partials.push_back(p);
  }
  auto written = tally_file(m, aggregates, partials);
  ASSERT_TRUE(written.ok()) << written.error().message();
  EXPECT_EQ(*written, tally);

  RecordFiles files{record_file("manifest.json"),    record_file("trustees.json"),
                    record_file("credentials.json"), ballots,
                    record_file("tree_head.json"),   tally,
                    record_file("results.json")};
  const auto report = verify_record(files);
  ASSERT_TRUE(report.ok()) << report.error().message();
  EXPECT_EQ(results_file(m.hash_b64, report->results), files.results);
}

TEST(RecordWriter, RefusesWhatNoRecordCarries) {
  const Manifest m = parse_manifest(record_file("manifest.json")).value();
  Aggregates aggregates(m);
  VerifiedBallot stray;
  stray.scrutin = "no-such-scrutin";
  EXPECT_EQ(aggregates.add(stray).error().reason, "unknown_scrutin");
  stray.scrutin = m.scrutins[0].id;
  stray.answers.resize(1);
  EXPECT_EQ(aggregates.add(stray).error().reason, "wrong_answer_count");

  // Partials for a scrutin without a ballot, or for a scrutin not in the manifest.
  ScrutinPartials empty{m.scrutins[0].id,
                        std::vector<std::vector<PartialDecryption>>(m.scrutins[0].options.size())};
  empty.options[0].push_back(PartialDecryption{});
  EXPECT_EQ(tally_file(m, aggregates, {&empty, 1}).error().reason, "malformed");
  ScrutinPartials unknown{"no-such-scrutin", {}};
  EXPECT_EQ(tally_file(m, aggregates, {&unknown, 1}).error().reason, "malformed");

  // A scrutin without ballots is {id, index} per option.
  const std::string tally = tally_file(m, aggregates, {}).value();
  EXPECT_NE(tally.find("{\"id\":\"" + m.scrutins[0].options[0].id + "\",\"index\":0}"),
            std::string::npos);
  EXPECT_EQ(ballot_line(0, Timestamp::from_unix(0), "{ \"a\":1}").error().reason,
            "non_canonical_json");
}

synth::Options small() {
  synth::Options o;
  o.voters = 6;
  o.scrutins = 2;
  o.options = 3;
  o.trustees = 3;
  o.threshold = 2;
  o.reissued = 1;
  o.turnout_percent = 80;
  o.seed = 7;
  o.threads = 2;
  return o;
}

TEST(SyntheticRecord, VerifiesAndCountsTheVotesItDrew) {
  const auto record = synth::make_record(small());
  ASSERT_TRUE(record.ok()) << record.error().message();
  const auto report = verify_record(record->files);
  ASSERT_TRUE(report.ok()) << report.error().message();
  EXPECT_EQ(report->ballots, record->ballots);
  EXPECT_GT(report->ballots, 0U);
  EXPECT_EQ(results_file(report->election_hash, report->results), record->files.results);
  // Re-issued voter: two credential events, the first revoked.
  EXPECT_NE(record->files.credentials.find("\"revoked_at\":\"2026-01-05T08:00:00Z\""),
            std::string::npos);
}

TEST(SyntheticRecord, SameSeedSameBallotsOtherSeedOthers) {
  const auto a = synth::make_record(small()).value();
  auto o = small();
  o.threads = 1;
  const auto b = synth::make_record(o).value();
  EXPECT_EQ(a.files.ballots, b.files.ballots);  // threads do not change the ballots
  EXPECT_EQ(a.files.manifest, b.files.manifest);
  o.seed = 8;
  const auto c = synth::make_record(o).value();
  EXPECT_NE(a.files.ballots, c.files.ballots);
}

TEST(SyntheticRecord, TrapdoorProverMakesCreateBallotsBytes) {
  // The fast prover (the default) against the booth's create_ballot, with the
  // same draws: the same ballots byte for byte, so the same record.
  auto o = small();
  o.options = 4;
  o.voters = 9;
  const auto fast = synth::make_record(o).value();
  o.prover = synth::Options::Prover::reference;
  const auto reference = synth::make_record(o).value();
  EXPECT_EQ(fast.files.ballots, reference.files.ballots);
  EXPECT_EQ(fast.files.tree_head, reference.files.tree_head);
  EXPECT_EQ(fast.files.tally, reference.files.tally);
  EXPECT_EQ(fast.files.results, reference.files.results);
  EXPECT_TRUE(verify_record(fast.files).ok());
}

TEST(SyntheticRecord, AbsentTrusteesAreFineWhileTheThresholdRemains) {
  auto o = small();
  o.trustees = 5;
  o.threshold = 3;
  o.decrypting = {2, 4, 5};
  const auto record = synth::make_record(o);
  ASSERT_TRUE(record.ok()) << record.error().message();
  EXPECT_TRUE(verify_record(record->files).ok());
  o.decrypting = {2, 4};
  EXPECT_EQ(synth::make_record(o).error().reason, "malformed");
}

TEST(SyntheticRecord, AFaultInEachFileIsRefused) {
  const auto record = synth::make_record(small()).value();
  const auto flip_last = [](std::string text) {
    // The last base64url character of the file's last signature or point.
    const size_t q = text.rfind("\"", text.rfind("\"") - 1);
    text[q - 1] = text[q - 1] == 'A' ? 'B' : 'A';
    return text;
  };
  // Each fault is refused, and the refusal names the file at fault.
  const std::vector<std::pair<std::string RecordFiles::*, std::string>> faults = {
      {&RecordFiles::manifest, "manifest.json"},       {&RecordFiles::trustees, "trustees.json"},
      {&RecordFiles::credentials, "credentials.json"}, {&RecordFiles::ballots, "ballots.jsonl"},
      {&RecordFiles::tree_head, "tree_head.json"},     {&RecordFiles::tally, "tally.json"},
      {&RecordFiles::results, "results.json"}};
  for (const auto& [field, name] : faults) {
    RecordFiles files = record.files;
    files.*field = flip_last(files.*field);
    const auto report = verify_record(files);
    ASSERT_FALSE(report.ok()) << name;
    EXPECT_NE(report.error().message().find(name), std::string::npos)
        << name << ": " << report.error().message();
  }
}

// The ballots' proofs are checked on several threads, the state in log order:
// an earlier fault of the state wins over a later fault of a line.
TEST(SyntheticRecord, TheFirstFaultInLogOrderIsTheAnswer) {
  auto o = small();
  o.voters = 40;
  o.scrutins = 1;
  o.turnout_percent = 100;
  o.reissued = 0;
  const auto record = synth::make_record(o).value();
  std::vector<std::string> lines = lines_of(record.files.ballots);
  ASSERT_EQ(lines.size(), 40U);
  // Line 4 repeats line 3's ballot (the same voter again); line 30's reference is wrong.
  Json repeat = parse_canonical(lines[2]).value();
  repeat["log_index"] = 3;
  lines[3] = canonical_dump(repeat);
  Json wrong = parse_canonical(lines[29]).value();
  wrong["reference"] = parse_canonical(lines[28]).value()["reference"];
  lines[29] = canonical_dump(wrong);
  RecordFiles files = record.files;
  files.ballots.clear();
  for (const std::string& line : lines) files.ballots += line + "\n";
  const auto report = verify_record(files);
  ASSERT_FALSE(report.ok());
  EXPECT_EQ(report.error().reason, "already_voted");
  EXPECT_NE(report.error().message().find("ballots.jsonl line 4"), std::string::npos)
      << report.error().message();
  // Without the repeat, the later fault is the answer.
  lines[3] = lines_of(record.files.ballots)[3];
  files.ballots.clear();
  for (const std::string& line : lines) files.ballots += line + "\n";
  const auto later = verify_record(files);
  ASSERT_FALSE(later.ok());
  EXPECT_NE(later.error().message().find("ballots.jsonl line 30"), std::string::npos)
      << later.error().message();
}

TEST(SyntheticRecord, ProgressCountsTheBallotsUpToTheTotal) {
  auto o = small();
  o.voters = 40;
  const auto record = synth::make_record(o).value();
  std::vector<std::pair<uint64_t, uint64_t>> calls;
  const auto report = verify_record(
      record.files, [&](uint64_t done, uint64_t total) { calls.emplace_back(done, total); });
  ASSERT_TRUE(report.ok()) << report.error().message();
  ASSERT_FALSE(calls.empty());
  EXPECT_EQ(calls.back(), std::make_pair(record.ballots, record.ballots));
  for (size_t i = 1; i < calls.size(); ++i) EXPECT_LE(calls[i - 1].first, calls[i].first);
}

TEST(SyntheticRecord, RefusesOptionsNoElectionHas) {
  auto o = small();
  o.voters = 0;
  EXPECT_EQ(synth::make_record(o).error().reason, "malformed");
  o = small();
  o.threshold = 4;
  EXPECT_EQ(synth::make_record(o).error().reason, "malformed");
  o = small();
  o.options = 1;
  EXPECT_EQ(synth::make_record(o).error().reason, "malformed");
}

}  // namespace
}  // namespace isoloir

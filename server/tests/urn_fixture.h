// Shared by the urn's tests and its benchmark: a throw-away data directory, a
// test election (the vectors' manifest with this test's server key, a
// one-trustee key and a window around a fixed time: never the real clock),
// voters with fresh vote codes and ballots made with the core.
#ifndef ISOLOIR_URN_TESTS_URN_FIXTURE_H_
#define ISOLOIR_URN_TESTS_URN_FIXTURE_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "isoloir/manifest.h"
#include "isoloir/record.h"
#include "isoloir/signature.h"
#include "isoloir/timestamp.h"
#include "isoloir/trustees.h"
#include "isoloir/urn/urn.h"
#include "isoloir/urn/voter_file.h"
#include "pg_scratch.h"

namespace isoloir::urn::test {

// The election opens at kOpens (unix seconds) and closes 8 days later.
inline constexpr int64_t kOpens = 1'700'000'000;
inline constexpr int64_t kCloses = kOpens + 8 * 86'400;
// kOpens + offset seconds.
inline Timestamp at(int64_t offset) {
  return Timestamp::from_unix(kOpens + offset);
}

// A fresh directory under $TMPDIR (or /tmp), removed with its content.
// With ISOLOIR_URN_BACKEND=postgres, the directory also names a fresh
// PostgreSQL database in its postgres.conninfo, so that an urn opened in it
// keeps its election there (pg_scratch.h).
class TempDir {
 public:
  TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  ~TempDir();
  const std::string& path() const { return path_; }

 private:
  std::string path_;
  std::unique_ptr<ScratchDatabase> database_;
};

// The same server key every time (a fixed seed), so the manifest can name it.
SigningKey server_key();

struct TestVoter {
  std::string identifier;  // v0007@example.org
  std::string pseudonym;   // v-0007
  std::string code;        // normalised vote code
  PublicKey credential{};
  std::vector<std::string> scrutins;

  VoterRow row() const;
};

// The election: manifest, the trustee's secret polynomial (to finish a record).
class TestElection {
 public:
  TestElection();
  const std::string& manifest_text() const { return manifest_text_; }
  // trustees.json of the election's one trustee, whose key is the manifest's public_key.
  std::string trustees_text() const;
  const Manifest& manifest() const { return manifest_; }

  // Voters 0..n-1 eligible for every scrutin, each with a fresh code.
  std::vector<TestVoter> voters(size_t n, size_t first = 0) const;
  // A ballot of `voter` in `scrutin` for its option `option` (index), signed
  // with the credential of `code` (the voter's by default).
  std::string ballot(const TestVoter& voter, const std::string& scrutin, size_t option = 0,
                     const std::string& code = {}) const;

  // Opens an urn in `dir`, imports the election and the voters (credentials
  // issued a day before the opening).
  std::unique_ptr<Urn> open_with(const std::string& dir, const std::vector<TestVoter>& voters,
                                 bool import = true) const;

  // Completes exported record files with trustees.json, tally.json and
  // results.json computed by this election's single trustee.
  void finish_record(RecordFiles& files) const;

 private:
  std::string manifest_text_;
  Manifest manifest_;
  std::unique_ptr<TrusteePolynomial> trustee_;
  Trustees trustees_;
};

}  // namespace isoloir::urn::test

#endif  // ISOLOIR_URN_TESTS_URN_FIXTURE_H_

// isoloir_board_fixture DATA_DIR N: a test-only program that fills a data
// directory the way an election would (the vectors' manifest with this
// directory's server key and a window around now, N voters, one ballot
// each cast through the Urn library) and prints the references in log
// order, one per line. For the JavaScript test of the board
// (tests/js/board.test.mjs), which cannot cast: casting over HTTP needs the
// login slice. Exit 1 with the reason on stderr if anything fails.
#include <cstdio>
#include <cstdlib>
#include <string>

#include "isoloir/ballot.h"
#include "isoloir/bytes.h"
#include "isoloir/credential.h"
#include "isoloir/manifest.h"
#include "isoloir/random.h"
#include "isoloir/timestamp.h"
#include "isoloir/urn/data_dir.h"
#include "isoloir/vote_code.h"
#include "vectors.h"

namespace {

int failed(const std::string& what, const isoloir::Error& e) {
  std::fprintf(stderr, "isoloir_board_fixture: %s: %s\n", what.c_str(), e.message().c_str());
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  using namespace isoloir;  // NOLINT(google-build-using-namespace): a test program
  if (argc != 3) {
    std::fprintf(stderr, "usage: isoloir_board_fixture DATA_DIR N\n");
    return 2;
  }
  const std::string dir = argv[1];
  const int n = std::atoi(argv[2]);
  auto urn = urn::open_data_dir(dir);
  if (!urn) return failed("open", urn.error());

  Json doc = test::load_vector("manifest.json")["manifest"];
  auto key = urn::open_server_key(dir);
  if (!key) return failed("server key", key.error());
  const int64_t now = Timestamp::now().seconds;
  doc["server_key"] = base64url_encode(key->public_key());
  doc["opens_at"] = Timestamp::from_unix(now - 3600).to_string();
  doc["closes_at"] = Timestamp::from_unix(now + 86'400).to_string();
  auto manifest = parse_manifest(doc.dump());
  if (!manifest) return failed("manifest", manifest.error());
  if (Status s = (*urn)->import_election(
          manifest->canonical, test::read_file(test::vector_path("record/trustees.json")));
      !s) {
    return failed("import election", s.error());
  }

  std::vector<std::string> codes;
  std::vector<urn::VoterRow> rows;
  for (int i = 0; i < n; ++i) {
    codes.push_back(generate_vote_code());
    urn::VoterRow row;
    row.identifier = "voter" + std::to_string(i) + "@example.org";
    row.name = "Voter " + std::to_string(i);
    for (const Scrutin& s : manifest->scrutins) row.scrutins.push_back(s.id);
    row.credential = base64url_encode(credential_key(manifest->id, codes.back())->public_key());
    row.pseudonym = "p-" + std::to_string(i);
    rows.push_back(std::move(row));
  }
  if (Status s = (*urn)->import_voters(rows, Timestamp::now()); !s) {
    return failed("import voters", s.error());
  }

  SystemScalarSource rng;
  std::string out;
  for (int i = 0; i < n; ++i) {
    const Scrutin& s = manifest->scrutins[static_cast<size_t>(i) % manifest->scrutins.size()];
    auto credential = credential_key(manifest->id, codes[static_cast<size_t>(i)]);
    auto ballot = create_ballot(*manifest, s.id, {s.options[0].id}, *credential, rng);
    if (!ballot) return failed("ballot", ballot.error());
    auto receipt =
        (*urn)->cast(rows[static_cast<size_t>(i)].identifier, ballot->bytes, Timestamp::now());
    if (!receipt) return failed("cast", receipt.error());
    out += receipt->reference + "\n";
  }
  std::fputs(out.c_str(), stdout);
  return 0;
}

#include "urn_fixture.h"

#include <stdlib.h>  // NOLINT(modernize-deprecated-headers): mkdtemp

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <map>

#include "isoloir/ballot.h"
#include "isoloir/canonical_json.h"
#include "isoloir/credential.h"
#include "isoloir/random.h"
#include "isoloir/tally.h"
#include "isoloir/vote_code.h"
#include "vectors.h"

namespace isoloir::urn::test {
namespace {

[[noreturn]] void die(const std::string& what) {
  std::fprintf(stderr, "urn fixture: %s\n", what.c_str());
  std::abort();
}

template <class T>
T must(Result<T> r, const char* what) {
  if (!r) die(std::string(what) + ": " + r.error().message());
  return std::move(r).value();
}

std::string pad4(size_t i) {
  std::string s = std::to_string(i);
  return std::string(s.size() < 4 ? 4 - s.size() : 0, '0') + s;
}

}  // namespace

TempDir::TempDir() {
  const char* tmp = std::getenv("TMPDIR");
  std::string templ = std::string(tmp != nullptr ? tmp : "/tmp") + "/isoloir-urn-XXXXXX";
  if (mkdtemp(templ.data()) == nullptr) die("mkdtemp " + templ);
  path_ = templ;
  if (postgres_backend()) {
    database_ = std::make_unique<ScratchDatabase>();
    std::FILE* f = std::fopen((path_ + "/" + kPostgresFile).c_str(), "w");
    if (f == nullptr || std::fputs(database_->conninfo().c_str(), f) < 0 || std::fclose(f) != 0) {
      die("cannot write " + path_ + "/" + kPostgresFile);
    }
  }
}

TempDir::~TempDir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

SigningKey server_key() {
  std::array<uint8_t, SigningKey::kSeedBytes> seed{};
  for (size_t i = 0; i < seed.size(); ++i) seed[i] = static_cast<uint8_t>(0xA0 + i);
  return SigningKey::from_seed(seed);
}

VoterRow TestVoter::row() const {
  VoterRow r;
  r.identifier = identifier;
  r.name = "Voter " + pseudonym;
  r.scrutins = scrutins;
  r.credential = base64url_encode(credential);
  r.pseudonym = pseudonym;
  return r;
}

TestElection::TestElection() {
  Json doc = isoloir::test::load_vector("manifest.json")["manifest"];
  SystemScalarSource rng;
  trustee_ = std::make_unique<TrusteePolynomial>(
      must(TrusteePolynomial::generate(1, rng), "trustee polynomial"));
  const std::string election_id = doc["id"].get<std::string>();
  TrusteeInfo info;
  info.index = 1;
  info.name = "Trustee 1";
  info.box_key = BoxKeyPair::generate().public_key();
  info.commitments = trustee_->commitments();
  info.pok = trustee_->prove_knowledge(election_id, 1, rng);
  const std::vector<std::vector<Point>> all = {info.commitments};
  info.verification_key = verification_key(all, 1);
  trustees_.election_id = election_id;
  trustees_.threshold = 1;
  trustees_.public_key = election_key(all);
  trustees_.trustees.push_back(std::move(info));

  doc["public_key"] = trustees_.public_key.to_base64url();
  doc["server_key"] = base64url_encode(server_key().public_key());
  doc["opens_at"] = Timestamp::from_unix(kOpens).to_string();
  doc["closes_at"] = Timestamp::from_unix(kCloses).to_string();
  manifest_text_ = doc.dump(2);  // any layout: the urn keeps the canonical bytes
  manifest_ = must(parse_manifest(manifest_text_), "test manifest");
}

std::vector<TestVoter> TestElection::voters(size_t n, size_t first) const {
  const Manifest& m = manifest_;
  std::vector<TestVoter> out;
  for (size_t i = first; i < first + n; ++i) {
    TestVoter v;
    v.identifier = "v" + pad4(i) + "@example.org";
    v.pseudonym = "v-" + pad4(i);
    v.code = generate_vote_code();
    v.credential = must(credential_key(m.id, v.code), "credential").public_key();
    for (const Scrutin& s : m.scrutins) v.scrutins.push_back(s.id);
    out.push_back(std::move(v));
  }
  return out;
}

std::string TestElection::ballot(const TestVoter& voter, const std::string& scrutin, size_t option,
                                 const std::string& code) const {
  const SigningKey key =
      must(credential_key(manifest_.id, code.empty() ? voter.code : code), "credential key");
  const Scrutin* s = manifest_.find_scrutin(scrutin);
  if (s == nullptr) die("no scrutin " + scrutin);
  SystemScalarSource rng;
  return must(create_ballot(manifest_, scrutin, {s->options.at(option).id}, key, rng), "ballot")
      .bytes;
}

std::string TestElection::trustees_text() const {
  return canonical_dump(trustees_to_json(trustees_));
}

std::unique_ptr<Urn> TestElection::open_with(const std::string& dir,
                                             const std::vector<TestVoter>& voters,
                                             bool import) const {
  auto urn = must(Urn::open(dir, server_key()), "open urn");
  if (import) {
    if (Status s = urn->import_election(manifest_text_, trustees_text()); !s)
      die(s.error().message());
    std::vector<VoterRow> rows;
    for (const TestVoter& v : voters) rows.push_back(v.row());
    if (Status s = urn->import_voters(rows, at(-86'400)); !s) die(s.error().message());
  }
  return urn;
}

void TestElection::finish_record(RecordFiles& files) const {
  SystemScalarSource rng;
  files.trustees = canonical_dump(trustees_to_json(trustees_));
  const Scalar share = trustee_->eval(1);  // x_1 = f_1(1): one trustee
  struct Sum {
    uint64_t ballots = 0;
    std::vector<Point> alpha, beta;
  };
  std::map<std::string, Sum> sums;
  size_t pos = 0;
  while (pos < files.ballots.size()) {
    const size_t end = files.ballots.find('\n', pos);
    const Json line = must(parse_canonical(files.ballots.substr(pos, end - pos)), "ballots line");
    pos = end + 1;
    const auto b = must(verify_ballot(manifest_, canonical_dump(line["ballot"])), "record ballot");
    Sum& sum = sums[b.scrutin];
    if (sum.ballots++ == 0) {
      for (const Ciphertext& c : b.answers) {
        sum.alpha.push_back(c.alpha);
        sum.beta.push_back(c.beta);
      }
    } else {
      for (size_t i = 0; i < b.answers.size(); ++i) {
        sum.alpha[i] += b.answers[i].alpha;
        sum.beta[i] += b.answers[i].beta;
      }
    }
  }
  Json tally_scrutins = Json::array();
  Json result_scrutins = Json::array();
  for (const Scrutin& s : manifest_.scrutins) {
    const Sum& sum = sums[s.id];
    Json options = Json::array();
    Json counts = Json::array();
    for (size_t i = 0; i < s.options.size(); ++i) {
      Json o = Json::object();
      o["id"] = s.options[i].id;
      o["index"] = static_cast<int64_t>(i);
      uint64_t count = 0;
      if (sum.ballots > 0) {
        const DecryptionContext ctx{manifest_.hash, s.id, static_cast<uint32_t>(i)};
        auto partial = must(partial_decrypt(ctx, 1, share, sum.alpha[i], rng), "partial");
        const std::vector<PartialDecryption> partials = {partial};
        const Point ax = must(combine_partials(partials, 1), "combine");
        count = must(decrypt_count(sum.beta[i], ax, sum.ballots), "count");
        o["alpha"] = sum.alpha[i].to_base64url();
        o["beta"] = sum.beta[i].to_base64url();
        o["partials"] = Json::array({partial_to_json(partial)});
      }
      options.push_back(std::move(o));
      Json c = Json::object();
      c["id"] = s.options[i].id;
      c["count"] = static_cast<int64_t>(count);
      counts.push_back(std::move(c));
    }
    Json t = Json::object();
    t["id"] = s.id;
    t["ballots"] = static_cast<int64_t>(sum.ballots);
    t["options"] = std::move(options);
    tally_scrutins.push_back(std::move(t));
    Json r = Json::object();
    r["id"] = s.id;
    r["ballots"] = static_cast<int64_t>(sum.ballots);
    r["counts"] = std::move(counts);
    result_scrutins.push_back(std::move(r));
  }
  auto document = [&](const char* kind, Json scrutins) {
    Json d = Json::object();
    d["version"] = "isoloir/1";
    d["kind"] = kind;
    d["election"] = manifest_.hash_b64;
    d["scrutins"] = std::move(scrutins);
    return canonical_dump(d);
  };
  files.tally = document("tally", std::move(tally_scrutins));
  files.results = document("results", std::move(result_scrutins));
}

}  // namespace isoloir::urn::test

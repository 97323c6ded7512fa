#include "synthetic_record.h"

#include <sodium.h>

#include <algorithm>
#include <atomic>
#include <mutex>
#include <optional>
#include <thread>

#include "isoloir/ballot.h"
#include "isoloir/canonical_json.h"
#include "isoloir/closing.h"
#include "isoloir/credential.h"
#include "isoloir/manifest.h"
#include "isoloir/merkle.h"
#include "isoloir/random.h"
#include "isoloir/record_writer.h"
#include "isoloir/registry.h"
#include "isoloir/tally.h"
#include "isoloir/tree_head.h"
#include "isoloir/trustees.h"
#include "isoloir/vote_code.h"

namespace isoloir::synth {
namespace {

// 2026-01-05T07:00:00Z to 2026-01-12T16:00:00Z: eight days, as in the ministry's elections.
constexpr int64_t kOpens = 1'767'596'400;
constexpr int64_t kCloses = kOpens + 7 * 86'400 + 9 * 3'600;

// 64 bytes of SHA-512(seed, purpose, index, counter): every draw of the
// generator, so that a thread's work does not depend on another's.
std::array<uint8_t, 64> draw(uint64_t seed, std::string_view purpose, uint64_t index,
                             uint64_t counter) {
  crypto_hash_sha512_state st;
  crypto_hash_sha512_init(&st);
  const uint64_t words[3] = {seed, index, counter};
  crypto_hash_sha512_update(&st, reinterpret_cast<const uint8_t*>(words), sizeof words);
  crypto_hash_sha512_update(&st, reinterpret_cast<const uint8_t*>(purpose.data()), purpose.size());
  std::array<uint8_t, 64> out{};
  crypto_hash_sha512_final(&st, out.data());
  return out;
}

class SeededScalars final : public ScalarSource {
 public:
  SeededScalars(uint64_t seed, std::string_view purpose, uint64_t index)
      : seed_(seed), purpose_(purpose), index_(index) {}
  Scalar next() override { return Scalar::reduce(draw(seed_, purpose_, index_, counter_++)); }

 private:
  uint64_t seed_;
  std::string purpose_;
  uint64_t index_;
  uint64_t counter_ = 0;
};

std::string seeded_code(uint64_t seed, uint64_t voter, uint64_t which) {
  const auto bytes = draw(seed, "code", voter, which);
  std::string code;
  for (size_t i = 0; i < kCodeSymbols - 1; ++i) code += kCodeAlphabet[bytes[i] & 31];
  code += vote_code_check_symbol(code);
  return code;
}

std::string pseudonym(uint64_t voter) {
  std::string n = std::to_string(voter + 1);
  return "v-" + std::string(n.size() < 7 ? 7 - n.size() : 0, '0') + n;
}

struct Ceremony {
  Trustees transcript;
  std::vector<Scalar> shares;  // x_j, index j - 1
};

Result<Ceremony> key_ceremony(const Options& o, const std::string& election_id) {
  Ceremony c;
  c.transcript.election_id = election_id;
  c.transcript.threshold = o.threshold;
  std::vector<TrusteePolynomial> polys;
  std::vector<BoxKeyPair> boxes;
  for (uint32_t i = 1; i <= o.trustees; ++i) {
    SeededScalars rng(o.seed, "trustee", i);
    auto poly = TrusteePolynomial::generate(o.threshold, rng);
    if (!poly) return poly.error();
    const auto secret = draw(o.seed, "box", i, 0);
    BoxKeyPair::Key sk{};
    std::copy_n(secret.begin(), sk.size(), sk.begin());
    boxes.push_back(BoxKeyPair::from_secret(sk));
    sodium_memzero(sk.data(), sk.size());
    TrusteeInfo info;
    info.index = i;
    info.name = "Assesseur " + std::to_string(i);
    info.box_key = boxes.back().public_key();
    info.commitments = poly->commitments();
    info.pok = poly->prove_knowledge(election_id, i, rng);
    c.transcript.trustees.push_back(std::move(info));
    polys.push_back(std::move(*poly));
  }
  const auto all = c.transcript.all_commitments();
  c.transcript.public_key = election_key(all);
  for (uint32_t j = 1; j <= o.trustees; ++j) {
    c.transcript.trustees[j - 1].verification_key = verification_key(all, j);
    std::vector<Scalar> received;
    for (uint32_t i = 1; i <= o.trustees; ++i) {
      const Scalar share = polys[i - 1].eval(j);
      received.push_back(share);
      if (i == j) continue;
      auto sealed = seal_share(share, boxes[j - 1].public_key());
      if (!sealed) return sealed.error();
      c.transcript.shares.push_back(SealedShare{i, j, std::move(*sealed)});
    }
    c.shares.push_back(key_share(received));
  }
  // The transcript lists shares by sender, then recipient.
  std::sort(c.transcript.shares.begin(), c.transcript.shares.end(),
            [](const SealedShare& a, const SealedShare& b) {
              return a.from != b.from ? a.from < b.from : a.to < b.to;
            });
  return c;
}

std::string manifest_text(const Options& o, const Point& public_key, const PublicKey& server_key) {
  Json scrutins = Json::array();
  for (uint32_t s = 1; s <= o.scrutins; ++s) {
    Json options = Json::array();
    for (uint32_t i = 1; i <= o.options; ++i) {
      const bool blank = i == o.options;
      Json opt = Json::object();
      opt["id"] = blank ? std::string("blank") : "liste-" + std::to_string(i);
      opt["label"] = blank ? std::string("Vote blanc") : "Liste " + std::to_string(i);
      opt["blank"] = blank;
      options.push_back(std::move(opt));
    }
    Json sc = Json::object();
    sc["id"] = "scrutin-" + std::to_string(s);
    sc["title"] = "Scrutin " + std::to_string(s);
    sc["min"] = 1;
    sc["max"] = 1;
    sc["options"] = std::move(options);
    scrutins.push_back(std::move(sc));
  }
  Json m = Json::object();
  m["version"] = "isoloir/1";
  m["id"] = "synthetique-" + std::to_string(o.seed);
  m["title"] = "Élection synthétique";
  m["timezone"] = "Europe/Paris";
  m["opens_at"] = Timestamp::from_unix(kOpens).to_string();
  m["closes_at"] = Timestamp::from_unix(kCloses).to_string();
  m["public_key"] = public_key.to_base64url();
  m["server_key"] = base64url_encode(server_key);
  m["scrutins"] = std::move(scrutins);
  return canonical_dump(m);
}

struct Job {
  uint64_t voter = 0;
  uint32_t scrutin = 0;  // 0-based
  uint32_t option = 0;   // 0-based, the one marked
};

struct Made {
  std::string bytes;
  VerifiedBallot parsed;  // the fields the tally needs, read back from the bytes
};

// The ciphertexts of a ballot this generator has just made (it trusts its own
// prover; verify_record checks everything afterwards).
Result<VerifiedBallot> read_back(const Manifest& m, const Job& job, const std::string& bytes_view) {
  auto doc = parse_canonical(bytes_view);
  if (!doc) return doc.error();
  VerifiedBallot b;
  b.scrutin = m.scrutins[job.scrutin].id;
  b.digest = ballot_digest(bytes_view);
  for (const Json& a : (*doc)["answers"]) {
    auto alpha = Point::from_base64url(a["alpha"].get<std::string>(), "alpha");
    if (!alpha) return alpha.error();
    auto beta = Point::from_base64url(a["beta"].get<std::string>(), "beta");
    if (!beta) return beta.error();
    b.answers.push_back(Ciphertext{*alpha, *beta});
  }
  return b;
}

Status check(const Options& o) {
  if (o.voters == 0 || o.scrutins == 0 || o.options < 2) {
    return fail("malformed", "an election needs voters, a scrutin and two options");
  }
  if (o.threshold == 0 || o.threshold > o.trustees) {
    return fail("malformed", "the threshold must be between 1 and the number of trustees");
  }
  for (uint32_t j : o.decrypting) {
    if (j == 0 || j > o.trustees) return fail("malformed", "no trustee " + std::to_string(j));
  }
  if (!o.decrypting.empty() && o.decrypting.size() < o.threshold) {
    return fail("malformed", "fewer decrypting trustees than the threshold");
  }
  if (o.reissued > o.voters || o.turnout_percent > 100) {
    return fail("malformed", "more re-issues than voters, or a turnout above 100%");
  }
  return Status::Ok();
}

}  // namespace

Result<Record> make_record(const Options& o) {
  if (Status s = check(o); !s) return s.error();
  ensure_sodium();
  const std::string election_id = "synthetique-" + std::to_string(o.seed);
  auto ceremony = key_ceremony(o, election_id);
  if (!ceremony) return ceremony.error();
  const auto server_seed = draw(o.seed, "server", 0, 0);
  std::array<uint8_t, SigningKey::kSeedBytes> seed{};
  std::copy_n(server_seed.begin(), seed.size(), seed.begin());
  const SigningKey server = SigningKey::from_seed(seed);
  Record out;
  out.server_seed = seed;
  sodium_memzero(seed.data(), seed.size());
  auto manifest =
      parse_manifest(manifest_text(o, ceremony->transcript.public_key, server.public_key()));
  if (!manifest) return manifest.error();
  const Manifest& m = *manifest;
  out.files.manifest = m.canonical;
  out.files.trustees = canonical_dump(trustees_to_json(ceremony->transcript));

  // Credentials: a re-issued voter's first code is revoked an hour after the opening.
  const Timestamp issued = Timestamp::from_unix(kOpens - 86'400);
  const Timestamp reissue = Timestamp::from_unix(kOpens + 3'600);
  std::vector<CredentialEvent> events;
  for (uint64_t v = 0; v < o.voters; ++v) {
    const bool twice = v < o.reissued;
    for (uint64_t which = 0; which < (twice ? 2U : 1U); ++which) {
      auto key = credential_key(election_id, seeded_code(o.seed, v, which));
      if (!key) return key.error();
      CredentialEvent e;
      e.voter = pseudonym(v);
      e.credential = key->public_key();
      e.issued_at = which == 0 ? issued : reissue;
      if (twice && which == 0) e.revoked_at = reissue;
      events.push_back(std::move(e));
    }
  }
  out.files.credentials = credentials_file(m.hash_b64, events);

  // The votes, drawn from the seed: who votes in which scrutin, and for what.
  std::vector<Job> jobs;
  out.results.resize(m.scrutins.size());
  for (size_t s = 0; s < m.scrutins.size(); ++s) {
    out.results[s].scrutin = m.scrutins[s].id;
    for (const auto& opt : m.scrutins[s].options) out.results[s].counts.push_back({opt.id, 0});
  }
  for (uint64_t v = 0; v < o.voters; ++v) {
    for (uint32_t s = 0; s < o.scrutins; ++s) {
      const auto d = draw(o.seed, "vote", v, s);
      if (d[0] % 100 >= o.turnout_percent) continue;
      // Skewed towards the first lists, as real results are.
      const uint32_t option = std::min<uint32_t>(d[1] % o.options, d[2] % o.options);
      jobs.push_back(Job{v, s, option});
      ++out.results[s].ballots;
      ++out.results[s].counts[option].count;
    }
  }

  // The ballots, on every core.
  std::vector<Made> made(jobs.size());
  std::atomic<size_t> next{0};
  std::mutex mu;
  std::optional<Error> first_error;
  auto work = [&] {
    for (size_t k = next++; k < jobs.size(); k = next++) {
      const Job& job = jobs[k];
      const uint64_t which = job.voter < o.reissued ? 1 : 0;
      auto key = credential_key(election_id, seeded_code(o.seed, job.voter, which));
      SeededScalars rng(o.seed, "ballot", k);
      const Scrutin& s = m.scrutins[job.scrutin];
      Result<CreatedBallot> b = key ? create_ballot(m, s.id, {s.options[job.option].id}, *key, rng)
                                    : Result<CreatedBallot>(key.error());
      Result<VerifiedBallot> parsed =
          b ? read_back(m, job, b->bytes) : Result<VerifiedBallot>(b.error());
      if (!parsed) {
        std::lock_guard lock(mu);
        if (!first_error) first_error = parsed.error();
        return;
      }
      made[k].bytes = std::move(b->bytes);
      made[k].parsed = std::move(*parsed);
    }
  };
  const unsigned threads =
      o.threads != 0 ? o.threads : std::max(1U, std::thread::hardware_concurrency());
  std::vector<std::thread> pool;
  for (unsigned t = 1; t < threads; ++t) pool.emplace_back(work);
  work();
  for (auto& t : pool) t.join();
  if (first_error) return *first_error;

  // The log: received in order across the window, after the re-issues.
  Aggregates aggregates(m);
  std::vector<merkle::Hash> leaves;
  leaves.reserve(made.size());
  const int64_t first = kOpens + 2 * 3'600;
  const int64_t span = kCloses - 3'600 - first;
  for (size_t k = 0; k < made.size(); ++k) {
    const auto at = Timestamp::from_unix(
        first + static_cast<int64_t>(static_cast<double>(k) / static_cast<double>(made.size()) *
                                     static_cast<double>(span)));
    auto line = ballot_line(k, at, made[k].bytes);
    if (!line) return line.error();
    out.files.ballots += *line;
    if (Status s = aggregates.add(made[k].parsed); !s) return s.error();
    leaves.push_back(merkle::leaf_hash(made[k].parsed.digest));
  }
  out.ballots = made.size();
  out.files.tree_head = sign_tree_head(server, m.hash_b64, leaves.size(), merkle::root(leaves),
                                       Timestamp::from_unix(kCloses))
                            .bytes;
  auto close =
      close_document(m.hash_b64, Timestamp::from_unix(kCloses), false, out.files.tree_head, server);
  if (!close) return close.error();
  out.close = std::move(*close);
  out.aggregates = aggregates_file(m, aggregates, out.files.tree_head);
  out.key_shares = ceremony->shares;

  // The decryption, by the trustees asked for; the counts checked against the votes.
  std::vector<uint32_t> decrypting = o.decrypting;
  if (decrypting.empty()) {
    for (uint32_t j = 1; j <= o.trustees; ++j) decrypting.push_back(j);
  }
  std::vector<ScrutinPartials> partials;
  for (size_t si = 0; si < m.scrutins.size(); ++si) {
    const Scrutin& s = m.scrutins[si];
    const Aggregates::Scrutin& agg = aggregates.of(s.id);
    ScrutinPartials p{s.id, std::vector<std::vector<PartialDecryption>>(s.options.size())};
    if (agg.ballots > 0) {
      for (size_t i = 0; i < s.options.size(); ++i) {
        const DecryptionContext ctx{m.hash, s.id, static_cast<uint32_t>(i)};
        for (uint32_t j : decrypting) {
          SeededScalars rng(o.seed, "decrypt", (si << 40) | (i << 20) | j);
          auto d = partial_decrypt(ctx, j, ceremony->shares[j - 1], agg.options[i].alpha, rng);
          if (!d) return d.error();
          p.options[i].push_back(*d);
        }
        auto ax = combine_partials(p.options[i], o.threshold);
        if (!ax) return ax.error();
        auto count = decrypt_count(agg.options[i].beta, *ax, agg.ballots);
        if (!count) return count.error();
        if (*count != out.results[si].counts[i].count) {
          return fail("bad_record", "the decrypted count of " + s.id + " is not the votes'");
        }
      }
    }
    partials.push_back(std::move(p));
  }
  auto tally = tally_file(m, aggregates, partials);
  if (!tally) return tally.error();
  out.files.tally = std::move(*tally);
  out.files.results = results_file(m.hash_b64, out.results);
  return out;
}

}  // namespace isoloir::synth

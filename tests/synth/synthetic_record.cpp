#include "synthetic_record.h"

#include <sodium.h>

#include <algorithm>
#include <atomic>
#include <mutex>
#include <optional>
#include <span>
#include <thread>
#include <utility>

#include "isoloir/ballot.h"
#include "isoloir/canonical_json.h"
#include "isoloir/closing.h"
#include "isoloir/credential.h"
#include "isoloir/hash.h"
#include "isoloir/manifest.h"
#include "isoloir/merkle.h"
#include "isoloir/proof.h"
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
  Scalar secret;               // x, with h = g^x: the sum of the polynomials' constant terms
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
    c.secret += poly->eval(0);
    polys.push_back(std::move(*poly));
  }
  const auto all = c.transcript.all_commitments();
  c.transcript.public_key = election_key(all);
  if (!(Point::base_mul(c.secret) == c.transcript.public_key)) {
    return fail("bad_public_key", "the generator's secret key is not the election's");
  }
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

// What the log needs of a ballot: its line and leaf; the ciphertexts go
// into the aggregates of the thread that made it.
struct Made {
  std::string bytes;
  VerifiedBallot parsed;  // the fields the tally needs
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

// The ballot format's constants (src/ballot.cpp, src/proof.cpp, PROTOCOL.md
// section 4), repeated here for the trapdoor prover: a change there that is
// not made here gives ballots that verify_record refuses, and the test
// SyntheticRecord.TrapdoorProverMakesCreateBallotsBytes compares the two.
constexpr std::string_view kBallotVersion = "isoloir/1";
constexpr std::string_view kBallotSignatureTag = "isoloir/1/ballot";
constexpr std::string_view kDisjunctiveTag = "isoloir/1/disjunctive";
constexpr int64_t kOptionValues[] = {0, 1};

Json proof_json(const DisjunctiveProof& proof) {
  Json out = Json::array();
  for (const auto& br : proof) {
    Json e = Json::object();
    e["c"] = br.c.to_base64url();
    e["s"] = br.s.to_base64url();
    out.push_back(std::move(e));
  }
  return out;
}

// prove_disjunctive's proof, for (alpha, beta) = (g^r, g^m h^r), h = g^x,
// with the same draws from `rng` in the same order: every commitment
// g^z alpha^-c, h^z (beta g^-v)^-c is g^(z - r c), g^(x z - c (m + x r - v)),
// one fixed-base multiplication each instead of three variable-base ones.
// Variable time: the generator's secrets are not anyone's.
DisjunctiveProof prove_with_trapdoor(const ProofContext& ctx, const Scalar& x, const Point& alpha,
                                     const Point& beta, const Scalar& r, const Scalar& m,
                                     std::span<const int64_t> values, size_t real,
                                     ScalarSource& rng) {
  const size_t n = values.size();
  std::vector<ProofBranch> drawn(n - 1);
  for (auto& p : drawn) {
    p.c = rng.next();
    p.s = rng.next();
  }
  const Scalar w = rng.next();
  DisjunctiveProof branches(n);
  Transcript t(kDisjunctiveTag);
  t.add(ByteView(ctx.election_hash)).add(ctx.scrutin).add(ByteView(ctx.credential));
  t.add(ctx.label).add(alpha).add(beta);
  const Scalar xr = x * r;
  Scalar others;
  for (size_t j = 0; j < n; ++j) {
    if (j == real) {
      t.add(Point::base_mul(w)).add(Point::base_mul(x * w));
      continue;
    }
    const ProofBranch& p = drawn[j < real ? j : j - 1];
    const Scalar shifted = m + xr - Scalar::from_u64(static_cast<uint64_t>(values[j]));
    t.add(Point::base_mul(p.s - r * p.c)).add(Point::base_mul(x * p.s - p.c * shifted));
    branches[j] = p;
    others += p.c;
  }
  branches[real].c = t.challenge() - others;
  branches[real].s = w + branches[real].c * r;
  return branches;
}

// create_ballot for one marked option, through the trapdoor: the same bytes
// for the same draws. The ciphertexts are returned too (no reading back).
Result<Made> trapdoor_ballot(const Manifest& m, const Scalar& x, const Job& job,
                             const SigningKey& credential, ScalarSource& rng) {
  const Scrutin& s = m.scrutins[job.scrutin];
  if (s.min != 1 || s.max != 1) return fail("malformed", "the generator marks one option");
  const PublicKey& pk = credential.public_key();
  Made out;
  out.parsed.scrutin = s.id;
  out.parsed.credential = pk;
  Json answers = Json::array();
  Scalar sum_r;
  const Scalar one = Scalar::from_u64(1);
  const Scalar zero;
  for (size_t i = 0; i < s.options.size(); ++i) {
    const bool marked = i == job.option;
    const Scalar r = rng.next();
    const Point alpha = Point::base_mul(r);
    const Point beta = Point::base_mul(x * r + (marked ? one : zero));
    const std::string label = "option:" + std::to_string(i);
    const ProofContext ctx{m.hash, s.id, pk, label};
    const DisjunctiveProof proof = prove_with_trapdoor(ctx, x, alpha, beta, r, marked ? one : zero,
                                                       kOptionValues, marked ? 1 : 0, rng);
    Json a = Json::object();
    a["alpha"] = alpha.to_base64url();
    a["beta"] = beta.to_base64url();
    a["proof"] = proof_json(proof);
    answers.push_back(std::move(a));
    sum_r += r;
    out.parsed.answers.push_back(Ciphertext{alpha, beta});
  }
  // The products of the ciphertexts, g^(sum of r) and g^(1 + x sum of r): two
  // multiplications instead of a point addition per option.
  const Point sum_alpha = Point::base_mul(sum_r);
  const Point sum_beta = Point::base_mul(x * sum_r + one);
  const int64_t sums[] = {1};  // min .. max
  const ProofContext sum_ctx{m.hash, s.id, pk, "sum"};
  const DisjunctiveProof sum_proof =
      prove_with_trapdoor(sum_ctx, x, sum_alpha, sum_beta, sum_r, one, sums, 0, rng);
  Json doc = Json::object();
  doc["version"] = std::string(kBallotVersion);
  doc["election"] = m.hash_b64;
  doc["scrutin"] = s.id;
  doc["credential"] = base64url_encode(pk);
  doc["answers"] = std::move(answers);
  doc["sum_proof"] = proof_json(sum_proof);
  const SignatureBytes sig = credential.sign(kBallotSignatureTag, as_bytes(canonical_dump(doc)));
  doc["signature"] = base64url_encode(sig);
  out.bytes = canonical_dump(doc);
  out.parsed.digest = ballot_digest(out.bytes);
  out.parsed.reference = base64url_encode(out.parsed.digest);
  return out;
}

// Runs f(k, thread) for k in [first, last) on `threads` threads, each k once.
template <typename F>
void parallel_for(size_t first, size_t last, unsigned threads, F&& f) {
  std::atomic<size_t> next{first};
  auto work = [&](unsigned thread) {
    for (size_t k = next++; k < last; k = next++) f(k, thread);
  };
  std::vector<std::thread> pool;
  for (unsigned t = 1; t < threads; ++t) pool.emplace_back(work, t);
  work(0);
  for (auto& t : pool) t.join();
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

  // The ballots, on every core, in blocks so that only the log's text and
  // leaves grow with the record: each thread multiplies its ballots into its
  // own aggregates, and the lines are appended in log order after each block.
  // Received in order across the window, after the re-issues.
  const int64_t first = kOpens + 2 * 3'600;
  const int64_t span = kCloses - 3'600 - first;
  auto received_at = [&](size_t k) {
    return Timestamp::from_unix(
        first + static_cast<int64_t>(static_cast<double>(k) / static_cast<double>(jobs.size()) *
                                     static_cast<double>(span)));
  };
  const unsigned threads =
      o.threads != 0 ? o.threads : std::max(1U, std::thread::hardware_concurrency());
  std::vector<Aggregates> per_thread(threads, Aggregates(m));
  std::vector<merkle::Hash> leaves(jobs.size());
  std::mutex mu;
  std::optional<std::pair<size_t, Error>> first_error;  // the lowest log index that failed
  constexpr size_t kBlock = 4096;
  std::vector<std::string> lines;
  for (size_t block = 0; block < jobs.size(); block += kBlock) {
    const size_t last = std::min(jobs.size(), block + kBlock);
    lines.assign(last - block, std::string());
    parallel_for(block, last, threads, [&](size_t k, unsigned thread) {
      const Job& job = jobs[k];
      const uint64_t which = job.voter < o.reissued ? 1 : 0;
      auto key = credential_key(election_id, seeded_code(o.seed, job.voter, which));
      SeededScalars rng(o.seed, "ballot", k);
      Result<Made> made = key ? Result<Made>(Made{}) : Result<Made>(key.error());
      if (made && o.prover == Options::Prover::trapdoor) {
        made = trapdoor_ballot(m, ceremony->secret, job, *key, rng);
      } else if (made) {
        const Scrutin& s = m.scrutins[job.scrutin];
        auto b = create_ballot(m, s.id, {s.options[job.option].id}, *key, rng);
        auto parsed = b ? read_back(m, job, b->bytes) : Result<VerifiedBallot>(b.error());
        made = parsed ? Result<Made>(Made{std::move(b->bytes), std::move(*parsed)})
                      : Result<Made>(parsed.error());
      }
      Result<std::string> line =
          made ? ballot_line(k, received_at(k), made->bytes) : Result<std::string>(made.error());
      Status added = line ? per_thread[thread].add(made->parsed) : Status(line.error());
      if (!added) {
        std::lock_guard lock(mu);
        if (!first_error || first_error->first > k) first_error.emplace(k, added.error());
        return;
      }
      lines[k - block] = std::move(*line);
      leaves[k] = merkle::leaf_hash(made->parsed.digest);
    });
    if (first_error) return first_error->second;
    for (std::string& line : lines) {
      out.files.ballots += line;
      std::string().swap(line);
    }
    if (o.progress) o.progress(last, jobs.size());
  }
  Aggregates aggregates(m);
  for (const Aggregates& a : per_thread) {
    if (Status s = aggregates.merge(a); !s) return s.error();
  }
  out.ballots = jobs.size();
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

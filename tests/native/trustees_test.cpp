// PROTOCOL.md section 7: the trustees' DKG transcript, partial decryptions,
// their combination and the counts, against dkg.json and the record, plus a
// whole key generation and tally run through the trustees' side of the API.
#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

#include "../conformance/conformance.h"
#include "isoloir/bytes.h"
#include "isoloir/canonical_json.h"
#include "isoloir/hash.h"
#include "isoloir/random.h"
#include "isoloir/tally.h"
#include "isoloir/trustees.h"
#include "vectors.h"

namespace isoloir {
namespace {

using test::load_vector;

Point point(const std::string& b64) {
  auto p = Point::from_base64url(b64, "test");
  EXPECT_TRUE(p.ok()) << b64;
  return p.ok() ? *p : Point();
}

Digest32 digest(const std::string& b64) {
  auto d = base64url_decode_fixed<32>(b64, "test");
  EXPECT_TRUE(d.ok());
  return d.ok() ? *d : Digest32{};
}

Trustees vector_trustees() {
  auto t = load_trustees(load_vector("dkg.json")["trustees"]);
  EXPECT_TRUE(t.ok()) << (t.ok() ? "" : t.error().message());
  return t.ok() ? *t : Trustees{};
}

std::string reason_of(const Result<Trustees>& r) {
  return r.ok() ? "accepted" : r.error().reason;
}

// ---------------------------------------------------------------------------
// The public transcript.

TEST(Trustees, VectorTranscriptVerifies) {
  auto v = load_vector("dkg.json");
  const Trustees t = vector_trustees();
  ASSERT_EQ(t.trustees.size(), 3u);
  EXPECT_EQ(t.threshold, 2u);
  EXPECT_EQ(t.election_id, v["election_id"].get<std::string>());
  EXPECT_EQ(t.shares.size(), 6u);
  const auto commitments = t.all_commitments();
  for (const auto& [j, key] : v["expected_verification_keys"].items()) {
    const auto index = static_cast<uint32_t>(std::stoul(j));
    EXPECT_EQ(verification_key(commitments, index), point(key.get<std::string>())) << j;
    ASSERT_NE(t.find(index), nullptr);
    EXPECT_EQ(t.find(index)->verification_key, point(key.get<std::string>()));
  }
  EXPECT_EQ(election_key(commitments), t.public_key);
  for (const TrusteeInfo& info : t.trustees) {
    EXPECT_TRUE(verify_pok(t.election_id, info.index, info.commitments[0], info.pok).ok());
    // The proof is bound to the trustee's index and the election.
    EXPECT_FALSE(verify_pok(t.election_id, info.index + 1, info.commitments[0], info.pok).ok());
    EXPECT_FALSE(verify_pok("men-2023", info.index, info.commitments[0], info.pok).ok());
  }
}

TEST(Trustees, RecordTranscriptIsTheVectorsAndRoundTripsByteForByte) {
  const std::string bytes = test::read_file(test::vector_path("record/trustees.json"));
  auto doc = parse_canonical(bytes);
  ASSERT_TRUE(doc.ok());
  auto t = load_trustees(*doc);
  ASSERT_TRUE(t.ok()) << t.error().message();
  EXPECT_EQ(canonical_dump(trustees_to_json(*t)), bytes);
  EXPECT_EQ(*doc, load_vector("dkg.json")["trustees"]);
}

TEST(Trustees, VectorInvalidTranscriptsAreRefused) {
  auto v = load_vector("dkg.json");
  ASSERT_EQ(v["invalid_trustees"].size(), 4u);
  for (const auto& c : v["invalid_trustees"]) {
    auto parsed = parse_trustees(c["trustees"]);
    ASSERT_TRUE(parsed.ok()) << c["name"] << ": well-formed, only its cryptography is wrong";
    EXPECT_EQ(reason_of(load_trustees(c["trustees"])), c["expected"].get<std::string>())
        << c["name"];
  }
}

TEST(Trustees, StructuralRefusals) {
  const Json good = load_vector("dkg.json")["trustees"];
  ASSERT_EQ(reason_of(load_trustees(good)), "accepted");
  auto refused = [&](const char* what, auto edit, const std::string& reason) {
    Json doc = good;
    edit(doc);
    EXPECT_EQ(reason_of(load_trustees(doc)), reason) << what;
  };
  refused(
      "unknown key", [](Json& d) { d["extra"] = 1; }, "malformed");
  refused(
      "missing key", [](Json& d) { d.erase("shares"); }, "malformed");
  refused(
      "version", [](Json& d) { d["version"] = "isoloir/2"; }, "wrong_version");
  refused(
      "kind", [](Json& d) { d["kind"] = "tally"; }, "wrong_kind");
  refused(
      "threshold 0", [](Json& d) { d["threshold"] = 0; }, "malformed");
  refused(
      "threshold > n", [](Json& d) { d["threshold"] = 4; }, "malformed");
  refused(
      "threshold as text", [](Json& d) { d["threshold"] = "2"; }, "malformed");
  refused(
      "indices out of order", [](Json& d) { std::swap(d["trustees"][0], d["trustees"][1]); },
      "malformed");
  refused(
      "one commitment too many",
      [](Json& d) { d["trustees"][0]["commitments"].push_back(d["public_key"]); }, "malformed");
  refused(
      "identity commitment",
      [](Json& d) {
        d["trustees"][1]["commitments"][1] = base64url_encode(std::array<uint8_t, 32>{});
      },
      "identity_point");
  refused(
      "non-canonical PoK scalar",
      [](Json& d) {
        // l itself, the first non-canonical value.
        d["trustees"][2]["pok"]["s"] = "7dP1XBpjEljWnPei3vneFAAAAAAAAAAAAAAAAAAAABA";
      },
      "non_canonical_scalar");
  refused(
      "PoK with an extra key", [](Json& d) { d["trustees"][0]["pok"]["w"] = "x"; }, "malformed");
  refused(
      "short box key", [](Json& d) { d["trustees"][0]["box_key"] = "AAAA"; }, "bad_length");
  refused(
      "verification key", [](Json& d) { d["trustees"][0]["verification_key"] = d["public_key"]; },
      "bad_verification_key");
  refused(
      "a share missing", [](Json& d) { d["shares"].erase(d["shares"].size() - 1); }, "malformed");
  refused(
      "a share to oneself", [](Json& d) { d["shares"][0]["to"] = d["shares"][0]["from"]; },
      "malformed");
  refused(
      "a repeated share", [](Json& d) { d["shares"][1] = d["shares"][0]; }, "malformed");
  refused(
      "a truncated sealed share",
      [](Json& d) { d["shares"][0]["sealed"] = base64url_encode(Bytes(79, 0x42)); }, "bad_length");
}

// ---------------------------------------------------------------------------
// A whole key generation among 4 trustees, threshold 3, then a tally.

struct Ceremony {
  static constexpr uint32_t kN = 4;
  static constexpr uint32_t kT = 3;
  std::vector<TrusteePolynomial> polys;
  std::vector<BoxKeyPair> boxes;
  std::vector<Scalar> x;  // x_j, index j - 1
  Trustees transcript;
};

Ceremony run_ceremony(ScalarSource& rng) {
  Ceremony c;
  c.transcript.election_id = "men-2022";
  c.transcript.threshold = Ceremony::kT;
  for (uint32_t i = 1; i <= Ceremony::kN; ++i) {
    auto p = TrusteePolynomial::generate(Ceremony::kT, rng);
    EXPECT_TRUE(p.ok());
    c.polys.push_back(std::move(*p));
    c.boxes.push_back(BoxKeyPair::generate());
    TrusteeInfo info;
    info.index = i;
    info.name = "trustee " + std::to_string(i);
    info.box_key = c.boxes.back().public_key();
    info.commitments = c.polys.back().commitments();
    info.pok = c.polys.back().prove_knowledge("men-2022", i, rng);
    c.transcript.trustees.push_back(info);
  }
  for (uint32_t i = 1; i <= Ceremony::kN; ++i) {
    for (uint32_t j = 1; j <= Ceremony::kN; ++j) {
      if (i == j) continue;
      auto sealed = seal_share(c.polys[i - 1].eval(j), c.boxes[j - 1].public_key());
      EXPECT_TRUE(sealed.ok());
      c.transcript.shares.push_back(SealedShare{i, j, *sealed});
    }
  }
  // Each trustee j opens what it received, checks it against the sender's
  // commitments and adds its own f_j(j).
  for (uint32_t j = 1; j <= Ceremony::kN; ++j) {
    std::vector<Scalar> received{c.polys[j - 1].eval(j)};
    for (const SealedShare& s : c.transcript.shares) {
      if (s.to != j) continue;
      auto share = open_share(s.sealed, c.boxes[j - 1]);
      EXPECT_TRUE(share.ok());
      EXPECT_TRUE(verify_share(c.transcript.trustees[s.from - 1].commitments, j, *share).ok());
      received.push_back(*share);
    }
    EXPECT_EQ(received.size(), Ceremony::kN);
    c.x.push_back(key_share(received));
  }
  const auto commitments = c.transcript.all_commitments();
  for (TrusteeInfo& info : c.transcript.trustees) {
    info.verification_key = verification_key(commitments, info.index);
    EXPECT_EQ(info.verification_key, Point::base_mul(c.x[info.index - 1]));
  }
  c.transcript.public_key = election_key(commitments);
  return c;
}

TEST(Trustees, CeremonyProducesAConsistentTranscript) {
  SystemScalarSource rng;
  Ceremony c = run_ceremony(rng);
  EXPECT_TRUE(verify_trustees(c.transcript).ok());
  // The joint secret is Σ a_{i,0}, which any kT shares interpolate to.
  Scalar secret;
  for (const auto& p : c.polys) secret += p.eval(0);
  EXPECT_EQ(Point::base_mul(secret), c.transcript.public_key);
  const std::vector<uint32_t> some{4, 1, 3};
  auto lambda = lagrange_at_zero(some);
  ASSERT_TRUE(lambda.ok());
  Scalar interpolated;
  for (size_t k = 0; k < some.size(); ++k) interpolated += (*lambda)[k] * c.x[some[k] - 1];
  EXPECT_EQ(interpolated, secret);

  // Through JSON and back, then the same checks.
  const std::string bytes = canonical_dump(trustees_to_json(c.transcript));
  auto doc = parse_canonical(bytes);
  ASSERT_TRUE(doc.ok());
  auto again = load_trustees(*doc);
  ASSERT_TRUE(again.ok()) << again.error().message();
  EXPECT_EQ(canonical_dump(trustees_to_json(*again)), bytes);
}

TEST(Trustees, SharesAreCheckedAndSealed) {
  SystemScalarSource rng;
  Ceremony c = run_ceremony(rng);
  const auto& commitments_1 = c.transcript.trustees[0].commitments;
  Scalar wrong = c.polys[0].eval(2) + Scalar::from_u64(1);
  EXPECT_EQ(verify_share(commitments_1, 2, wrong).error().reason, "bad_share");
  EXPECT_EQ(verify_share(commitments_1, 3, c.polys[0].eval(2)).error().reason, "bad_share");

  const SealedShare& s = c.transcript.shares[0];  // from 1 to 2
  EXPECT_EQ(open_share(s.sealed, c.boxes[2]).error().reason, "bad_sealed_share");
  Bytes flipped = s.sealed;
  flipped[40] ^= 1;
  EXPECT_EQ(open_share(flipped, c.boxes[s.to - 1]).error().reason, "bad_sealed_share");
  EXPECT_EQ(open_share(ByteView(s.sealed).first(79), c.boxes[s.to - 1]).error().reason,
            "bad_length");
  // A stored secret key gives back the same pair.
  BoxKeyPair restored = BoxKeyPair::from_secret(c.boxes[1].secret_key());
  EXPECT_EQ(restored.public_key(), c.boxes[1].public_key());
  auto opened = open_share(s.sealed, restored);
  ASSERT_TRUE(opened.ok());
  EXPECT_EQ(*opened, c.polys[0].eval(2));
  // Sealing is randomised: the same share twice gives two boxes.
  EXPECT_NE(*seal_share(*opened, restored.public_key()),
            *seal_share(*opened, restored.public_key()));
}

TEST(Trustees, TamperedCeremonyTranscriptsAreRefused) {
  SystemScalarSource rng;
  Ceremony c = run_ceremony(rng);
  {
    Trustees t = c.transcript;
    t.trustees[3].pok.c += Scalar::from_u64(1);
    EXPECT_EQ(verify_trustees(t).error().reason, "bad_pok");
  }
  {
    Trustees t = c.transcript;
    t.trustees[2].commitments[2] = Point::generator();
    EXPECT_EQ(verify_trustees(t).error().reason, "bad_verification_key");
  }
  {
    Trustees t = c.transcript;
    t.public_key = t.public_key + Point::generator();
    EXPECT_EQ(verify_trustees(t).error().reason, "bad_public_key");
  }
  {
    // A PoK made for another election does not carry over.
    Trustees t = c.transcript;
    t.trustees[0].pok = c.polys[0].prove_knowledge("other", 1, rng);
    EXPECT_EQ(verify_trustees(t).error().reason, "bad_pok");
  }
}

// ---------------------------------------------------------------------------
// Tally.

TEST(Tally, LagrangeVectors) {
  auto v = load_vector("dkg.json");
  ASSERT_FALSE(v["lagrange"].empty());
  for (const auto& c : v["lagrange"]) {
    const auto indices = c["indices"].get<std::vector<uint32_t>>();
    auto lambda = lagrange_at_zero(indices);
    ASSERT_TRUE(lambda.ok());
    ASSERT_EQ(lambda->size(), c["coefficients"].size());
    for (size_t k = 0; k < indices.size(); ++k) {
      EXPECT_EQ((*lambda)[k].to_base64url(), c["coefficients"][k].get<std::string>());
    }
  }
  const std::vector<uint32_t> empty, zero{0, 1}, twice{2, 2};
  EXPECT_EQ(lagrange_at_zero(empty).error().reason, "bad_index_set");
  EXPECT_EQ(lagrange_at_zero(zero).error().reason, "bad_index_set");
  EXPECT_EQ(lagrange_at_zero(twice).error().reason, "bad_index_set");
}

TEST(Tally, PartialDecryptionVectors) {
  auto v = load_vector("dkg.json");
  const Trustees t = vector_trustees();
  const Digest32 election_hash = digest(v["election_hash"].get<std::string>());
  size_t valid = 0, invalid = 0;
  for (const auto& c : v["partial_decryptions"]) {
    const Json carried{{"trustee", c["trustee"]}, {"d", c["d"]}, {"proof", c["proof"]}};
    auto partial = parse_partial(carried, "partial");
    ASSERT_TRUE(partial.ok());
    EXPECT_EQ(partial_to_json(*partial), carried);
    const DecryptionContext ctx{election_hash, c["scrutin"].get<std::string>(),
                                c["option_index"].get<uint32_t>()};
    const TrusteeInfo* trustee = t.find(partial->trustee);
    ASSERT_NE(trustee, nullptr);
    Status st =
        verify_partial(ctx, trustee->verification_key, point(c["A"].get<std::string>()), *partial);
    if (c["valid"].get<bool>()) {
      EXPECT_TRUE(st.ok()) << c.dump();
      ++valid;
    } else {
      ASSERT_FALSE(st.ok()) << c.dump();
      EXPECT_EQ(st.error().reason, "bad_decryption_proof");
      ++invalid;
    }
  }
  EXPECT_GT(valid, 0u);
  EXPECT_GT(invalid, 0u);
}

TEST(Tally, BabyStepGiantStepVectors) {
  auto v = load_vector("dkg.json");
  ASSERT_FALSE(v["bsgs"].empty());
  for (const auto& c : v["bsgs"]) {
    const Point power = c["g^m"].is_null() ? Point::identity() : point(c["g^m"].get<std::string>());
    auto m = discrete_log(power, c["bound"].get<uint64_t>());
    ASSERT_TRUE(m.ok()) << c.dump();
    EXPECT_EQ(*m, c["m"].get<uint64_t>());
  }
}

TEST(Tally, BabyStepGiantStepEveryValueAndBeyond) {
  for (uint64_t bound : {0u, 1u, 2u, 3u, 4u, 15u, 16u, 17u, 99u}) {
    Point gm;
    for (uint64_t m = 0; m <= bound + 3; ++m) {
      auto got = discrete_log(gm, bound);
      if (m <= bound) {
        ASSERT_TRUE(got.ok()) << m << " <= " << bound;
        EXPECT_EQ(*got, m);
      } else {
        ASSERT_FALSE(got.ok()) << m << " > " << bound;
        EXPECT_EQ(got.error().reason, "count_out_of_range");
      }
      gm += Point::generator();
    }
  }
  // g^-1 is found by no bound.
  EXPECT_FALSE(discrete_log(Point::identity() - Point::generator(), 1000).ok());
  auto big = discrete_log(Point::base_mul(Scalar::from_u64(8000000)), 8000000);
  ASSERT_TRUE(big.ok());
  EXPECT_EQ(*big, 8000000u);
  EXPECT_EQ(discrete_log(Point::generator(), (uint64_t{1} << 36) + 1).error().reason, "bad_bound");
}

// record/: every partial verifies and every t-subset of trustees gives the
// published counts.
TEST(Tally, RecordCountsFromEveryThresholdSubset) {
  auto record = load_vector("record.json");
  auto tally = load_vector("record/tally.json");
  auto results = load_vector("record/results.json");
  auto doc = parse_canonical(test::read_file(test::vector_path("record/trustees.json")));
  ASSERT_TRUE(doc.ok());
  auto t = load_trustees(*doc);
  ASSERT_TRUE(t.ok());
  const Digest32 election_hash = digest(record["election_hash"].get<std::string>());
  EXPECT_EQ(election_hash,
            sha256(as_bytes(test::read_file(test::vector_path("record/manifest.json")))));

  std::map<std::string, std::map<std::string, uint64_t>> published;
  for (const auto& s : results["scrutins"]) {
    for (const auto& c : s["counts"]) {
      published[s["id"].get<std::string>()][c["id"].get<std::string>()] =
          c["count"].get<uint64_t>();
    }
  }
  size_t counted = 0;
  for (const auto& s : tally["scrutins"]) {
    const std::string scrutin = s["id"].get<std::string>();
    const auto ballots = s["ballots"].get<uint64_t>();
    for (const auto& o : s["options"]) {
      const auto option = o["index"].get<uint32_t>();
      const Point a = point(o["alpha"].get<std::string>());
      const Point b = point(o["beta"].get<std::string>());
      const DecryptionContext ctx{election_hash, scrutin, option};
      std::vector<PartialDecryption> partials;
      for (const auto& p : o["partials"]) {
        auto partial = parse_partial(p, "partial");
        ASSERT_TRUE(partial.ok());
        const TrusteeInfo* trustee = t->find(partial->trustee);
        ASSERT_NE(trustee, nullptr);
        ASSERT_TRUE(verify_partial(ctx, trustee->verification_key, a, *partial).ok())
            << scrutin << " " << option << " " << partial->trustee;
        // Bound to its option: the same partial fails for the next one.
        const DecryptionContext other{election_hash, scrutin, option + 1};
        EXPECT_FALSE(verify_partial(other, trustee->verification_key, a, *partial).ok());
        partials.push_back(*partial);
      }
      ASSERT_GE(partials.size(), t->threshold);
      const uint64_t want = published[scrutin][o["id"].get<std::string>()];
      // Every subset of exactly t partials, and all of them together.
      for (size_t i = 0; i < partials.size(); ++i) {
        for (size_t j = i + 1; j < partials.size(); ++j) {
          const std::vector<PartialDecryption> pair{partials[i], partials[j]};
          auto ax = combine_partials(pair, t->threshold);
          ASSERT_TRUE(ax.ok());
          auto m = decrypt_count(b, *ax, ballots);
          ASSERT_TRUE(m.ok()) << scrutin << " " << option;
          EXPECT_EQ(*m, want) << scrutin << " " << option;
          ++counted;
        }
      }
      auto all = combine_partials(partials, t->threshold);
      ASSERT_TRUE(all.ok());
      auto m_all = decrypt_count(b, *all, ballots);
      ASSERT_TRUE(m_all.ok());
      EXPECT_EQ(*m_all, want);
      const std::vector<PartialDecryption> one{partials[0]};
      EXPECT_EQ(combine_partials(one, t->threshold).error().reason, "not_enough_partials");
    }
  }
  EXPECT_GT(counted, 50u);
}

TEST(Tally, CeremonyDecryptsWhatWasEncrypted) {
  SystemScalarSource rng;
  Ceremony c = run_ceremony(rng);
  const Point h = c.transcript.public_key;
  // 23 ballots for one option, 10 of them marked.
  Point a_agg, b_agg;
  for (int k = 0; k < 23; ++k) {
    const Scalar r = random_scalar();
    const uint64_t vote = k % 5 < 2 ? 1 : 0;
    a_agg += Point::base_mul(r);
    b_agg += Point::base_mul(Scalar::from_u64(vote)) + h.mul(r);
  }
  const DecryptionContext ctx{sha256(as_bytes("manifest")), "capn-2d", 3};
  std::vector<PartialDecryption> partials;
  for (uint32_t j = 1; j <= Ceremony::kN; ++j) {
    auto p = partial_decrypt(ctx, j, c.x[j - 1], a_agg, rng);
    ASSERT_TRUE(p.ok());
    const Point& h_j = c.transcript.trustees[j - 1].verification_key;
    EXPECT_TRUE(verify_partial(ctx, h_j, a_agg, *p).ok());
    // Refused with another trustee's key, another aggregate, a changed D_j.
    EXPECT_FALSE(
        verify_partial(ctx, c.transcript.trustees[j % Ceremony::kN].verification_key, a_agg, *p)
            .ok());
    EXPECT_FALSE(verify_partial(ctx, h_j, a_agg + Point::generator(), *p).ok());
    PartialDecryption changed = *p;
    changed.d = changed.d + Point::generator();
    EXPECT_EQ(verify_partial(ctx, h_j, a_agg, changed).error().reason, "bad_decryption_proof");
    DecryptionContext other_scrutin = ctx;
    other_scrutin.scrutin = "capn-1d";
    EXPECT_FALSE(verify_partial(other_scrutin, h_j, a_agg, *p).ok());
    DecryptionContext other_election = ctx;
    other_election.election_hash[0] ^= 1;
    EXPECT_FALSE(verify_partial(other_election, h_j, a_agg, *p).ok());
    partials.push_back(*p);
  }
  // Every 3 of the 4 trustees, in any order.
  for (uint32_t skip = 0; skip < Ceremony::kN; ++skip) {
    std::vector<PartialDecryption> subset;
    for (uint32_t k = Ceremony::kN; k-- > 0;) {
      if (k != skip) subset.push_back(partials[k]);
    }
    auto ax = combine_partials(subset, Ceremony::kT);
    ASSERT_TRUE(ax.ok());
    auto m = decrypt_count(b_agg, *ax, 23);
    ASSERT_TRUE(m.ok());
    EXPECT_EQ(*m, 10u);
  }
  // Two are not enough, and a repeated trustee does not count twice.
  const std::vector<PartialDecryption> two{partials[0], partials[1]};
  EXPECT_EQ(combine_partials(two, Ceremony::kT).error().reason, "not_enough_partials");
  const std::vector<PartialDecryption> repeated{partials[0], partials[1], partials[1]};
  EXPECT_EQ(combine_partials(repeated, Ceremony::kT).error().reason, "bad_index_set");
  // Nothing to decrypt in a scrutin without ballots.
  EXPECT_EQ(partial_decrypt(ctx, 1, c.x[0], Point::identity(), rng).error().reason,
            "identity_point");
}

TEST(Tally, ParsePartialIsStrict) {
  const Json good{{"trustee", 1},
                  {"d", "plaiPX3Xu4QeovTPjEXi3uI4NJe4pifPQy6clYUFVV4"},
                  {"proof",
                   {{"c", "MTwKwJUvRX8GdaHrcKPya-aJU6oRUhaQCGfhfUB-iQc"},
                    {"s", "9b6RobrdgRYiVyYGwdxG4JGBKSWgAwdEvFHUbFtHGw4"}}}};
  ASSERT_TRUE(parse_partial(good, "p").ok());
  auto reason = [](Json j) {
    auto r = parse_partial(j, "p");
    return r.ok() ? std::string("accepted") : r.error().reason;
  };
  Json j = good;
  j["extra"] = 0;
  EXPECT_EQ(reason(j), "malformed");
  j = good;
  j["trustee"] = 0;
  EXPECT_EQ(reason(j), "malformed");
  j = good;
  j["proof"].erase("s");
  EXPECT_EQ(reason(j), "malformed");
  j = good;
  j["d"] = base64url_encode(std::array<uint8_t, 32>{});
  EXPECT_EQ(reason(j), "identity_point");
  j = good;
  j["proof"]["c"] = "7dP1XBpjEljWnPei3vneFAAAAAAAAAAAAAAAAAAAABA";
  EXPECT_EQ(reason(j), "non_canonical_scalar");
}

// The conformance checks shared with the wasm suite, run here until the
// registry's own driver runs them all.
TEST(Trustees, ConformanceChecksPass) {
  conformance::Files files{{"dkg.json", test::read_file(test::vector_path("dkg.json"))}};
  const auto results = conformance::check_dkg(files);
  EXPECT_GT(results.size(), 15u);
  for (const auto& r : results) {
    EXPECT_TRUE(r.pass) << r.file << " " << r.name << ": expected " << r.expected << ", got "
                        << r.got;
  }
}

}  // namespace
}  // namespace isoloir

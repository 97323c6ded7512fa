// Section 4 vectors: valid ballots (verified, and rebuilt byte for byte from
// their recorded randomness), invalid ballots with their reasons, the
// stateful admission rules, and a min = 0, max = 2 scrutin.
#include <optional>

#include "isoloir/ballot.h"
#include "isoloir/credential.h"
#include "isoloir/manifest.h"
#include "isoloir/random.h"
#include "isoloir/registry.h"
#include "support.h"

namespace isoloir::conformance {
namespace {

std::optional<Manifest> vectors_manifest(const Files& files) {
  const Json v = load(files, "manifest.json");
  auto m = parse_manifest(s(v, "manifest_canonical"));
  if (!m) return std::nullopt;
  return std::move(*m);
}

void push_scalar(std::vector<Scalar>& seq, const std::string& text) {
  auto sc = Scalar::from_base64url(text, "randomness");
  seq.push_back(sc ? *sc : Scalar());
}

void push_proof_draws(std::vector<Scalar>& seq, const Json& proof) {
  for (const auto& sim : arr(proof, "simulated")) {
    push_scalar(seq, s(sim, "c"));
    push_scalar(seq, s(sim, "s"));
  }
  push_scalar(seq, s(proof, "w"));
}

// The scalars in the order the prover draws them (the vectors' "order").
std::vector<Scalar> recorded_randomness(const Json& randomness) {
  std::vector<Scalar> seq;
  for (const auto& opt : arr(randomness, "options")) {
    push_scalar(seq, s(opt, "r"));
    push_proof_draws(seq, opt);
  }
  if (randomness.is_object() && randomness.contains("sum")) {
    push_proof_draws(seq, randomness["sum"]);
  }
  return seq;
}

// Rebuilds a vector ballot from its code, choices and randomness.
std::string rebuild(const Manifest& m, const Json& c, const std::string& scrutin_id) {
  const Scrutin* sc = m.find_scrutin(scrutin_id);
  if (sc == nullptr) return "unknown scrutin";
  std::vector<std::string> chosen;
  const Json& choices = arr(c, "choices");
  for (size_t i = 0; i < choices.size() && i < sc->options.size(); ++i) {
    if (choices[i].is_number_integer() && choices[i].get<int64_t>() == 1) {
      chosen.push_back(sc->options[i].id);
    }
  }
  auto key = credential_key(m.id, s(c, "vote_code"));
  if (!key) return key.error().reason;
  ReplayScalarSource rng(recorded_randomness(c.value("randomness", Json::object())));
  auto b = create_ballot(m, scrutin_id, chosen, *key, rng);
  if (!b) return b.error().reason;
  return b->bytes == s(c, "ballot") && b->reference == s(c, "reference") ? "identical"
                                                                         : "different bytes";
}

// Verifies and, for accepted ballots with recorded randomness, rebuilds.
void check_ballot_list(const std::string& f, const Manifest& m, const Json& list,
                       std::vector<CaseResult>& out) {
  for (const auto& c : list) {
    const std::string name = s(c, "name");
    const std::string expected = c.contains("expected_reason") ? s(c, "expected_reason")
                                 : c.contains("expected")      ? s(c, "expected")
                                                               : "accepted";
    auto r = verify_ballot(m, s(c, "ballot"));
    std::string got = outcome(r);
    if (r && r->reference != s(c, "reference") && c.contains("reference")) got = "wrong reference";
    out.push_back(expect(f, name, expected, got));
    if (expected == "accepted" && c.contains("randomness")) {
      auto parsed = parse_json(s(c, "ballot"));
      const std::string scrutin = parsed ? s(*parsed, "scrutin") : std::string();
      out.push_back(
          expect(f, name + " rebuilt from its randomness", "identical", rebuild(m, c, scrutin)));
    }
  }
}

}  // namespace

std::vector<CaseResult> check_ballots_valid(const Files& files) {
  const std::string f = "ballots_valid.json";
  auto m = vectors_manifest(files);
  if (!m) return {expect(f, "manifest", "parsed", "unparsable")};
  std::vector<CaseResult> out;
  check_ballot_list(f, *m, arr(load(files, f), "ballots"), out);
  return out;
}

std::vector<CaseResult> check_ballots_invalid(const Files& files) {
  const std::string f = "ballots_invalid.json";
  auto m = vectors_manifest(files);
  if (!m) return {expect(f, "manifest", "parsed", "unparsable")};
  std::vector<CaseResult> out;
  const Json v = load(files, f);  // must outlive the loop over its members
  for (const auto& c : arr(v, "ballots")) {
    auto r = verify_ballot(*m, s(c, "ballot"));
    std::string got = outcome(r);
    // The reference implementation's detail names the field; ours must name the same one.
    if (!r && c.contains("expected_detail") && c["expected_detail"].is_string() &&
        r.error().detail.rfind(s(c, "expected_detail"), 0) != 0) {
      got += " (detail \"" + r.error().detail + "\")";
    }
    out.push_back(expect(f, s(c, "name"), s(c, "expected_reason"), got));
  }
  return out;
}

std::vector<CaseResult> check_ballots_stateful(const Files& files) {
  const std::string f = "ballots_stateful.json";
  auto m = vectors_manifest(files);
  if (!m) return {expect(f, "manifest", "parsed", "unparsable")};
  Registry registry(*m);
  std::vector<CaseResult> out;
  size_t i = 0;
  const Json v = load(files, f);  // must outlive the loop over its members
  for (const auto& e : arr(v, "events")) {
    ++i;
    if (s(e, "type") == "issue") {
      auto cred = base64url_decode_fixed<32>(s(e, "credential"), "credential");
      auto at = Timestamp::parse(s(e, "at"), "at");
      Status st = cred && at ? registry.issue(s(e, "voter"), *cred, *at)
                             : Status(fail("malformed", "issue event"));
      out.push_back(expect(f, "event " + std::to_string(i) + " issue " + s(e, "voter"), "accepted",
                           st ? "accepted" : st.error().reason));
      continue;
    }
    auto ballot = verify_ballot(*m, s(e, "ballot"));
    auto at = Timestamp::parse(s(e, "received_at"), "received_at");
    std::string got;
    if (!ballot) {
      got = ballot.error().reason;
    } else if (!at) {
      got = at.error().reason;
    } else {
      got = outcome(registry.admit(*ballot, *at));
    }
    out.push_back(expect(f, s(e, "name"), s(e, "expected"), got));
  }
  return out;
}

std::vector<CaseResult> check_ballots_minmax(const Files& files) {
  const std::string f = "ballots_minmax.json";
  const Json v = load(files, f);
  auto m = parse_manifest(s(v, "manifest_canonical"));
  if (!m || m->hash_b64 != s(v, "election_hash")) {
    return {expect(f, "manifest", "parsed with its hash", m ? "other hash" : m.error().reason)};
  }
  std::vector<CaseResult> out;
  check_ballot_list(f, *m, arr(v, "ballots"), out);
  return out;
}

}  // namespace isoloir::conformance

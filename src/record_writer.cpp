#include "isoloir/record_writer.h"

#include <algorithm>

#include "isoloir/canonical_json.h"
#include "isoloir/signed_document.h"

namespace isoloir {
namespace {

Json record_document(std::string_view kind, std::string_view election_hash) {
  Json d = Json::object();
  d["version"] = kProtocolVersion;
  d["kind"] = kind;
  d["election"] = election_hash;
  return d;
}

}  // namespace

std::string credentials_file(std::string_view election_hash,
                             std::span<const CredentialEvent> events) {
  Json list = Json::array();
  for (const CredentialEvent& e : events) {
    Json j = Json::object();
    j["voter"] = e.voter;
    j["credential"] = base64url_encode(e.credential);
    j["issued_at"] = e.issued_at.to_string();
    j["revoked_at"] = e.revoked_at ? Json(e.revoked_at->to_string()) : Json(nullptr);
    list.push_back(std::move(j));
  }
  Json d = record_document("credentials", election_hash);
  d["credentials"] = std::move(list);
  return canonical_dump(d);
}

Result<std::string> ballot_line(uint64_t log_index, const Timestamp& received_at,
                                std::string_view ballot_bytes) {
  auto ballot = parse_canonical(ballot_bytes);
  if (!ballot) return ballot.error();
  if (log_index > static_cast<uint64_t>(kMaxJsonInteger)) {
    return fail("malformed", "log_index is beyond what JSON carries exactly");
  }
  Json line = Json::object();
  line["log_index"] = static_cast<int64_t>(log_index);
  line["received_at"] = received_at.to_string();
  line["reference"] = ballot_reference(ballot_bytes);
  line["ballot"] = std::move(*ballot);
  return canonical_dump(line) + "\n";
}

Aggregates::Aggregates(const Manifest& manifest) {
  for (const isoloir::Scrutin& s : manifest.scrutins) {
    by_scrutin_[s.id].options.resize(s.options.size());
  }
}

Status Aggregates::add(const VerifiedBallot& ballot) {
  auto it = by_scrutin_.find(ballot.scrutin);
  if (it == by_scrutin_.end()) return fail("unknown_scrutin", ballot.scrutin);
  Scrutin& s = it->second;
  if (ballot.answers.size() != s.options.size()) {
    return fail("wrong_answer_count", "a ballot of " + ballot.scrutin);
  }
  for (size_t i = 0; i < s.options.size(); ++i) {
    s.options[i].alpha += ballot.answers[i].alpha;
    s.options[i].beta += ballot.answers[i].beta;
  }
  ++s.ballots;
  return Status::Ok();
}

Status Aggregates::merge(const Aggregates& other) {
  if (other.by_scrutin_.size() != by_scrutin_.size()) {
    return fail("malformed", "aggregates of another election");
  }
  for (const auto& [id, theirs] : other.by_scrutin_) {
    auto it = by_scrutin_.find(id);
    if (it == by_scrutin_.end() || it->second.options.size() != theirs.options.size()) {
      return fail("malformed", "aggregates of another election");
    }
  }
  for (const auto& [id, theirs] : other.by_scrutin_) {
    Scrutin& mine = by_scrutin_.find(id)->second;
    for (size_t i = 0; i < mine.options.size(); ++i) {
      mine.options[i].alpha += theirs.options[i].alpha;
      mine.options[i].beta += theirs.options[i].beta;
    }
    mine.ballots += theirs.ballots;
  }
  return Status::Ok();
}

const Aggregates::Scrutin& Aggregates::of(std::string_view scrutin_id) const {
  static const Scrutin kNone;
  auto it = by_scrutin_.find(scrutin_id);
  return it == by_scrutin_.end() ? kNone : it->second;
}

Result<std::string> tally_file(const Manifest& manifest, const Aggregates& aggregates,
                               std::span<const ScrutinPartials> partials) {
  for (const ScrutinPartials& p : partials) {
    const isoloir::Scrutin* s = manifest.find_scrutin(p.scrutin);
    if (s == nullptr) return fail("malformed", "partials for an unknown scrutin " + p.scrutin);
    if (p.options.size() != s->options.size()) {
      return fail("malformed", "partials for " + p.scrutin + " must list every option");
    }
    if (aggregates.of(p.scrutin).ballots == 0) {
      for (const auto& option : p.options) {
        if (!option.empty()) return fail("malformed", p.scrutin + " has no ballot to decrypt");
      }
    }
  }
  Json scrutins = Json::array();
  for (const isoloir::Scrutin& s : manifest.scrutins) {
    const Aggregates::Scrutin& agg = aggregates.of(s.id);
    const ScrutinPartials* mine = nullptr;
    for (const ScrutinPartials& p : partials) {
      if (p.scrutin == s.id) mine = &p;
    }
    Json options = Json::array();
    for (size_t i = 0; i < s.options.size(); ++i) {
      Json o = Json::object();
      o["id"] = s.options[i].id;
      o["index"] = static_cast<int64_t>(i);
      if (agg.ballots > 0) {
        o["alpha"] = agg.options[i].alpha.to_base64url();
        o["beta"] = agg.options[i].beta.to_base64url();
        std::vector<PartialDecryption> sorted;
        if (mine != nullptr) sorted = mine->options[i];
        std::sort(sorted.begin(), sorted.end(),
                  [](const auto& a, const auto& b) { return a.trustee < b.trustee; });
        Json list = Json::array();
        for (const PartialDecryption& d : sorted) list.push_back(partial_to_json(d));
        o["partials"] = std::move(list);
      }
      options.push_back(std::move(o));
    }
    Json e = Json::object();
    e["id"] = s.id;
    e["ballots"] = static_cast<int64_t>(agg.ballots);
    e["options"] = std::move(options);
    scrutins.push_back(std::move(e));
  }
  Json d = record_document("tally", manifest.hash_b64);
  d["scrutins"] = std::move(scrutins);
  return canonical_dump(d);
}

std::string results_file(std::string_view election_hash,
                         std::span<const RecordScrutinResult> results) {
  Json scrutins = Json::array();
  for (const RecordScrutinResult& r : results) {
    Json counts = Json::array();
    for (const RecordCount& c : r.counts) {
      Json e = Json::object();
      e["id"] = c.option;
      e["count"] = static_cast<int64_t>(c.count);
      counts.push_back(std::move(e));
    }
    Json s = Json::object();
    s["id"] = r.scrutin;
    s["ballots"] = static_cast<int64_t>(r.ballots);
    s["counts"] = std::move(counts);
    scrutins.push_back(std::move(s));
  }
  Json d = record_document("results", election_hash);
  d["scrutins"] = std::move(scrutins);
  return canonical_dump(d);
}

}  // namespace isoloir

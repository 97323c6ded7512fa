// The election manifest (PROTOCOL.md section 2), parsed once and checked for
// everything the rest of the protocol relies on.
#ifndef ISOLOIR_MANIFEST_H_
#define ISOLOIR_MANIFEST_H_

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "isoloir/bytes.h"
#include "isoloir/canonical_json.h"
#include "isoloir/point.h"
#include "isoloir/point_table.h"
#include "isoloir/result.h"
#include "isoloir/signature.h"
#include "isoloir/timestamp.h"

namespace isoloir {

struct ManifestOption {
  std::string id;
  std::string label;
  bool blank = false;
};

struct Scrutin {
  std::string id;
  std::string title;
  int64_t min = 0;
  int64_t max = 0;
  std::vector<ManifestOption> options;

  // The 0-based index of an option id, or -1.
  int64_t option_index(std::string_view option_id) const;
};

struct Manifest {
  Json document;          // as parsed: every field, display fields included
  std::string canonical;  // its canonical bytes
  Digest32 hash{};        // SHA-256(canonical)
  std::string hash_b64;   // base64url(hash): the "election" field everywhere
  std::string id;
  std::string title;
  std::string timezone;
  Timestamp opens_at;
  Timestamp closes_at;
  Point public_key;  // the trustees' joint key h
  // h's multiples, built at the first ballot made or checked with this
  // manifest (or a copy of it). Null in a Manifest made by hand: the ballot
  // functions then build a table for the call.
  std::shared_ptr<const LazyPointTable> public_key_table;
  PublicKey server_key{};  // signs deposit proofs, émargements and tree heads
  std::vector<Scrutin> scrutins;

  const Scrutin* find_scrutin(std::string_view scrutin_id) const;
  // opens_at <= t < closes_at
  bool window_open(const Timestamp& t) const { return opens_at <= t && t < closes_at; }
};

// Parses manifest text (any JSON layout; hashed in canonical form) and checks
// it: version, times, keys, scrutins with unique ids, options with unique ids,
// 0 <= min <= max <= number of options. Reasons: "non_canonical_json",
// "malformed", "wrong_version", "bad_manifest".
Result<Manifest> parse_manifest(std::string_view text);

}  // namespace isoloir

#endif  // ISOLOIR_MANIFEST_H_

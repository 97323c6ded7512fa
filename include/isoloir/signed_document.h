// The documents the election server signs (PROTOCOL.md sections 5 and 6):
// signed tree heads, deposit proofs and émargements. Each is a canonical JSON
// object {"version": "isoloir/1", "kind": ..., ..., "signature": ...} whose
// Ed25519 signature by the manifest's server_key covers the canonical bytes of
// the object without its "signature" key, under a tag of its own kind, so that
// no signed document can pass for another.
#ifndef ISOLOIR_SIGNED_DOCUMENT_H_
#define ISOLOIR_SIGNED_DOCUMENT_H_

#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>

#include "isoloir/canonical_json.h"
#include "isoloir/result.h"
#include "isoloir/signature.h"
#include "isoloir/timestamp.h"

namespace isoloir {

inline constexpr std::string_view kProtocolVersion = "isoloir/1";

// The largest integer canonical JSON carries (2^53 - 1): log sizes and
// indices beyond it cannot be written.
inline constexpr int64_t kMaxJsonInteger = (int64_t{1} << 53) - 1;

// A signed document as it travels: the object, "signature" included, and its
// canonical bytes (what is sent, stored and hashed).
struct SignedDocument {
  Json document;
  std::string bytes;
};

// Signs `unsigned_document` (an object built by code, without "signature")
// with `tag` and returns it with its "signature" added.
SignedDocument sign_document(const SigningKey& key, std::string_view tag, Json unsigned_document);

// The checks every server-signed document opens with, in this order, so that
// the reason names the first thing that tells two formats apart:
//  - an object, else "malformed";
//  - "version" a string equal to "isoloir/1", else "malformed" or "wrong_version";
//  - "kind" a string equal to `kind`, else "malformed" or "wrong_kind";
//  - exactly `keys` (which list "version", "kind" and "signature"), else "malformed".
// `field` names the document in details ("deposit", "deposit.tree_head").
Status check_document_header(const Json& document, std::string_view kind,
                             std::initializer_list<std::string_view> keys, std::string_view field);

// That document["signature"] is a base64url Ed25519 signature by `key`, with
// `tag`, over the canonical bytes of `document` without "signature". Reasons:
// "malformed" (no string), "bad_base64", "bad_length", "bad_signature".
Status verify_document_signature(const Json& document, std::string_view tag, const PublicKey& key,
                                 std::string_view field);

// That document["election"] is the string `election_hash` (the manifest's
// hash in base64url), else "malformed" or "wrong_election".
Status check_election(const Json& document, std::string_view election_hash, std::string_view field);

// document[key] as an RFC 3339 UTC time, else "malformed" or "bad_time".
Result<Timestamp> get_time(const Json& document, std::string_view key, std::string_view field);

// document[key] as a non-negative integer (a size or an index), else "malformed".
Result<uint64_t> get_count(const Json& document, std::string_view key, std::string_view field);

}  // namespace isoloir

#endif  // ISOLOIR_SIGNED_DOCUMENT_H_

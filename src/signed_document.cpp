#include "isoloir/signed_document.h"

#include <utility>

#include "isoloir/bytes.h"

namespace isoloir {
namespace {

std::string path(std::string_view field, std::string_view key) {
  return std::string(field) + "." + std::string(key);
}

// The bytes the signature covers: the canonical form of the document without
// "signature". The document is copied: callers keep theirs intact.
std::string unsigned_bytes(const Json& document) {
  Json copy = document;
  copy.erase("signature");
  return canonical_dump(copy);
}

}  // namespace

SignedDocument sign_document(const SigningKey& key, std::string_view tag, Json unsigned_document) {
  const std::string message = canonical_dump(unsigned_document);
  const SignatureBytes sig = key.sign(tag, as_bytes(message));
  unsigned_document["signature"] = base64url_encode(sig);
  std::string bytes = canonical_dump(unsigned_document);
  return SignedDocument{std::move(unsigned_document), std::move(bytes)};
}

Status check_document_header(const Json& document, std::string_view kind,
                             std::initializer_list<std::string_view> keys, std::string_view field) {
  if (!document.is_object()) return fail("malformed", std::string(field) + " is not an object");
  // Version and kind decide which keys the format has, so they come before the
  // key set: a deposit handed to an émargement check is "wrong_kind", not a
  // list of missing keys.
  auto version = get_string(document, "version", field);
  if (!version) return version.error();
  if (*version != kProtocolVersion) {
    return fail("wrong_version", path(field, "version") + " is \"" + *version + "\"");
  }
  auto got_kind = get_string(document, "kind", field);
  if (!got_kind) return got_kind.error();
  if (*got_kind != kind) {
    return fail("wrong_kind", path(field, "kind") + " is \"" + *got_kind + "\", expected \"" +
                                  std::string(kind) + "\"");
  }
  return require_keys(document, keys, field);
}

Status verify_document_signature(const Json& document, std::string_view tag, const PublicKey& key,
                                 std::string_view field) {
  auto text = get_string(document, "signature", field);
  if (!text) return text.error();
  auto sig = base64url_decode_fixed<64>(*text, path(field, "signature"));
  if (!sig) return sig.error();
  const std::string message = unsigned_bytes(document);
  if (!verify_signature(tag, as_bytes(message), *sig, key)) {
    return fail("bad_signature", path(field, "signature") + " does not verify with the server key");
  }
  return Status::Ok();
}

Status check_election(const Json& document, std::string_view election_hash,
                      std::string_view field) {
  auto election = get_string(document, "election", field);
  if (!election) return election.error();
  if (*election != election_hash) {
    return fail("wrong_election", path(field, "election") + " is not this election's hash");
  }
  return Status::Ok();
}

Result<Timestamp> get_time(const Json& document, std::string_view key, std::string_view field) {
  auto text = get_string(document, key, field);
  if (!text) return text.error();
  return Timestamp::parse(*text, path(field, key));
}

Result<uint64_t> get_count(const Json& document, std::string_view key, std::string_view field) {
  auto n = get_int(document, key, field);
  if (!n) return n.error();
  // A document built by a lenient parser may hold any integer; canonical JSON
  // holds none beyond 2^53 - 1.
  if (*n < 0 || *n > kMaxJsonInteger) {
    return fail("malformed", path(field, key) + " is not an integer in 0 .. 2^53 - 1");
  }
  return static_cast<uint64_t>(*n);
}

}  // namespace isoloir

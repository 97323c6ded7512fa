// Embind surface of the trustee module (isoloir_trustee.mjs): the three
// rounds of the key ceremony (include/isoloir/ceremony.h) for the trustee page
// (web/portal/pages/tresorier.js), and the decryption step after the close
// (web/portal/pages/depouillement.js), on JSON strings. It makes and reads
// exactly the files of `isoloir trustee` (docs/election-end.md section 1): a
// key file sealed here opens with the tool, and the other way round.
//
// Every function returns {ok: true, ...} or {ok: false, error: reason,
// reason, detail}; nothing throws (a C++ throw would abort the instance). A
// check that fails because of a trustee names it in the detail as the core
// does ("trustee 3 (Name) sent ..."). Randomness comes from WebCrypto's
// getRandomValues (src/random.cpp and wasm/pre.js, as in the booth).
//
// The secrets exist only in this module's memory while a call runs (wiped
// buffers in the core; the passphrase copy here is wiped before returning)
// and, sealed under the passphrase, in the key file text handed back.
#include <emscripten/bind.h>
#include <emscripten/val.h>
#include <sodium.h>

#include <array>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "isoloir/canonical_json.h"
#include "isoloir/ceremony.h"
#include "isoloir/closing.h"
#include "isoloir/key_file.h"
#include "isoloir/random.h"
#include "isoloir/result.h"
#include "js_progress.h"

namespace {

using emscripten::val;

// The passphrase copy Embind made for this call, wiped on every way out.
class WipedString {
 public:
  explicit WipedString(std::string& s) : s_(s) {}
  WipedString(const WipedString&) = delete;
  WipedString& operator=(const WipedString&) = delete;
  ~WipedString() { sodium_memzero(s_.data(), s_.size()); }

 private:
  std::string& s_;
};

val error_object(const std::string& reason, const std::string& detail) {
  val o = val::object();
  o.set("ok", false);
  o.set("error", reason);
  o.set("reason", reason);
  o.set("detail", detail);
  return o;
}

val error_object(const isoloir::Error& e) {
  return error_object(e.reason, e.detail);
}

val ok_object() {
  val o = val::object();
  o.set("ok", true);
  return o;
}

bool string_array(const val& v, std::vector<std::string>& out) {
  if (!val::global("Array").call<bool>("isArray", v)) return false;
  const auto n = v["length"].as<unsigned>();
  out.clear();
  out.reserve(n);
  for (unsigned i = 0; i < n; ++i) {
    val item = v[i];
    if (item.typeOf().as<std::string>() != "string") return false;
    out.push_back(item.as<std::string>());
  }
  return true;
}

// "trustee I: " before a parse error when the document says which trustee it
// is, so that a malformed document still names its author.
std::string author_prefix(const isoloir::Json& doc, const char* key) {
  if (!doc.is_object()) return {};
  const auto it = doc.find(key);
  if (it == doc.end() || !it->is_number_unsigned()) return {};
  return "trustee " + std::to_string(it->get<uint64_t>()) + ": ";
}

// Parses the round documents of one kind ("commitments" or "shares").
isoloir::Result<std::vector<isoloir::TrusteeCommitment>> parse_commitments(const val& docs) {
  std::vector<std::string> texts;
  if (!string_array(docs, texts)) {
    return isoloir::fail("bad_argument", "commitments must be an array of strings");
  }
  std::vector<isoloir::TrusteeCommitment> out;
  for (const std::string& text : texts) {
    auto doc = isoloir::parse_json(text);
    if (!doc) return doc.error();
    auto c = isoloir::parse_commitment(*doc);
    if (!c) return isoloir::fail(c.error().reason, author_prefix(*doc, "index") + c.error().detail);
    out.push_back(std::move(*c));
  }
  return out;
}

isoloir::Result<std::vector<isoloir::TrusteeShares>> parse_shares_docs(const val& docs) {
  std::vector<std::string> texts;
  if (!string_array(docs, texts)) {
    return isoloir::fail("bad_argument", "sharesDocs must be an array of strings");
  }
  std::vector<isoloir::TrusteeShares> out;
  for (const std::string& text : texts) {
    auto doc = isoloir::parse_json(text);
    if (!doc) return doc.error();
    auto s = isoloir::parse_shares(*doc);
    if (!s) return isoloir::fail(s.error().reason, author_prefix(*doc, "from") + s.error().detail);
    out.push_back(std::move(*s));
  }
  return out;
}

// Round 1: {ok, keyFile, commitment}.
val init(const std::string& election_id, int index, int trustees, int threshold,
         const std::string& name, std::string passphrase, const std::string& kdf) {
  const WipedString wipe(passphrase);
  if (index < 1 || trustees < 1 || threshold < 1 ||
      trustees > static_cast<int>(isoloir::kMaxCeremonyTrustees)) {
    return error_object("bad_argument", "index, trustees and threshold are positive counts");
  }
  auto limits = isoloir::kdf_limits(kdf);
  if (!limits) return error_object(limits.error());
  isoloir::SystemScalarSource rng;
  auto start = isoloir::ceremony_init(election_id, static_cast<uint32_t>(index),
                                      static_cast<uint32_t>(trustees),
                                      static_cast<uint32_t>(threshold), name, rng);
  if (!start) return error_object(start.error());
  auto sealed = isoloir::seal_ceremony_key_file(start->key, passphrase, *limits);
  if (!sealed) return error_object(sealed.error());
  val o = ok_object();
  o.set("keyFile", *sealed);
  o.set("commitment", isoloir::canonical_dump(isoloir::commitment_to_json(start->commitment)));
  return o;
}

// Round 2: {ok, shares} (the trustee-shares document).
val shares(const std::string& key_file, std::string passphrase, const val& commitments) {
  const WipedString wipe(passphrase);
  auto parsed = parse_commitments(commitments);
  if (!parsed) return error_object(parsed.error());
  auto checked = isoloir::check_commitments(std::move(*parsed));
  if (!checked) return error_object(checked.error());
  auto me = isoloir::open_ceremony_key_file(key_file, passphrase);
  if (!me) return error_object(me.error());
  auto doc = isoloir::ceremony_shares(*me, *checked);
  if (!doc) return error_object(doc.error());
  val o = ok_object();
  o.set("shares", isoloir::canonical_dump(isoloir::shares_to_json(*doc)));
  return o;
}

// Round 3: {ok, shareKeyFile, verificationKey} (the share key file sealed
// under the same passphrase, and the trustee-verification-key document).
val finish(const std::string& key_file, std::string passphrase, const val& commitments,
           const val& shares_docs, const std::string& kdf) {
  const WipedString wipe(passphrase);
  auto limits = isoloir::kdf_limits(kdf);
  if (!limits) return error_object(limits.error());
  auto parsed = parse_commitments(commitments);
  if (!parsed) return error_object(parsed.error());
  auto checked = isoloir::check_commitments(std::move(*parsed));
  if (!checked) return error_object(checked.error());
  auto docs = parse_shares_docs(shares_docs);
  if (!docs) return error_object(docs.error());
  auto me = isoloir::open_ceremony_key_file(key_file, passphrase);
  if (!me) return error_object(me.error());
  auto done = isoloir::ceremony_finish(*me, *checked, *docs);
  if (!done) return error_object(done.error());
  auto sealed = isoloir::seal_share_key_file(done->key, passphrase, *limits);
  if (!sealed) return error_object(sealed.error());
  val o = ok_object();
  o.set("shareKeyFile", *sealed);
  o.set("verificationKey",
        isoloir::canonical_dump(isoloir::verification_key_to_json(done->verification_key)));
  return o;
}

// The public check of a set of commitments alone (every PoK), for the page
// to name a cheater as soon as the commitments are in.
val check(const val& commitments) {
  auto parsed = parse_commitments(commitments);
  if (!parsed) return error_object(parsed.error());
  auto checked = isoloir::check_commitments(std::move(*parsed));
  if (!checked) return error_object(checked.error());
  return ok_object();
}

// Opens a key file of either stage: {ok, stage, electionId, index}. Lets the
// page (and the tests) check a passphrase without keeping anything.
val open_key_file(const std::string& key_file, std::string passphrase) {
  const WipedString wipe(passphrase);
  auto ceremony = isoloir::open_ceremony_key_file(key_file, passphrase);
  if (ceremony) {
    val o = ok_object();
    o.set("stage", std::string("ceremony"));
    o.set("electionId", ceremony->election_id);
    o.set("index", ceremony->index);
    return o;
  }
  if (ceremony.error().reason != "wrong_stage") return error_object(ceremony.error());
  auto share = isoloir::open_share_key_file(key_file, passphrase);
  if (!share) return error_object(share.error());
  val o = ok_object();
  o.set("stage", std::string("share"));
  o.set("electionId", share->election_id);
  o.set("index", share->index);
  o.set("verificationKey", share->verification_key.to_base64url());
  return o;
}

// The decryption step (docs/election-end.md section 4): the seven files the
// board serves after the close, checked as `isoloir trustee decrypt` checks
// them, after the share key file opened (verify_closed_board: every ballot,
// the close, the aggregates recomputed), then the partials made:
// {ok, partials, trustee, electionId, electionHash, ballots}. A key file that
// does not open says so with where: "share_key_file", so that the page can
// put the message at the field; a board that does not verify has no `where`.
val decrypt(const val& board, const std::string& share_key_file, std::string passphrase,
            const val& progress) {
  const WipedString wipe(passphrase);
  if (board.isNull() || board.isUndefined() || board.typeOf().as<std::string>() != "object") {
    return error_object("bad_argument", "board must be an object of the seven board files");
  }
  if (!isoloir::wasm::is_progress_argument(progress)) {
    return error_object("bad_argument", "progress must be a function");
  }
  std::array<std::string, 7> text;
  const std::array<const char*, 7> names = {"manifest",  "trustees", "credentials", "ballots",
                                            "tree_head", "close",    "aggregates"};
  for (size_t i = 0; i < names.size(); ++i) {
    val v = board[names[i]];
    if (v.typeOf().as<std::string>() != "string") {
      return error_object("bad_argument", std::string("board.") + names[i] + " must be a string");
    }
    text[i] = v.as<std::string>();
  }
  const isoloir::ClosedBoardFiles files{
      isoloir::BoardFiles{text[0], text[1], text[2], text[3], text[4]}, text[5], text[6]};
  // The key file first: a mistyped passphrase is said at once, not after
  // every ballot of the board was checked.
  auto share = isoloir::open_share_key_file(share_key_file, passphrase);
  if (!share) {
    val o = error_object(share.error());
    o.set("where", std::string("share_key_file"));
    return o;
  }
  auto checked = isoloir::verify_closed_board(files, isoloir::wasm::js_progress(progress));
  if (!checked) return error_object(checked.error());
  isoloir::SystemScalarSource rng;
  auto partials =
      isoloir::decrypt_board(*checked, share->election_id, share->index, share->key_share, rng);
  if (!partials) return error_object(partials.error());
  val o = ok_object();
  o.set("partials", *partials);
  o.set("trustee", share->index);
  o.set("electionId", checked->manifest.id);
  o.set("electionHash", checked->manifest.hash_b64);
  o.set("ballots", static_cast<double>(checked->report.ballots));
  return o;
}

// decrypt(board, shareKeyFile, passphrase): the same without a progress display.
val decrypt_quietly(const val& board, const std::string& share_key_file, std::string passphrase) {
  const WipedString wipe(passphrase);
  return decrypt(board, share_key_file, passphrase, val::undefined());
}

}  // namespace

EMSCRIPTEN_BINDINGS(isoloir_trustee) {
  emscripten::function("init", &init);
  emscripten::function("shares", &shares);
  emscripten::function("finish", &finish);
  emscripten::function("check", &check);
  emscripten::function("openKeyFile", &open_key_file);
  emscripten::function("decrypt", &decrypt);
  emscripten::function("decrypt", &decrypt_quietly);
}

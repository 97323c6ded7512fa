// Deposit proofs, émargements and signed tree heads (PROTOCOL.md sections 5
// and 6), as the booth and an auditor check them: never a crash. The first
// input byte picks the reader; the rest is the document.
#include <memory>

#include "fuzz_support.h"
#include "isoloir/bytes.h"
#include "isoloir/manifest.h"
#include "isoloir/receipt.h"
#include "isoloir/tree_head.h"
#include "vectors.h"

namespace {

struct Context {
  isoloir::PublicKey server_key{};
  std::string election_hash;
  std::unique_ptr<isoloir::Manifest> manifest;
};

const Context& context() {
  static const Context c = [] {
    Context out;
    const auto v = isoloir::test::load_vector("receipts.json");
    auto key = isoloir::base64url_decode_fixed<32>(v["server_key"].get<std::string>(), "key");
    FUZZ_CHECK(key.ok());
    out.server_key = *key;
    out.election_hash = v["election_hash"].get<std::string>();
    auto m = isoloir::parse_manifest(
        isoloir::test::load_vector("manifest.json")["manifest_canonical"].get<std::string>());
    FUZZ_CHECK(m.ok());
    out.manifest = std::make_unique<isoloir::Manifest>(*std::move(m));
    return out;
  }();
  return c;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const Context& c = context();
  const std::string_view doc = isoloir::fuzz::as_text(data + 1, size - 1);
  switch (data[0] % 5) {
    case 0:
      if (auto d = isoloir::verify_deposit(doc, c.server_key, c.election_hash)) {
        FUZZ_CHECK(d->log_index < d->tree_head.size);
      }
      break;
    case 1:
      (void)isoloir::verify_emargement(doc, c.server_key, c.election_hash);
      break;
    case 2:
      (void)isoloir::verify_receipt(doc, c.server_key, c.election_hash);
      break;
    case 3:
      (void)isoloir::verify_receipt(*c.manifest, doc);
      break;
    default:
      (void)isoloir::verify_tree_head(doc, c.server_key, c.election_hash);
      break;
  }
  return 0;
}

// base64url without padding (PROTOCOL.md section 2) and hex: a decoder never
// crashes, and whatever it accepts re-encodes to exactly the input (one
// spelling per byte string, so a reference or key has a single text form).
#include "fuzz_support.h"
#include "isoloir/bytes.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text = isoloir::fuzz::as_text(data, size);
  if (auto bytes = isoloir::base64url_decode(text)) {
    FUZZ_CHECK(isoloir::base64url_encode(*bytes) == text);
  }
  if (auto fixed = isoloir::base64url_decode_fixed<32>(text, "field")) {
    FUZZ_CHECK(isoloir::base64url_encode(*fixed) == text);
  }
  if (auto bytes = isoloir::hex_decode(text)) {
    FUZZ_CHECK(bytes->size() * 2 == text.size());
  }
  // Encoding any bytes gives text the decoder takes back.
  const isoloir::ByteView raw(data, size);
  auto back = isoloir::base64url_decode(isoloir::base64url_encode(raw));
  FUZZ_CHECK(back.ok() && back->size() == size && std::equal(back->begin(), back->end(), data));
  return 0;
}

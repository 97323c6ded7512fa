// OpenID Connect ID tokens (FranceConnect) and key sets: parse_jwks and
// verify_id_token. The first input byte picks the mode:
//  - even: the rest is "JWKS\nJWT", both taken as they come (hostile key
//    sets: huge moduli, points off the curve, odd members; hostile tokens);
//  - odd: the rest is "HEADER\nPAYLOAD", which the target signs itself with
//    a fixed Ed25519 key its key set holds, so that the claims' checks
//    (issuer, audience, times, nonce, types) are reached by every input.
// Never a crash; an accepted token's claims are an object naming our issuer.
#include <sodium.h>

#include "fuzz_support.h"
#include "isoloir/bytes.h"
#include "isoloir/canonical_json.h"
#include "isoloir/portal/id_token.h"

namespace {

struct Provider {
  unsigned char pk[crypto_sign_PUBLICKEYBYTES]{};
  unsigned char sk[crypto_sign_SECRETKEYBYTES]{};
  std::string jwks;
  isoloir::portal::KeySet keys;
};

const Provider& provider() {
  static const Provider p = [] {
    Provider out;
    if (sodium_init() < 0) std::abort();
    unsigned char seed[crypto_sign_SEEDBYTES] = {7};
    crypto_sign_seed_keypair(out.pk, out.sk, seed);
    out.jwks = R"({"keys":[{"kty":"OKP","crv":"Ed25519","kid":"k1","x":")" +
               isoloir::base64url_encode(isoloir::ByteView(out.pk, sizeof out.pk)) + R"("}]})";
    auto keys = isoloir::portal::parse_jwks(out.jwks);
    FUZZ_CHECK(keys.ok() && keys->keys.size() == 1);
    out.keys = *std::move(keys);
    return out;
  }();
  return p;
}

isoloir::portal::IdTokenExpectations expectations() {
  isoloir::portal::IdTokenExpectations e;
  e.issuer = "https://fc.example";
  e.client_id = "isoloir";
  e.nonce = "n-0S6_WzA2Mj";
  e.now = 1'700'000'000;
  return e;
}

std::string signed_token(std::string_view header, std::string_view payload) {
  const Provider& p = provider();
  std::string input = isoloir::base64url_encode(isoloir::as_bytes(header)) + "." +
                      isoloir::base64url_encode(isoloir::as_bytes(payload));
  unsigned char sig[crypto_sign_BYTES];
  crypto_sign_detached(sig, nullptr, reinterpret_cast<const unsigned char*>(input.data()),
                       input.size(), p.sk);
  return input + "." + isoloir::base64url_encode(isoloir::ByteView(sig, sizeof sig));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const auto parts = isoloir::fuzz::split(isoloir::fuzz::as_text(data + 1, size - 1), "\n", 2);
  const auto expect = expectations();
  if (data[0] % 2 == 0) {
    (void)isoloir::portal::parse_jwks(parts[0]);
    (void)isoloir::portal::verify_id_token(parts[1], parts[0], expect);
    (void)isoloir::portal::verify_id_token(parts[1], provider().keys, expect);
    return 0;
  }
  auto claims =
      isoloir::portal::verify_id_token(signed_token(parts[0], parts[1]), provider().keys, expect);
  if (claims) {
    FUZZ_CHECK(claims->is_object());
    FUZZ_CHECK(claims->value("iss", "") == expect.issuer);
  }
  return 0;
}

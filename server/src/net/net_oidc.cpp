#include <curl/curl.h>

#include <memory>
#include <mutex>
#include <new>
#include <string>
#include <utility>

#include "isoloir/portal/id_token.h"
#include "isoloir/server/oidc_client.h"
#include "net/mail_curl.h"

namespace isoloir::server {
namespace {

constexpr size_t kMaxAnswerBytes = size_t{256} * 1024;

Error unavailable(const std::string& what) {
  return fail("oidc_unavailable", what);
}

size_t collect(char* data, size_t size, size_t n, void* user) {
  auto* out = static_cast<std::string*>(user);
  const size_t len = size * n;
  if (out->size() + len > kMaxAnswerBytes) return 0;  // aborts the transfer
  out->append(data, len);
  return len;
}

std::string escape(CURL* c, const std::string& s) {
  char* e = curl_easy_escape(c, s.c_str(), static_cast<int>(s.size()));
  std::string out = e != nullptr ? e : "";
  curl_free(e);
  return out;
}

class Client final : public OidcClient {
 public:
  explicit Client(OidcConfig config) : config_(std::move(config)) {}

  Result<std::string> authorization_url(const std::string& state, const std::string& nonce,
                                        const std::string& code_challenge) override {
    Result<Endpoints> ep = endpoints();
    if (!ep) return ep.error();
    const std::unique_ptr<CURL, EasyDeleter> c(curl_easy_init());
    if (!c) return unavailable("curl: no handle");
    const std::string sep = ep->authorization.find('?') == std::string::npos ? "?" : "&";
    return ep->authorization + sep +
           "response_type=code&client_id=" + escape(c.get(), config_.client_id) +
           "&redirect_uri=" + escape(c.get(), config_.redirect_uri) +
           "&scope=" + escape(c.get(), config_.scope) + "&state=" + escape(c.get(), state) +
           "&nonce=" + escape(c.get(), nonce) +
           "&code_challenge=" + escape(c.get(), code_challenge) + "&code_challenge_method=S256";
  }

  Result<Json> redeem(const std::string& code, const std::string& code_verifier,
                      const std::string& nonce, int64_t now) override {
    Result<Endpoints> ep = endpoints();
    if (!ep) return ep.error();
    const std::unique_ptr<CURL, EasyDeleter> c(curl_easy_init());
    if (!c) return unavailable("curl: no handle");
    const std::string form = "grant_type=authorization_code&code=" + escape(c.get(), code) +
                             "&redirect_uri=" + escape(c.get(), config_.redirect_uri) +
                             "&client_id=" + escape(c.get(), config_.client_id) +
                             "&client_secret=" + escape(c.get(), config_.client_secret) +
                             "&code_verifier=" + escape(c.get(), code_verifier);
    Result<std::string> answer = fetch(ep->token, &form);
    if (!answer) return answer.error();
    Result<Json> tokens = parse_json(*answer);
    if (!tokens || !tokens->is_object() || !tokens->contains("id_token") ||
        !(*tokens)["id_token"].is_string()) {
      return unavailable("the token endpoint gave no ID token");
    }
    const std::string id_token = (*tokens)["id_token"].get<std::string>();
    portal::IdTokenExpectations expect;
    expect.issuer = config_.issuer;
    expect.client_id = config_.client_id;
    expect.nonce = nonce;
    expect.now = now;
    // The header first: which key the token needs decides whether the
    // cached set will do.
    Result<portal::JoseHeader> header = portal::read_jose_header(id_token, expect.algorithms);
    if (!header) return header.error();
    Result<std::shared_ptr<const portal::KeySet>> keys = key_set(ep->jwks, *header, now);
    if (!keys) return keys.error();
    return portal::verify_id_token(id_token, **keys, expect);
  }

 private:
  struct Endpoints {
    std::string authorization, token, jwks;
  };

  // GET (or POST a form) and the body of a 2xx answer.
  Result<std::string> fetch(const std::string& url, const std::string* form) {
    if (url.rfind("https://", 0) != 0 && !is_loopback_http(url)) {
      return unavailable("the provider's endpoint is not https: " + url);
    }
    const std::unique_ptr<CURL, EasyDeleter> curl(curl_easy_init());
    if (!curl) return unavailable("curl: no handle");
    CURL* c = curl.get();
    std::string body;
    bool set = curl_easy_setopt(c, CURLOPT_URL, url.c_str()) == CURLE_OK;
    set = set && curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https") == CURLE_OK;
    set = set && curl_easy_setopt(c, CURLOPT_TIMEOUT, config_.timeout_seconds) == CURLE_OK;
    set = set && curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L) == CURLE_OK;
    set = set && curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, collect) == CURLE_OK;
    set = set && curl_easy_setopt(c, CURLOPT_WRITEDATA, &body) == CURLE_OK;
    if (form != nullptr) {
      set = set && curl_easy_setopt(c, CURLOPT_POSTFIELDS, form->c_str()) == CURLE_OK;
      set = set &&
            curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, static_cast<long>(form->size())) == CURLE_OK;
    }
    if (!set) return unavailable("curl: cannot set the request up");
    const CURLcode rc = curl_easy_perform(c);
    if (rc != CURLE_OK) return unavailable(url + ": " + curl_easy_strerror(rc));
    long status = 0;
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
    if (status < 200 || status > 299) {
      return unavailable(url + ": the provider answered " + std::to_string(status));
    }
    return body;
  }

  // The discovery document, fetched once (and again after a failure).
  Result<Endpoints> endpoints() {
    std::lock_guard lock(mu_);
    if (known_) return endpoints_;
    std::string base = config_.issuer;
    while (!base.empty() && base.back() == '/') base.pop_back();
    Result<std::string> text = fetch(base + "/.well-known/openid-configuration", nullptr);
    if (!text) return text.error();
    Result<Json> doc = parse_json(*text);
    auto str = [&](const char* key) {
      return doc && doc->is_object() && doc->contains(key) && (*doc)[key].is_string()
                 ? (*doc)[key].get<std::string>()
                 : std::string();
    };
    // OpenID Connect Discovery 1.0 section 4.3: the document must be the
    // configured issuer's, or tokens from another could be accepted.
    if (str("issuer") != config_.issuer) {
      return unavailable("the discovery document is not " + config_.issuer + "'s");
    }
    Endpoints ep{str("authorization_endpoint"), str("token_endpoint"), str("jwks_uri")};
    if (ep.authorization.empty() || ep.token.empty() || ep.jwks.empty()) {
      return unavailable("the discovery document lacks an endpoint");
    }
    endpoints_ = ep;
    known_ = true;
    return ep;
  }

  // The provider's keys for a token with `header`: the cached set while it
  // is younger than jwks_max_age_seconds (and the clock has not gone back),
  // else fetched again. When the set lacks the token's key, fetched again
  // early, at most once every jwks_refetch_seconds; otherwise the cached
  // set, and verify_id_token says which key is missing.
  Result<std::shared_ptr<const portal::KeySet>> key_set(const std::string& url,
                                                        const portal::JoseHeader& header,
                                                        int64_t now) {
    std::lock_guard lock(keys_mu_);
    const bool fresh =
        keys_ && now >= keys_fetched_at_ && now - keys_fetched_at_ < config_.jwks_max_age_seconds;
    if (fresh) {
      if (portal::select_key(*keys_, header)) return keys_;
      const bool may_refetch =
          !refetched_ || now < refetched_at_ || now - refetched_at_ >= config_.jwks_refetch_seconds;
      if (!may_refetch) return keys_;
      refetched_ = true;
      refetched_at_ = now;
    }
    Result<std::string> text = fetch(url, nullptr);
    if (!text) return text.error();
    Result<portal::KeySet> set = portal::parse_jwks(*text);
    if (!set) return unavailable(set.error().detail);
    keys_ = std::make_shared<const portal::KeySet>(std::move(*set));
    keys_fetched_at_ = now;
    return keys_;
  }

  const OidcConfig config_;
  std::mutex mu_;
  bool known_ = false;
  Endpoints endpoints_;
  std::mutex keys_mu_;
  std::shared_ptr<const portal::KeySet> keys_;  // null until first fetched
  int64_t keys_fetched_at_ = 0;
  bool refetched_ = false;  // an early fetch for a missing key happened, at refetched_at_
  int64_t refetched_at_ = 0;
};

}  // namespace

Result<std::unique_ptr<OidcClient>> OidcClient::make(OidcConfig config) {
  if (config.issuer.rfind("https://", 0) != 0 && !is_loopback_http(config.issuer)) {
    return fail("bad_config", "oidc.issuer: https://, or http:// to the loopback only");
  }
  if (config.client_id.empty() || config.client_secret.empty()) {
    return fail("bad_config", "oidc: client_id and client_secret are required");
  }
  if (config.jwks_max_age_seconds <= 0 || config.jwks_refetch_seconds <= 0) {
    return fail("bad_config", "oidc: the key set's lifetimes must be positive");
  }
  if (Status s = init_curl_once(); !s) return fail("bad_config", s.error().detail);
  try {
    return std::unique_ptr<OidcClient>(std::make_unique<Client>(std::move(config)));
  } catch (const std::bad_alloc&) {
    return fail("bad_config", "out of memory");
  }
}

}  // namespace isoloir::server

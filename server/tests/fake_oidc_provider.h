// An OpenID provider on 127.0.0.1 for the tests, as small as the relying
// party needs: its discovery document, a key set the test changes at will
// (and counts the fetches of), and a token endpoint that records each
// request's form and answers the ID token the test set.
#ifndef ISOLOIR_SERVER_TESTS_FAKE_OIDC_PROVIDER_H_
#define ISOLOIR_SERVER_TESTS_FAKE_OIDC_PROVIDER_H_

#include <httplib.h>

#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "isoloir/canonical_json.h"

namespace isoloir::test {

class FakeOidcProvider {
 public:
  FakeOidcProvider() {
    server_.Get("/.well-known/openid-configuration",
                [this](const httplib::Request&, httplib::Response& res) {
                  Json doc = Json::object();
                  doc["issuer"] = discovery_issuer();
                  doc["authorization_endpoint"] = issuer() + "/auth";
                  doc["token_endpoint"] = issuer() + "/token";
                  doc["jwks_uri"] = issuer() + "/jwks";
                  res.set_content(doc.dump(), "application/json");
                });
    server_.Get("/jwks", [this](const httplib::Request&, httplib::Response& res) {
      std::lock_guard lock(mu_);
      ++jwks_fetches_;
      res.set_content(jwks_, "application/json");
    });
    server_.Post("/token", [this](const httplib::Request& req, httplib::Response& res) {
      std::lock_guard lock(mu_);
      forms_.push_back(req.params);
      Json answer = Json::object();
      answer["access_token"] = "opaque";
      answer["token_type"] = "Bearer";
      answer["id_token"] = id_token_;
      res.set_content(answer.dump(), "application/json");
    });
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    while (!server_.is_running()) std::this_thread::yield();
  }
  FakeOidcProvider(const FakeOidcProvider&) = delete;
  FakeOidcProvider& operator=(const FakeOidcProvider&) = delete;
  ~FakeOidcProvider() {
    server_.stop();
    thread_.join();
  }

  std::string issuer() const { return "http://127.0.0.1:" + std::to_string(port_); }

  void set_jwks(std::string text) {
    std::lock_guard lock(mu_);
    jwks_ = std::move(text);
  }
  void set_id_token(std::string jwt) {
    std::lock_guard lock(mu_);
    id_token_ = std::move(jwt);
  }
  // The issuer the discovery document claims (the real one by default).
  void set_discovery_issuer(std::string issuer) {
    std::lock_guard lock(mu_);
    claimed_issuer_ = std::move(issuer);
  }
  int jwks_fetches() {
    std::lock_guard lock(mu_);
    return jwks_fetches_;
  }
  std::vector<httplib::Params> token_requests() {
    std::lock_guard lock(mu_);
    return forms_;
  }

 private:
  std::string discovery_issuer() {
    std::lock_guard lock(mu_);
    return claimed_issuer_.empty() ? issuer() : claimed_issuer_;
  }

  httplib::Server server_;
  int port_ = 0;
  std::thread thread_;
  std::mutex mu_;
  std::string jwks_ = R"({"keys": []})";
  std::string id_token_;
  std::string claimed_issuer_;
  int jwks_fetches_ = 0;
  std::vector<httplib::Params> forms_;
};

}  // namespace isoloir::test

#endif  // ISOLOIR_SERVER_TESTS_FAKE_OIDC_PROVIDER_H_

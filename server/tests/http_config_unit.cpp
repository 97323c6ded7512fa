// isoloir-server's configuration: every key read, every mistake refused with
// the key named, flags over the file.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "http_harness.h"
#include "isoloir/server/config.h"

namespace isoloir::server {
namespace {

TEST(ServerConfig, TheTransportsLimitsAreReadAndBounded) {
  auto c = parse_config_json(R"({"data_dir": "/d", "max_header_bytes": 4096, "max_headers": 20,
    "request_timeout_seconds": 5, "idle_timeout_seconds": 7, "max_connections": 100})");
  ASSERT_TRUE(c.ok()) << c.error().message();
  EXPECT_EQ(c->max_header_bytes, 4096);
  EXPECT_EQ(c->max_headers, 20);
  EXPECT_EQ(c->request_timeout_seconds, 5);
  EXPECT_EQ(c->idle_timeout_seconds, 7);
  EXPECT_EQ(c->max_connections, 100);
  for (const char* bad :
       {R"({"data_dir": "/d", "max_header_bytes": 100})", R"({"data_dir": "/d", "max_headers": 0})",
        R"({"data_dir": "/d", "request_timeout_seconds": 0})",
        R"({"data_dir": "/d", "max_connections": -1})"}) {
    auto r = parse_config_json(bad);
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_EQ(r.error().reason, "bad_config");
  }
}

TEST(ServerConfig, EveryKeyIsRead) {
  auto c = parse_config_json(R"({
    "data_dir": "/d", "listen": "0.0.0.0", "port": 9, "max_body_bytes": 1000,
    "trust_proxy": true, "tls": true, "public_url": "https://vote.example.org",
    "password_cost": "moderate",
    "mail": {"smtp_url": "smtp://relay:587", "from": "v@example.org", "username": "u",
             "password": "p", "starttls": true},
    "session_idle_seconds": 60, "session_max_seconds": 120,
    "activation_link_seconds": 10, "reset_link_seconds": 20,
    "login_free_failures": 1, "login_lock_after": 2, "login_lock_seconds": 3,
    "address_free_failures": 4, "address_lock_after": 5, "pow_difficulty": 12, "threads": 16})");
  ASSERT_TRUE(c.ok()) << c.error().message();
  EXPECT_EQ(c->data_dir, "/d");
  EXPECT_EQ(c->listen, "0.0.0.0");
  EXPECT_EQ(c->port, 9);
  EXPECT_EQ(c->max_body_bytes, 1000u);
  EXPECT_TRUE(c->trust_proxy);
  EXPECT_TRUE(c->tls);
  EXPECT_EQ(c->public_url, "https://vote.example.org");
  EXPECT_EQ(c->password_cost, "moderate");
  EXPECT_EQ(c->smtp_url, "smtp://relay:587");
  EXPECT_EQ(c->mail_from, "v@example.org");
  EXPECT_EQ(c->smtp_username, "u");
  EXPECT_EQ(c->smtp_password, "p");
  EXPECT_TRUE(c->smtp_starttls);
  EXPECT_EQ(c->session_idle_seconds, 60);
  EXPECT_EQ(c->session_max_seconds, 120);
  EXPECT_EQ(c->activation_link_seconds, 10);
  EXPECT_EQ(c->reset_link_seconds, 20);
  EXPECT_EQ(c->login_free_failures, 1);
  EXPECT_EQ(c->login_lock_after, 2);
  EXPECT_EQ(c->login_lock_seconds, 3);
  EXPECT_EQ(c->address_free_failures, 4);
  EXPECT_EQ(c->address_lock_after, 5);
  EXPECT_EQ(c->pow_difficulty, 12);
  EXPECT_EQ(c->threads, 16);
  // Defaults: the proof of work is on unless turned off.
  EXPECT_EQ(parse_config_json(R"({"data_dir": "/d"})")->pow_difficulty, 19);
}

TEST(ServerConfig, MistakesAreRefusedNamingTheKey) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {R"({"data_dir": "/d", "prot": 8080})", "prot"},
      {R"({"mail": {"outbox": "/o", "smtp_url": "smtp://x"}})", "not both"},
      {R"({"mail": {"relay": "x"}})", "mail.relay"},
      {R"({"mail": {"starttls": "yes"}})", "mail.starttls"},
      {R"({"mail": "smtp://x"})", "mail"},
      {R"({"public_url": "vote.example.org"})", "public_url"},
      {R"({"public_url": "https://vote.example.org/"})", "public_url"},
      {R"({"password_cost": "fast"})", "password_cost"},
      {R"({"session_idle_seconds": 7200, "session_max_seconds": 3600})", "session_idle"},
      {R"({"session_idle_seconds": 0})", "session_idle_seconds"},
      {R"({"login_lock_after": 3, "login_free_failures": 3})", "fewer"},
      {R"({"login_lock_seconds": "900"})", "login_lock_seconds"},
      {R"({"address_lock_after": 1.5})", "fractions"},
      {R"({"tls": 1})", "tls"},
      {R"([])", "object"},
      {R"({"port": 70000})", "port"},
  };
  for (const auto& [text, named] : cases) {
    auto c = parse_config_json(text);
    ASSERT_FALSE(c.ok()) << text;
    EXPECT_EQ(c.error().reason, "bad_config") << text;
    EXPECT_NE(c.error().detail.find(named), std::string::npos)
        << text << " -> " << c.error().detail;
  }
}

TEST(ServerConfig, FlagsOverrideTheFile) {
  test::TempDir dir;
  test::write_file(dir.path + "/c.json",
                   R"({"data_dir": "/from-file", "port": 1, "mail": {"smtp_url": "smtp://x"}})");
  auto c = parse_server_args({"--port", "2", "--config", dir.path + "/c.json", "--outbox", "/o",
                              "--public-url", "https://v.example.org"});
  ASSERT_TRUE(c.ok()) << c.error().message();
  EXPECT_EQ(c->data_dir, "/from-file");
  EXPECT_EQ(c->port, 2);
  EXPECT_EQ(c->mail_outbox, "/o");
  EXPECT_TRUE(c->smtp_url.empty());  // --outbox wins over the file's relay
  EXPECT_EQ(c->public_url, "https://v.example.org");
  EXPECT_EQ(parse_server_args({"--data-dir", "/d", "--public-url", "ftp://x"}).error().reason,
            "usage");
  EXPECT_EQ(parse_server_args({"--data-dir", "/d", "--outbox"}).error().reason, "usage");
}

}  // namespace
}  // namespace isoloir::server

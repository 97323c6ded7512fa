// isoloir-server's configuration: a small JSON file (--config FILE) and/or
// command-line flags, the flags winning. Unknown keys and flags are refused:
// a typo in a security setting must not be silently ignored.
//
//   {"data_dir": "/var/lib/isoloir", "listen": "127.0.0.1", "port": 8080,
//    "max_body_bytes": 65536, "trust_proxy": false, "tls": false,
//    "public_url": "https://vote.example.org", "password_cost": "interactive",
//    "mail": {"outbox": "/var/lib/isoloir/outbox", "from": "vote@example.org"}
//         or {"smtp_url": "smtp://relay:587", "from": "...", "username": "...",
//             "password": "...", "starttls": true},
//    "session_idle_seconds": 1200, "session_max_seconds": 28800,
//    "activation_link_seconds": 259200, "reset_link_seconds": 3600,
//    "login_free_failures": 3, "login_lock_after": 10, "login_lock_seconds": 900,
//    "address_free_failures": 30, "address_lock_after": 300,
//    "web_root": "/usr/share/isoloir/web",
//    "practical_info": {"help_desk": {"hours": "...", "phone": "...", "email": "..."}}}
// (docs/api.md lists each key with its meaning.)
#ifndef ISOLOIR_SERVER_CONFIG_H_
#define ISOLOIR_SERVER_CONFIG_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "isoloir/result.h"

namespace isoloir::server {

struct ServerConfig {
  // With a file postgres.conninfo in it, the election and everything the
  // portal keeps (accounts, sessions, throttles, proofs of work, OpenID
  // flows) live in that PostgreSQL database, shared with every server on it
  // (docs/urn-storage.md); else in its SQLite files and this server's memory.
  std::string data_dir;
  std::string listen = "127.0.0.1";  // loopback unless told otherwise
  uint16_t port = 8080;              // 0: any free port (printed on start)
  size_t max_body_bytes = 65536;     // larger request bodies get 413
  // Worker threads running handlers. Connections are read by one event
  // thread, so this bounds work in progress, not clients connected.
  int64_t threads = 32;
  // The HTTP transport's limits (http_server.h, docs/api.md): header bytes
  // and fields, one request's deadline from its first byte, a kept-alive
  // connection's idle time, open connections.
  int64_t max_header_bytes = 16384;
  int64_t max_headers = 64;
  int64_t request_timeout_seconds = 15;
  int64_t idle_timeout_seconds = 30;
  int64_t max_connections = 8192;
  // Behind a reverse proxy: take the client address from X-Forwarded-For
  // (its last entry, the one our proxy added), and mark cookies Secure
  // because TLS terminates in front of us.
  bool trust_proxy = false;
  bool tls = false;
  // The origin the voters' links point to; empty: http://LISTEN:PORT.
  std::string public_url;
  std::string password_cost = "interactive";  // password.h parse_cost names
  // Mail: an outbox directory (default DATA_DIR/outbox) unless smtp_url is set.
  std::string mail_outbox;
  std::string mail_from = "ne-pas-repondre@isoloir.invalid";
  std::string smtp_url, smtp_username, smtp_password;
  bool smtp_starttls = false;
  int64_t session_idle_seconds = int64_t{20} * 60;
  int64_t session_max_seconds = int64_t{8} * 3600;
  int64_t activation_link_seconds = int64_t{3} * 86'400;
  int64_t reset_link_seconds = 3600;
  int64_t reissue_link_seconds = 900;
  // Text messages: an HTTP gateway when sms_url is set, else .sms files in
  // the mail outbox directory.
  std::string sms_url, sms_token;
  // The FranceConnect route of the re-issue: an OpenID Connect provider
  // (issuer, client id and secret); empty issuer: the route is off.
  std::string oidc_issuer, oidc_client_id, oidc_client_secret;
  // Throttles (throttle.h): per account, then per client address.
  int64_t login_free_failures = 3;
  int64_t login_lock_after = 10;
  int64_t login_lock_seconds = 900;
  int64_t address_free_failures = 30;
  int64_t address_lock_after = 300;
  // Proof of work on login, link and re-issue requests (leading zero bits;
  // 0: off). About 2^difficulty SHA-256 in the voter's browser: 19 is about
  // a second on a phone (docs/protocol-notes.md).
  int64_t pow_difficulty = 19;
  // The voter pages: a directory with portal/ and booth/ (the repo's web/);
  // empty serves no pages, only the API.
  std::string web_root;
  // What GET /api/v1/info serves (help desk hours, contacts...): a JSON
  // object kept as its canonical text; "{}" when not configured.
  std::string practical_info = "{}";
  bool help = false;  // --help was given
};

// Parses a config file's text ("bad_config" naming the key at fault).
Result<ServerConfig> parse_config_json(std::string_view text, ServerConfig base = {});

// Parses the arguments after the program name: --config FILE (read first,
// whatever its position), --data-dir DIR, --listen ADDR, --port N,
// --max-body-bytes N, --public-url URL, --outbox DIR, --web-root DIR, --help. "bad_config" for an
// unreadable or invalid file, "usage" for a bad flag; data_dir is required.
Result<ServerConfig> parse_server_args(const std::vector<std::string>& args);

// The --help text.
std::string server_usage();

}  // namespace isoloir::server

#endif  // ISOLOIR_SERVER_CONFIG_H_

// isoloir-server's configuration: a small JSON file (--config FILE) and/or
// command-line flags, the flags winning. Unknown keys and flags are refused:
// a typo in a security setting must not be silently ignored.
//
//   {"data_dir": "/var/lib/isoloir", "listen": "127.0.0.1", "port": 8080,
//    "max_body_bytes": 65536, "trust_proxy": false, "tls": false}
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
  std::string data_dir;
  std::string listen = "127.0.0.1";  // loopback unless told otherwise
  uint16_t port = 8080;              // 0: any free port (printed on start)
  size_t max_body_bytes = 65536;     // larger request bodies get 413
  // For the login slice: trust X-Forwarded-For from a reverse proxy, and
  // mark cookies Secure because TLS terminates in front of us. Parsed and
  // kept, not used yet.
  bool trust_proxy = false;
  bool tls = false;
  bool help = false;  // --help was given
};

// Parses a config file's text ("bad_config" naming the key at fault).
Result<ServerConfig> parse_config_json(std::string_view text, ServerConfig base = {});

// Parses the arguments after the program name: --config FILE (read first,
// whatever its position), --data-dir DIR, --listen ADDR, --port N,
// --max-body-bytes N, --help. "bad_config" for an unreadable or invalid
// file, "usage" for a bad flag; data_dir is required.
Result<ServerConfig> parse_server_args(const std::vector<std::string>& args);

// The --help text.
std::string server_usage();

}  // namespace isoloir::server

#endif  // ISOLOIR_SERVER_CONFIG_H_

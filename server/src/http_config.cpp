#include <cerrno>
#include <charconv>
#include <cstring>
#include <fstream>
#include <limits>
#include <optional>
#include <sstream>

#include "isoloir/canonical_json.h"
#include "isoloir/server/config.h"

namespace isoloir::server {
namespace {

// Request bodies are never large in this protocol (a ballot is a few KB);
// the cap only guards against a typo turning the limit off.
constexpr size_t kMaxBodyLimit = size_t{16} * 1024 * 1024;

std::optional<uint64_t> parse_uint(std::string_view s) {
  uint64_t v = 0;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || end != s.data() + s.size() || s.empty()) return std::nullopt;
  return v;
}

Status set_port(ServerConfig& c, uint64_t v, const std::string& where) {
  if (v > 65535) return fail("bad_config", where + ": port must be 0..65535");
  c.port = static_cast<uint16_t>(v);
  return {};
}

Status set_max_body(ServerConfig& c, uint64_t v, const std::string& where) {
  if (v == 0 || v > kMaxBodyLimit) {
    return fail("bad_config",
                where + ": max_body_bytes must be 1.." + std::to_string(kMaxBodyLimit));
  }
  c.max_body_bytes = static_cast<size_t>(v);
  return {};
}

Result<std::string> read_config_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return fail("bad_config", path + ": " + std::strerror(errno));
  std::ostringstream buf;
  buf << in.rdbuf();
  if (in.bad()) return fail("bad_config", path + ": read error");
  return buf.str();
}

}  // namespace

Result<ServerConfig> parse_config_json(std::string_view text, ServerConfig base) {
  Result<Json> parsed = parse_json(text);
  if (!parsed) return fail("bad_config", "not JSON: " + parsed.error().detail);
  const Json& doc = *parsed;
  if (!doc.is_object()) return fail("bad_config", "the config must be a JSON object");
  ServerConfig c = std::move(base);
  for (const auto& [key, value] : doc.items()) {
    if (key == "data_dir" || key == "listen") {
      if (!value.is_string() || value.get<std::string>().empty()) {
        return fail("bad_config", key + ": a non-empty string");
      }
      (key == "data_dir" ? c.data_dir : c.listen) = value.get<std::string>();
    } else if (key == "port" || key == "max_body_bytes") {
      // parse_json keeps every integer signed (canonical JSON's range).
      if (!value.is_number_integer() || value.get<int64_t>() < 0) {
        return fail("bad_config", key + ": a non-negative integer");
      }
      const auto v = static_cast<uint64_t>(value.get<int64_t>());
      const Status s = key == "port" ? set_port(c, v, key) : set_max_body(c, v, key);
      if (!s) return s.error();
    } else if (key == "trust_proxy" || key == "tls") {
      if (!value.is_boolean()) return fail("bad_config", key + ": true or false");
      (key == "tls" ? c.tls : c.trust_proxy) = value.get<bool>();
    } else {
      return fail("bad_config", "unknown key \"" + key + "\"");
    }
  }
  return c;
}

Result<ServerConfig> parse_server_args(const std::vector<std::string>& args) {
  ServerConfig c;
  // The file first, so that flags override it wherever they appear.
  for (size_t i = 0; i < args.size(); ++i) {
    if (args[i] != "--config") continue;
    if (i + 1 >= args.size()) return fail("usage", "--config needs a file");
    Result<std::string> text = read_config_file(args[i + 1]);
    if (!text) return text.error();
    Result<ServerConfig> parsed = parse_config_json(*text, c);
    if (!parsed) return fail("bad_config", args[i + 1] + ": " + parsed.error().detail);
    c = std::move(parsed).value();
  }
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& flag = args[i];
    if (flag == "--help" || flag == "-h") {
      c.help = true;
      continue;
    }
    if (flag != "--config" && flag != "--data-dir" && flag != "--listen" && flag != "--port" &&
        flag != "--max-body-bytes") {
      return fail("usage", "unknown argument \"" + flag + "\"");
    }
    if (i + 1 >= args.size()) return fail("usage", flag + " needs a value");
    const std::string& value = args[++i];
    if (flag == "--data-dir") {
      c.data_dir = value;
    } else if (flag == "--listen") {
      c.listen = value;
    } else if (flag == "--port" || flag == "--max-body-bytes") {
      const std::optional<uint64_t> v = parse_uint(value);
      if (!v) return fail("usage", flag + ": not a number: " + value);
      const Status s = flag == "--port" ? set_port(c, *v, flag) : set_max_body(c, *v, flag);
      if (!s) return fail("usage", s.error().detail);
    }
  }
  if (!c.help && c.data_dir.empty())
    return fail("usage", "no data directory (--data-dir or data_dir)");
  if (!c.help && c.listen.empty()) return fail("usage", "empty listen address");
  return c;
}

std::string server_usage() {
  return "usage: isoloir-server [--config FILE] [--data-dir DIR] [--listen ADDR] [--port N]\n"
         "                      [--max-body-bytes N]\n"
         "Serves the urn in DIR over HTTP (default 127.0.0.1:8080). The config file is JSON:\n"
         "  {\"data_dir\", \"listen\", \"port\", \"max_body_bytes\", \"trust_proxy\", \"tls\"}\n"
         "Flags override the file. Exit 2 when it cannot start, with the reason on stderr.\n";
}

}  // namespace isoloir::server

#include <cerrno>
#include <charconv>
#include <cstring>
#include <fstream>
#include <limits>
#include <optional>
#include <sstream>

#include "isoloir/canonical_json.h"
#include "isoloir/portal/password.h"
#include "isoloir/pow.h"
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

// The integer settings: name, where, least and greatest value.
struct IntKey {
  const char* name;
  int64_t ServerConfig::*field;
  int64_t min, max;
};
constexpr int64_t kYear = int64_t{366} * 86'400;
const IntKey kIntKeys[] = {
    {"session_idle_seconds", &ServerConfig::session_idle_seconds, 1, kYear},
    {"session_max_seconds", &ServerConfig::session_max_seconds, 1, kYear},
    {"activation_link_seconds", &ServerConfig::activation_link_seconds, 1, kYear},
    {"reset_link_seconds", &ServerConfig::reset_link_seconds, 1, kYear},
    {"reissue_link_seconds", &ServerConfig::reissue_link_seconds, 60, kYear},
    {"login_free_failures", &ServerConfig::login_free_failures, 0, 1000},
    {"login_lock_after", &ServerConfig::login_lock_after, 1, 100'000},
    {"login_lock_seconds", &ServerConfig::login_lock_seconds, 1, kYear},
    {"address_free_failures", &ServerConfig::address_free_failures, 0, 100'000},
    {"address_lock_after", &ServerConfig::address_lock_after, 1, 1'000'000},
    {"pow_difficulty", &ServerConfig::pow_difficulty, 0, kMaxPowDifficulty},
    {"threads", &ServerConfig::threads, 1, 4096},
    {"max_header_bytes", &ServerConfig::max_header_bytes, 1024, 1'048'576},
    {"max_headers", &ServerConfig::max_headers, 8, 1000},
    {"request_timeout_seconds", &ServerConfig::request_timeout_seconds, 1, 3600},
    {"idle_timeout_seconds", &ServerConfig::idle_timeout_seconds, 1, 3600},
    {"max_connections", &ServerConfig::max_connections, 1, 1'000'000},
};

Status set_string(std::string& field, const Json& value, const std::string& key) {
  if (!value.is_string() || value.get<std::string>().empty()) {
    return fail("bad_config", key + ": a non-empty string");
  }
  field = value.get<std::string>();
  return {};
}

// "mail": {"outbox" | "smtp_url", "from", "username", "password", "starttls"}
Status parse_mail(ServerConfig& c, const Json& mail) {
  if (!mail.is_object()) return fail("bad_config", "mail: an object");
  for (const auto& [key, value] : mail.items()) {
    const std::string where = "mail." + key;
    Status s;
    if (key == "outbox") {
      s = set_string(c.mail_outbox, value, where);
    } else if (key == "from") {
      s = set_string(c.mail_from, value, where);
    } else if (key == "smtp_url") {
      s = set_string(c.smtp_url, value, where);
    } else if (key == "username") {
      s = set_string(c.smtp_username, value, where);
    } else if (key == "password") {
      s = set_string(c.smtp_password, value, where);
    } else if (key == "starttls") {
      if (!value.is_boolean()) return fail("bad_config", where + ": true or false");
      c.smtp_starttls = value.get<bool>();
    } else {
      return fail("bad_config", "unknown key \"" + where + "\"");
    }
    if (!s) return s;
  }
  if (!c.mail_outbox.empty() && !c.smtp_url.empty()) {
    return fail("bad_config", "mail: outbox or smtp_url, not both");
  }
  return {};
}

// Checks that hold whatever the source of each setting.
Status check_config(const ServerConfig& c) {
  if (!c.public_url.empty() && c.public_url.rfind("http://", 0) != 0 &&
      c.public_url.rfind("https://", 0) != 0) {
    return fail("bad_config", "public_url must start with http:// or https://");
  }
  if (!c.public_url.empty() && c.public_url.back() == '/') {
    return fail("bad_config", "public_url must not end with /");
  }
  if (Result<portal::HashCost> cost = portal::parse_cost(c.password_cost); !cost) {
    return fail("bad_config", "password_cost: " + cost.error().detail);
  }
  if (c.session_idle_seconds > c.session_max_seconds) {
    return fail("bad_config", "session_idle_seconds is longer than session_max_seconds");
  }
  if (c.login_free_failures >= c.login_lock_after ||
      c.address_free_failures >= c.address_lock_after) {
    return fail("bad_config", "free failures must be fewer than the lock threshold");
  }
  return {};
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
    } else if (key == "public_url" || key == "password_cost") {
      if (Status s = set_string(key == "public_url" ? c.public_url : c.password_cost, value, key);
          !s) {
        return s.error();
      }
    } else if (key == "mail") {
      if (Status s = parse_mail(c, value); !s) return s.error();
    } else if (key == "sms") {
      if (!value.is_object()) return fail("bad_config", "sms: an object {\"url\", \"token\"}");
      for (const auto& [k, v] : value.items()) {
        if (k != "url" && k != "token") return fail("bad_config", "unknown key \"sms." + k + "\"");
        if (Status s = set_string(k == "url" ? c.sms_url : c.sms_token, v, "sms." + k); !s) {
          return s.error();
        }
      }
    } else if (key == "oidc") {
      if (!value.is_object()) return fail("bad_config", "oidc: an object");
      for (const auto& [k, v] : value.items()) {
        std::string* field = k == "issuer"          ? &c.oidc_issuer
                             : k == "client_id"     ? &c.oidc_client_id
                             : k == "client_secret" ? &c.oidc_client_secret
                                                    : nullptr;
        if (field == nullptr) return fail("bad_config", "unknown key \"oidc." + k + "\"");
        if (Status s = set_string(*field, v, "oidc." + k); !s) return s.error();
      }
    } else if (key == "web_root") {
      if (Status s = set_string(c.web_root, value, key); !s) return s.error();
    } else if (key == "practical_info") {
      if (!value.is_object()) return fail("bad_config", key + ": a JSON object");
      c.practical_info = canonical_dump(value);
    } else {
      const IntKey* found = nullptr;
      for (const IntKey& k : kIntKeys) found = key == k.name ? &k : found;
      if (found == nullptr) return fail("bad_config", "unknown key \"" + key + "\"");
      if (!value.is_number_integer() || value.get<int64_t>() < found->min ||
          value.get<int64_t>() > found->max) {
        return fail("bad_config", key + ": an integer " + std::to_string(found->min) + ".." +
                                      std::to_string(found->max));
      }
      c.*(found->field) = value.get<int64_t>();
    }
  }
  if (Status s = check_config(c); !s) return s.error();
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
        flag != "--max-body-bytes" && flag != "--public-url" && flag != "--outbox" &&
        flag != "--web-root") {
      return fail("usage", "unknown argument \"" + flag + "\"");
    }
    if (i + 1 >= args.size()) return fail("usage", flag + " needs a value");
    const std::string& value = args[++i];
    if (flag == "--data-dir") {
      c.data_dir = value;
    } else if (flag == "--listen") {
      c.listen = value;
    } else if (flag == "--web-root") {
      c.web_root = value;
    } else if (flag == "--public-url") {
      c.public_url = value;
    } else if (flag == "--outbox") {
      c.mail_outbox = value;
      c.smtp_url.clear();
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
  if (Status s = check_config(c); !s) return fail("usage", s.error().detail);
  return c;
}

std::string server_usage() {
  return "usage: isoloir-server [--config FILE] [--data-dir DIR] [--listen ADDR] [--port N]\n"
         "                      [--max-body-bytes N] [--public-url URL] [--outbox DIR]\n"
         "                      [--web-root DIR]\n"
         "Serves the urn in DIR over HTTP (default 127.0.0.1:8080). The config file is JSON:\n"
         "  {\"data_dir\", \"listen\", \"port\", \"max_body_bytes\", \"trust_proxy\", \"tls\",\n"
         "   \"public_url\", \"password_cost\", \"mail\", \"session_idle_seconds\", ...}\n"
         "(docs/api.md lists every key). Flags override the file. Mail goes to DIR/outbox\n"
         "unless mail.smtp_url is set. Exit 2 when it cannot start, with the reason on stderr.\n";
}

}  // namespace isoloir::server

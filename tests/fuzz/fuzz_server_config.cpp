// isoloir-server's configuration: the JSON config file and the command line
// (arguments separated by NUL bytes in the input). Never a crash; what is
// accepted is within the documented bounds. --config is skipped: it names a
// file to read, which the file's own parser covers.
#include "fuzz_support.h"
#include "isoloir/server/config.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text = isoloir::fuzz::as_text(data, size);
  if (auto config = isoloir::server::parse_config_json(text)) {
    FUZZ_CHECK(config->threads >= 1);
    FUZZ_CHECK(config->max_body_bytes >= 1);
  }
  std::vector<std::string> args;
  std::string_view rest = text;
  while (!rest.empty() && args.size() < 64) {
    const size_t at = rest.find('\0');
    args.emplace_back(rest.substr(0, at));
    if (args.back() == "--config") return 0;
    rest.remove_prefix(at == std::string_view::npos ? rest.size() : at + 1);
  }
  (void)isoloir::server::parse_server_args(args);
  return 0;
}

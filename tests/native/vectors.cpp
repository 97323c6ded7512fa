#include "vectors.h"

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>

namespace isoloir::test {

std::string vector_path(const std::string& name) {
  const char* env = std::getenv("ISOLOIR_VECTORS_DIR");
  return std::string(env != nullptr ? env : ISOLOIR_VECTORS_DIR) + "/" + name;
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    std::fprintf(stderr, "cannot read %s\n", path.c_str());
    std::abort();
  }
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

nlohmann::json load_vector(const std::string& name) {
  return nlohmann::json::parse(read_file(vector_path(name)));
}

Bytes unhex(const std::string& hex) {
  auto r = hex_decode(hex);
  if (!r) std::abort();
  return *r;
}

Bytes unb64(const std::string& text) {
  auto r = base64url_decode(text);
  if (!r) std::abort();
  return *r;
}

}  // namespace isoloir::test

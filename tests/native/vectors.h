// Loading the protocol test vectors of ../shared/vectors for the native tests.
#ifndef ISOLOIR_TESTS_VECTORS_H_
#define ISOLOIR_TESTS_VECTORS_H_

#include <nlohmann/json.hpp>

#include <string>

#include "isoloir/bytes.h"

namespace isoloir::test {

// The path of a file under the vectors directory.
std::string vector_path(const std::string& name);
// The whole file as bytes (aborts the test binary if it cannot be read).
std::string read_file(const std::string& path);
// A vectors file parsed as JSON (lenient parse: the vector files are pretty-printed).
nlohmann::json load_vector(const std::string& name);
// Hex or base64url decoding that must succeed (test data).
Bytes unhex(const std::string& hex);
Bytes unb64(const std::string& text);

}  // namespace isoloir::test

#endif  // ISOLOIR_TESTS_VECTORS_H_

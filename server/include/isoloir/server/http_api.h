// The server's HTTP surface on cpp-httplib: for now the public board under
// /api/v1/board (docs/api.md, "HTTP API"), plus what every response shares:
// security headers, JSON errors {"error", "detail"} with a 4xx status, 405
// for a known route asked with another method, the body size limit, and a
// boundary that turns any exception into a generic 500. A thin layer: every
// answer comes from the Urn, nothing is cached here.
#ifndef ISOLOIR_SERVER_HTTP_API_H_
#define ISOLOIR_SERVER_HTTP_API_H_

#include <httplib.h>

#include <cstddef>

#include "isoloir/urn/urn.h"

namespace isoloir::server {

// Page size of GET /api/v1/board/ballots when no limit is given, and its cap.
inline constexpr uint64_t kBallotPageMax = 100;

// Registers the routes and handlers on `server`. `urn` must outlive it.
void install_http_api(httplib::Server& server, const urn::Urn& urn, size_t max_body_bytes);

}  // namespace isoloir::server

#endif  // ISOLOIR_SERVER_HTTP_API_H_

// isoloir-server's HTTP/1.1 transport, on Boost.Beast (Debian's
// libboost-dev, header only). It exists because cpp-httplib 0.11 cannot
// hold on the open internet: it read chunked bodies whatever their size,
// kept any number of headers, and gave each connection a thread for as long
// as the client liked, so a few dozen slow clients starved everyone.
//
// Here one event thread reads every connection, with bounded buffers and a
// deadline for each whole request; only complete, checked requests reach
// the worker threads, which run the Router's handlers. What a client can
// cost is bounded by the limits below, whatever it sends or how slowly.
#ifndef ISOLOIR_SERVER_HTTP_SERVER_H_
#define ISOLOIR_SERVER_HTTP_SERVER_H_

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include <httplib.h>

#include "isoloir/result.h"
#include "isoloir/server/router.h"

namespace isoloir::server {

struct HttpLimits {
  // The request line and all header lines together (431 above).
  size_t max_header_bytes = 16384;
  // Header fields in one request (431 above).
  size_t max_headers = 64;
  // The request target (414 above).
  size_t max_target_bytes = 4096;
  // From a request's first byte to its last (408 after): a client that
  // trickles its headers or body loses its connection, not a thread.
  std::chrono::milliseconds request_deadline{15'000};
  // A kept-alive connection with no request started is closed after this.
  std::chrono::milliseconds idle_timeout{30'000};
  // Sending one answer (a client that does not read is dropped).
  std::chrono::milliseconds write_deadline{30'000};
  // Open connections; past this, new ones are closed at once.
  size_t max_connections = 8192;
  // Requests read but not yet answered; past this, 503 with Retry-After.
  size_t max_pending = 1024;
  // Requests on one kept-alive connection before it is closed.
  size_t max_requests_per_connection = 1000;
  // Threads running handlers (verification, Argon2id, SQLite).
  size_t worker_threads = 8;
};

// Reads one request from `bytes` exactly as a connection does (the same
// parser and limits, path and query split the same way): 0 with `out`
// filled, or the status the connection would refuse with (400 for bytes
// that end before the request does). For the fuzzer and the unit tests.
int read_request(std::string_view bytes, const HttpLimits& limits, size_t max_body,
                 httplib::Request& out);

class HttpServer {
 public:
  // Binds `address`:`port` (0: any free port). "cannot_listen" with the
  // system's reason. `router` must outlive the server.
  static Result<std::unique_ptr<HttpServer>> bind(const Router& router, const HttpLimits& limits,
                                                  const std::string& address, uint16_t port);
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;
  ~HttpServer();

  uint16_t port() const;
  // Serves until stop(); false if the event loop ended for another reason.
  bool run();
  // From any thread: stop accepting, finish the requests in flight (within
  // the write deadline), close the idle connections, and return from run().
  void stop();

  class Impl;

 private:
  explicit HttpServer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace isoloir::server

#endif  // ISOLOIR_SERVER_HTTP_SERVER_H_

// The HTTP layer's routing: handlers registered by method and path pattern,
// the headers every answer carries, and the hooks that shape refusals. It
// knows nothing of sockets: HttpServer (http_server.h) reads and checks a
// whole request, hands it here, and writes back the answer. Requests and
// answers are cpp-httplib's plain value types (the handlers were written
// against them, and the tests' client is httplib's), but no httplib server
// code runs: routing and error shaping follow httplib 0.11's rules, which the
// handlers rely on.
#ifndef ISOLOIR_SERVER_ROUTER_H_
#define ISOLOIR_SERVER_ROUTER_H_

#include <httplib.h>

#include <cstddef>
#include <exception>
#include <functional>
#include <regex>
#include <string>
#include <vector>

namespace isoloir::server {

class Router {
 public:
  using Handler = std::function<void(const httplib::Request&, httplib::Response&)>;
  enum class HandlerResponse { Handled, Unhandled };
  // Called for every answer whose status is 400 or more, ours or the
  // transport's; Handled keeps what it wrote.
  using ErrorHandler = std::function<HandlerResponse(const httplib::Request&, httplib::Response&)>;
  using ExceptionHandler =
      std::function<void(const httplib::Request&, httplib::Response&, const std::exception_ptr&)>;

  // First registered match wins; the pattern must match the whole path.
  // HEAD requests are answered by the GET handlers (the body is not sent).
  Router& Get(const std::string& pattern, Handler h);
  Router& Post(const std::string& pattern, Handler h);
  Router& Put(const std::string& pattern, Handler h);
  Router& Patch(const std::string& pattern, Handler h);
  Router& Delete(const std::string& pattern, Handler h);
  Router& Options(const std::string& pattern, Handler h);

  void set_default_headers(httplib::Headers headers);
  void set_error_handler(ErrorHandler h);
  void set_exception_handler(ExceptionHandler h);
  // The largest body the transport accepts, however it is sent (413 above).
  void set_payload_max_length(size_t n) { payload_max_length_ = n; }
  size_t payload_max_length() const { return payload_max_length_; }

  // Routes a whole request: `res` holds the answer, default headers and
  // error shaping applied. Never throws.
  void dispatch(httplib::Request& req, httplib::Response& res) const;
  // An answer the transport makes itself (400, 408, 413, 414, 431, 503...)
  // for what it could read of the request, shaped like the handlers' own.
  void refuse(const httplib::Request& req, httplib::Response& res, int status) const;

 private:
  struct Route {
    std::string method;
    bool any_path;  // ".*": matched without the regex engine
    std::regex pattern;
    Handler handler;
  };
  Router& add(const char* method, const std::string& pattern, Handler h);
  void finish(const httplib::Request& req, httplib::Response& res) const;

  std::vector<Route> routes_;
  httplib::Headers default_headers_;
  ErrorHandler error_handler_;
  ExceptionHandler exception_handler_;
  size_t payload_max_length_ = 65536;
};

}  // namespace isoloir::server

#endif  // ISOLOIR_SERVER_ROUTER_H_

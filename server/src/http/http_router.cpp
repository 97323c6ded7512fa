#include <exception>
#include <string>
#include <utility>

#include "isoloir/server/router.h"

namespace isoloir::server {
namespace {

// ".*" is every route group's catch-all: matched without the regex engine,
// whose libstdc++ implementation recurses once per character.
bool matches_all(const std::string& pattern) {
  return pattern == ".*";
}

bool known_method(const std::string& m) {
  return m == "GET" || m == "POST" || m == "PUT" || m == "PATCH" || m == "DELETE" || m == "OPTIONS";
}

}  // namespace

Router& Router::add(const char* method, const std::string& pattern, Handler h) {
  const bool any = matches_all(pattern);
  routes_.push_back(Route{method, any, any ? std::regex() : std::regex(pattern), std::move(h)});
  return *this;
}

Router& Router::Get(const std::string& pattern, Handler h) {
  return add("GET", pattern, std::move(h));
}
Router& Router::Post(const std::string& pattern, Handler h) {
  return add("POST", pattern, std::move(h));
}
Router& Router::Put(const std::string& pattern, Handler h) {
  return add("PUT", pattern, std::move(h));
}
Router& Router::Patch(const std::string& pattern, Handler h) {
  return add("PATCH", pattern, std::move(h));
}
Router& Router::Delete(const std::string& pattern, Handler h) {
  return add("DELETE", pattern, std::move(h));
}
Router& Router::Options(const std::string& pattern, Handler h) {
  return add("OPTIONS", pattern, std::move(h));
}

void Router::set_default_headers(httplib::Headers headers) {
  default_headers_ = std::move(headers);
}
void Router::set_error_handler(ErrorHandler h) {
  error_handler_ = std::move(h);
}
void Router::set_exception_handler(ExceptionHandler h) {
  exception_handler_ = std::move(h);
}

void Router::dispatch(httplib::Request& req, httplib::Response& res) const {
  res.headers = default_headers_;
  const std::string method = req.method == "HEAD" ? std::string("GET") : req.method;
  bool routed = false;
  try {
    for (const Route& r : routes_) {
      if (r.method != method) continue;
      if (r.any_path) {
        req.matches = std::smatch();
      } else if (!std::regex_match(req.path, req.matches, r.pattern)) {
        continue;
      }
      routed = true;
      r.handler(req, res);
      break;
    }
  } catch (...) {
    res = httplib::Response();
    res.headers = default_headers_;
    res.status = 500;
    if (exception_handler_) {
      try {
        exception_handler_(req, res, std::current_exception());
      } catch (...) {
        res.status = 500;
      }
    }
  }
  // As httplib: an unrouted path is 404, a method nobody registers 400.
  if (res.status == -1) res.status = routed ? 200 : known_method(method) ? 404 : 400;
  finish(req, res);
}

void Router::refuse(const httplib::Request& req, httplib::Response& res, int status) const {
  res = httplib::Response();
  res.headers = default_headers_;
  res.status = status;
  finish(req, res);
}

void Router::finish(const httplib::Request& req, httplib::Response& res) const {
  if (res.status < 400 || !error_handler_) return;
  try {
    (void)error_handler_(req, res);
  } catch (...) {
    res.body.clear();
  }
}

}  // namespace isoloir::server

// isoloir-server's transport on Boost.Beast (http_server.h says why). One
// event thread owns every socket, buffer and parser; handlers run on the
// worker pool and post their answer back. A request reaches a worker only
// whole: its header within max_header_bytes and max_headers, its body within
// the router's payload limit whether sized or chunked, all of it within the
// request deadline. Whatever fails is answered once (or not at all when the
// client is gone) and the connection is closed, since its stream can no
// longer be trusted.
#include "isoloir/server/http_server.h"

#include <httplib.h>

#include <algorithm>
#include <atomic>
#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <cctype>
#include <cstdio>
#include <exception>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <utility>

namespace isoloir::server {
namespace {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = net::ip::tcp;
using beast::error_code;

// Read a connection at most this much at a time.
constexpr size_t kReadChunk = 16384;
// After a refusal, read and discard at most this much (and this long) of
// what the client still sends, so that it sees the answer instead of a reset.
constexpr size_t kDrainBytes = 262144;
constexpr std::chrono::milliseconds kDrainTime{1000};

// A Beast request parser that builds httplib's Request directly and counts
// header fields (Beast bounds their bytes, not their number).
class RequestParser final : public http::basic_parser<true> {
 public:
  RequestParser(const HttpLimits& limits, size_t max_body)
      : max_headers_(limits.max_headers), max_target_(limits.max_target_bytes) {
    header_limit(static_cast<std::uint32_t>(limits.max_header_bytes));
    body_limit(max_body);
  }

  httplib::Request request;
  int refusal = 0;  // the status a limit of ours asks for, 0 if none

 private:
  void on_request_impl(http::verb /*method*/, beast::string_view method, beast::string_view target,
                       int version, error_code& ec) override {
    if (target.size() > max_target_) {
      refusal = 414;
      ec = http::error::bad_target;
      return;
    }
    if (version != 10 && version != 11) {
      ec = http::error::bad_version;
      return;
    }
    request.method = std::string(method);
    request.target = std::string(target);
    request.version = version == 11 ? "HTTP/1.1" : "HTTP/1.0";
  }
  void on_response_impl(int /*code*/, beast::string_view /*reason*/, int /*version*/,
                        error_code& ec) override {
    ec = http::error::bad_method;  // never called for a request parser
  }
  void on_field_impl(http::field /*name*/, beast::string_view name, beast::string_view value,
                     error_code& ec) override {
    if (++fields_ > max_headers_) {
      refusal = 431;
      ec = http::error::header_limit;
      return;
    }
    request.headers.emplace(std::string(name), std::string(value));
  }
  void on_header_impl(error_code& /*ec*/) override {}
  void on_body_init_impl(const boost::optional<std::uint64_t>& length,
                         error_code& /*ec*/) override {
    // Beast has checked a declared length against body_limit already.
    if (length) request.body.reserve(static_cast<size_t>(*length));
  }
  size_t on_body_impl(beast::string_view body, error_code& /*ec*/) override {
    request.body.append(body.data(), body.size());
    return body.size();
  }
  void on_chunk_header_impl(std::uint64_t /*size*/, beast::string_view /*extensions*/,
                            error_code& /*ec*/) override {}
  size_t on_chunk_body_impl(std::uint64_t /*remain*/, beast::string_view body,
                            error_code& /*ec*/) override {
    request.body.append(body.data(), body.size());
    return body.size();
  }
  void on_finish_impl(error_code& /*ec*/) override {}

  size_t fields_ = 0;
  size_t max_headers_;
  size_t max_target_;
};

bool is_token_char(unsigned char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
         std::string_view("!#$%&'*+-.^_`|~").find(static_cast<char>(c)) != std::string_view::npos;
}
bool valid_header_name(const std::string& name) {
  return !name.empty() && std::all_of(name.begin(), name.end(), [](char c) {
    return is_token_char(static_cast<unsigned char>(c));
  });
}
// No CR, LF or other control but tab: a handler can never split an answer.
bool valid_header_value(const std::string& value) {
  return std::none_of(value.begin(), value.end(), [](char c) {
    const auto u = static_cast<unsigned char>(c);
    return (u < 0x20 && u != '\t') || u == 0x7f;
  });
}
bool ci_equal(const std::string& a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}
bool body_forbidden(int status) {
  return status < 200 || status == 204 || status == 304;
}

// The answer's bytes. Framing headers are ours alone: a handler's
// Content-Length, Transfer-Encoding or Connection is dropped.
std::string serialize(const httplib::Request& req, httplib::Response& res, bool keep_alive) {
  if (res.status < 100 || res.status > 599) res.status = 500;
  const beast::string_view reason = http::obsolete_reason(http::int_to_status(res.status));
  std::string out = "HTTP/1.1 " + std::to_string(res.status) + " " + std::string(reason) + "\r\n";
  for (const auto& [name, value] : res.headers) {
    if (!valid_header_name(name) || !valid_header_value(value) ||
        ci_equal(name, "Content-Length") || ci_equal(name, "Transfer-Encoding") ||
        ci_equal(name, "Connection")) {
      continue;
    }
    out += name + ": " + value + "\r\n";
  }
  const bool no_body = body_forbidden(res.status);
  if (!no_body) out += "Content-Length: " + std::to_string(res.body.size()) + "\r\n";
  if (!keep_alive) {
    out += "Connection: close\r\n";
  } else if (req.version == "HTTP/1.0") {
    out += "Connection: keep-alive\r\n";
  }
  out += "\r\n";
  if (!no_body && req.method != "HEAD") out += res.body;
  return out;
}

// Path and query as httplib 0.11 splits them: the path URL-decoded, the
// query's parameters decoded with '+' as space; a second '?' is refused.
bool split_target(httplib::Request& req) {
  if (req.target.empty() || req.target.front() != '/') return false;
  const size_t q = req.target.find('?');
  if (q != std::string::npos && req.target.find('?', q + 1) != std::string::npos) return false;
  req.path = httplib::detail::decode_url(req.target.substr(0, q), false);
  if (q != std::string::npos && q + 1 < req.target.size()) {
    httplib::detail::parse_query_text(req.target.substr(q + 1), req.params);
  }
  return true;
}

// The status a failed read asks for (0: the client is gone, answer nothing).
int refusal_status(const RequestParser& parser, error_code ec, bool timed_out) {
  if (timed_out) return 408;
  if (ec == http::error::end_of_stream || ec == http::error::partial_message ||
      ec == net::error::eof || ec == net::error::connection_reset ||
      ec == net::error::operation_aborted || ec == net::error::broken_pipe) {
    return 0;
  }
  if (parser.refusal != 0) return parser.refusal;
  if (ec == http::error::header_limit) return 431;
  if (ec == http::error::body_limit) return 413;
  if (ec == http::error::buffer_overflow) return parser.is_header_done() ? 400 : 431;
  return 400;
}

}  // namespace

int read_request(std::string_view bytes, const HttpLimits& limits, size_t max_body,
                 httplib::Request& out) {
  RequestParser parser(limits, max_body);
  parser.eager(true);
  error_code ec;
  size_t used = 0;
  while (!parser.is_done()) {
    const size_t n = parser.put(net::buffer(bytes.data() + used, bytes.size() - used), ec);
    used += n;
    if (ec == http::error::need_more) return 400;  // the bytes end mid-request
    if (ec) return refusal_status(parser, ec, false);
    if (n == 0) return 400;
  }
  out = std::move(parser.request);
  return split_target(out) ? 0 : 400;
}

class Connection;

class HttpServer::Impl {
 public:
  Impl(const Router& r, const HttpLimits& l)
      : router(r), limits(l), workers(std::max<size_t>(1, l.worker_threads)) {}

  void accept();
  void on_stop();
  void forget(Connection* c) { connections.erase(c); }

  const Router& router;
  const HttpLimits limits;
  net::io_context ioc{1};
  tcp::acceptor acceptor{ioc};
  net::steady_timer accept_retry{ioc};
  net::thread_pool workers;
  std::optional<net::executor_work_guard<net::io_context::executor_type>> keep_running{
      net::make_work_guard(ioc)};
  // Touched on the event thread only.
  std::set<Connection*> connections;
  bool stopping = false;
  std::atomic<size_t> pending{0};
};

class Connection : public std::enable_shared_from_this<Connection> {
 public:
  Connection(HttpServer::Impl& server, tcp::socket socket)
      : server_(server),
        stream_(std::move(socket)),
        deadline_(server.ioc),
        buffer_(server.limits.max_header_bytes + kReadChunk) {
    error_code ec;
    const tcp::endpoint remote = stream_.socket().remote_endpoint(ec);
    if (!ec) {
      remote_addr_ = remote.address().to_string();
      remote_port_ = remote.port();
    }
    const tcp::endpoint local = stream_.socket().local_endpoint(ec);
    if (!ec) {
      local_addr_ = local.address().to_string();
      local_port_ = local.port();
    }
  }

  void start() {
    server_.connections.insert(this);
    wait_request();
  }

  // The server stops: an idle or half-read connection closes now; one
  // whose request is being answered closes after its answer.
  void stop() {
    if (!busy_) close();
  }

 private:
  // Between requests: wait (idle_timeout) for the next one's first bytes,
  // unless they came with the previous one.
  void wait_request() {
    if (server_.stopping) return close();
    if (buffer_.size() > 0) return begin_request();
    stream_.expires_after(server_.limits.idle_timeout);
    stream_.async_read_some(buffer_.prepare(kReadChunk),
                            [self = shared_from_this()](error_code ec, size_t n) {
                              if (ec) return self->close();
                              self->buffer_.commit(n);
                              self->begin_request();
                            });
  }

  // The request has started: all of it within request_deadline. Our own
  // timer, not the stream's: the stream's closes the socket, and a client
  // that is only slow (a phone on a bad line) deserves its 408.
  void begin_request() {
    parser_.emplace(server_.limits, server_.router.payload_max_length());
    stream_.expires_never();
    timed_out_ = false;
    deadline_.expires_after(server_.limits.request_deadline);
    deadline_.async_wait([self = shared_from_this()](error_code ec) {
      if (ec || self->closed_) return;
      self->timed_out_ = true;
      error_code ignored;
      self->stream_.socket().cancel(ignored);
    });
    http::async_read_header(
        stream_, buffer_, *parser_,
        [self = shared_from_this()](error_code ec, size_t /*n*/) { self->on_header(ec); });
  }

  void on_header(error_code ec) {
    if (ec) return refuse_read(ec);
    if (parser_->is_done()) return on_request();
    const httplib::Request& req = parser_->request;
    if (ci_equal(req.get_header_value("Expect"), "100-continue")) {
      auto interim = std::make_shared<std::string>("HTTP/1.1 100 Continue\r\n\r\n");
      net::async_write(stream_, net::buffer(*interim),
                       [self = shared_from_this(), interim](error_code wec, size_t /*n*/) {
                         if (wec) return self->close();
                         self->read_body();
                       });
      return;
    }
    read_body();
  }

  void read_body() {
    http::async_read(stream_, buffer_, *parser_,
                     [self = shared_from_this()](error_code ec, size_t /*n*/) {
                       if (ec) return self->refuse_read(ec);
                       self->on_request();
                     });
  }

  // A request that could not be read whole: answer what went wrong if the
  // client is still there, then close.
  void refuse_read(error_code ec) {
    deadline_.cancel();
    const int status = refusal_status(*parser_, ec, timed_out_);
    if (status == 0) return close();
    refuse(status);
  }
  void refuse(int status) {
    httplib::Request& req = parser_ ? parser_->request : scratch_;
    req.remote_addr = remote_addr_;
    httplib::Response res;
    server_.router.refuse(req, res, status);
    if (status == 503) res.set_header("Retry-After", "1");
    busy_ = true;
    write(serialize(req, res, false), false);
  }

  void on_request() {
    deadline_.cancel();
    httplib::Request req = std::move(parser_->request);
    const bool keep_alive = parser_->keep_alive() && !server_.stopping &&
                            served_ + 1 < server_.limits.max_requests_per_connection;
    parser_.reset();
    req.remote_addr = remote_addr_;
    req.remote_port = remote_port_;
    req.local_addr = local_addr_;
    req.local_port = local_port_;
    if (!split_target(req)) {
      parser_.emplace(server_.limits, 0);
      parser_->request = std::move(req);
      return refuse(400);
    }
    if (server_.pending.load() >= server_.limits.max_pending) {
      parser_.emplace(server_.limits, 0);
      parser_->request = std::move(req);
      return refuse(503);
    }
    ++server_.pending;
    busy_ = true;
    stream_.expires_never();
    auto shared = std::make_shared<httplib::Request>(std::move(req));
    // The guard keeps the event loop running while a worker holds the
    // request, so that its answer is written even during a stop.
    net::post(server_.workers, [self = shared_from_this(), shared, keep_alive,
                                work = net::make_work_guard(server_.ioc)]() mutable {
      httplib::Response res;
      self->server_.router.dispatch(*shared, res);
      const bool keep = keep_alive && !ci_equal(res.get_header_value("Connection"), "close");
      std::string bytes = serialize(*shared, res, keep);
      net::post(self->stream_.get_executor(), [self, bytes = std::move(bytes), keep]() mutable {
        --self->server_.pending;
        self->write(std::move(bytes), keep);
      });
      work.reset();
    });
  }

  void write(std::string bytes, bool keep_alive) {
    auto out = std::make_shared<std::string>(std::move(bytes));
    stream_.expires_after(server_.limits.write_deadline);
    net::async_write(stream_, net::buffer(*out),
                     [self = shared_from_this(), out, keep_alive](error_code ec, size_t /*n*/) {
                       self->busy_ = false;
                       if (ec) return self->close();
                       if (!keep_alive || self->server_.stopping) return self->drain();
                       ++self->served_;
                       self->wait_request();
                     });
  }

  // After the last answer: stop sending, read what the client still sends
  // (briefly, boundedly) so that our answer is not lost to a reset.
  void drain() {
    error_code ec;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
    if (ec) return close();
    buffer_.clear();
    stream_.expires_after(kDrainTime);
    drain_more();
  }
  void drain_more() {
    if (drained_ >= kDrainBytes) return close();
    stream_.async_read_some(buffer_.prepare(kReadChunk),
                            [self = shared_from_this()](error_code ec, size_t n) {
                              if (ec) return self->close();
                              self->drained_ += n;
                              self->buffer_.clear();
                              self->drain_more();
                            });
  }

  void close() {
    if (closed_) return;
    closed_ = true;
    error_code ec;
    stream_.socket().shutdown(tcp::socket::shutdown_both, ec);
    stream_.close();
    deadline_.cancel();
    server_.forget(this);
  }

  HttpServer::Impl& server_;
  beast::tcp_stream stream_;
  net::steady_timer deadline_;
  beast::flat_buffer buffer_;
  std::optional<RequestParser> parser_;
  httplib::Request scratch_;
  std::string remote_addr_, local_addr_;
  int remote_port_ = -1, local_port_ = -1;
  size_t served_ = 0;
  size_t drained_ = 0;
  bool busy_ = false;
  bool closed_ = false;
  bool timed_out_ = false;
};

void HttpServer::Impl::accept() {
  acceptor.async_accept([this](error_code ec, tcp::socket socket) {
    if (stopping) return;
    if (ec) {
      // Out of descriptors or memory: wait a little rather than spin.
      accept_retry.expires_after(std::chrono::milliseconds(100));
      accept_retry.async_wait([this](error_code /*ec*/) {
        if (!stopping) accept();
      });
      return;
    }
    if (connections.size() >= limits.max_connections) {
      error_code ignored;
      socket.close(ignored);
    } else {
      error_code ignored;
      socket.set_option(tcp::no_delay(true), ignored);
      std::make_shared<Connection>(*this, std::move(socket))->start();
    }
    accept();
  });
}

void HttpServer::Impl::on_stop() {
  if (stopping) return;
  stopping = true;
  error_code ignored;
  acceptor.close(ignored);
  accept_retry.cancel();
  // stop() may close (and so forget) a connection: iterate over a copy.
  const std::set<Connection*> open = connections;
  for (Connection* c : open) {
    if (connections.count(c) != 0) c->stop();
  }
  keep_running.reset();
}

HttpServer::HttpServer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

HttpServer::~HttpServer() {
  if (impl_) impl_->workers.join();
}

Result<std::unique_ptr<HttpServer>> HttpServer::bind(const Router& router, const HttpLimits& limits,
                                                     const std::string& address, uint16_t port) {
  auto impl = std::make_unique<Impl>(router, limits);
  error_code ec;
  const net::ip::address ip = net::ip::make_address(address, ec);
  if (ec) return Error{"cannot_listen", address + " is not an IP address"};
  const tcp::endpoint endpoint(ip, port);
  tcp::acceptor& a = impl->acceptor;
  a.open(endpoint.protocol(), ec);
  if (!ec) a.set_option(net::socket_base::reuse_address(true), ec);
  if (!ec) a.bind(endpoint, ec);
  if (!ec) a.listen(net::socket_base::max_listen_connections, ec);
  if (ec) {
    return Error{"cannot_listen", address + " port " + std::to_string(port) + ": " + ec.message()};
  }
  return std::unique_ptr<HttpServer>(new HttpServer(std::move(impl)));
}

uint16_t HttpServer::port() const {
  error_code ec;
  const tcp::endpoint e = impl_->acceptor.local_endpoint(ec);
  return ec ? 0 : e.port();
}

bool HttpServer::run() {
  impl_->accept();
  for (;;) {
    // Nothing below throws but allocation failures; one must cost the
    // request it hit, not the server.
    try {
      impl_->ioc.run();
      break;
    } catch (const std::exception& e) {
      std::fprintf(stderr, "isoloir-server: event loop: %s\n", e.what());
    }
  }
  impl_->workers.join();
  return impl_->stopping;
}

void HttpServer::stop() {
  net::post(impl_->ioc, [impl = impl_.get()] { impl->on_stop(); });
}

}  // namespace isoloir::server

// One isoloir-server's worth of objects in this process, for the tests that
// must step the portal's clock instead of sleeping through it: the urn of a
// data directory, the accounts (portal.sqlite, or the PostgreSQL database
// the directory names, as main.cpp chooses), outboxes for mail and SMS, the
// whole API behind the real transport on a loopback port.
#ifndef ISOLOIR_SERVER_TESTS_IN_PROCESS_SERVER_H_
#define ISOLOIR_SERVER_TESTS_IN_PROCESS_SERVER_H_

#include <gtest/gtest.h>

#include <atomic>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <utility>

#include "isoloir/portal/account_store.h"
#include "isoloir/result.h"
#include "isoloir/server/config.h"
#include "isoloir/server/http_api.h"
#include "isoloir/server/http_server.h"
#include "isoloir/server/mailer.h"
#include "isoloir/server/router.h"
#include "isoloir/server/sms.h"
#include "isoloir/urn/data_dir.h"
#include "isoloir/urn/urn.h"

namespace isoloir::server::test {

// The value, or the test fails and stops here: nothing after a failed
// set-up would mean anything.
template <typename T>
T must(Result<T> r) {
  EXPECT_TRUE(r.ok()) << (r ? "" : r.error().message());
  if (!r) std::abort();
  return std::move(r).value();
}

class InProcessServer {
 public:
  // Serves config.data_dir with `config`, on `clock` (Unix seconds).
  InProcessServer(ServerConfig config, std::atomic<int64_t>& clock) : config_(std::move(config)) {
    urn_ = must(urn::open_data_dir(config_.data_dir));
    const std::optional<std::string> conninfo = must(urn::postgres_conninfo(config_.data_dir));
    accounts_ = conninfo ? must(portal::AccountStore::open_postgres(*conninfo))
                         : must(portal::AccountStore::open(config_.data_dir + "/portal.sqlite"));
    mailer_ = must(make_outbox_mailer(outbox(), config_.mail_from));
    sms_ = must(make_sms_outbox(outbox()));
    Services services{*urn_, *accounts_, *mailer_, *sms_, config_, "http://127.0.0.1"};
    services.clock = [&clock] { return clock.load(); };
    api_ = must(HttpApi::create(services));
    api_->install(router_);
    server_ = must(HttpServer::bind(router_, HttpLimits{}, "127.0.0.1", 0));
    loop_ = std::thread([this] { server_->run(); });
  }
  InProcessServer(const InProcessServer&) = delete;
  InProcessServer& operator=(const InProcessServer&) = delete;
  ~InProcessServer() {
    server_->stop();
    loop_.join();
  }

  urn::Urn& urn() { return *urn_; }
  int port() const { return server_->port(); }
  std::string outbox() const { return config_.data_dir + "/outbox"; }

 private:
  ServerConfig config_;
  std::unique_ptr<urn::Urn> urn_;
  std::unique_ptr<portal::AccountStore> accounts_;
  std::unique_ptr<Mailer> mailer_;
  std::unique_ptr<SmsSender> sms_;
  std::unique_ptr<HttpApi> api_;
  Router router_;
  std::unique_ptr<HttpServer> server_;
  std::thread loop_;
};

}  // namespace isoloir::server::test

#endif  // ISOLOIR_SERVER_TESTS_IN_PROCESS_SERVER_H_

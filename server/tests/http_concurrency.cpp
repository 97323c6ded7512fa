// The transport's threads (http_server.h): one event thread reading every
// connection, worker threads running the handlers, stop() from a third
// thread. In process, so that the tsan stage of scripts/test.sh sees every
// access: many clients at once on kept-alive connections, each answer
// matched to its own request, handlers that share state, and a stop while
// requests are in flight.
#include <gtest/gtest.h>
#include <httplib.h>

#include <atomic>
#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "isoloir/server/http_server.h"
#include "isoloir/server/router.h"

namespace {

using isoloir::server::HttpLimits;
using isoloir::server::HttpServer;
using isoloir::server::Router;

struct Running {
  std::unique_ptr<HttpServer> server;
  std::thread loop;
  std::atomic<bool> clean{false};
  ~Running() {
    if (loop.joinable()) {
      server->stop();
      loop.join();
    }
  }
};

void start(Running& r, const Router& router, const HttpLimits& limits) {
  auto bound = HttpServer::bind(router, limits, "127.0.0.1", 0);
  ASSERT_TRUE(bound) << bound.error().message();
  r.server = *std::move(bound);
  r.loop = std::thread([&r] { r.clean = r.server->run(); });
}

// Handlers touching shared state from every worker: a counter and a map
// under a mutex, as the API's handlers share the urn.
struct Shared {
  std::atomic<int> hits{0};
  std::atomic<int> slow_entered{0};
  std::mutex mu;
  std::map<std::string, int> by_client;
};

void install(Router& router, Shared& shared) {
  router.Get("/echo/([0-9]+)/([0-9]+)",
             [&shared](const httplib::Request& req, httplib::Response& res) {
               ++shared.hits;
               {
                 std::lock_guard<std::mutex> lock(shared.mu);
                 ++shared.by_client[req.matches[1].str()];
               }
               res.set_content(req.matches[1].str() + ":" + req.matches[2].str(), "text/plain");
             });
  router.Post("/body", [&shared](const httplib::Request& req, httplib::Response& res) {
    ++shared.hits;
    res.set_content(std::to_string(req.body.size()), "text/plain");
  });
  router.Get("/slow", [&shared](const httplib::Request&, httplib::Response& res) {
    ++shared.slow_entered;
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    res.set_content("slow", "text/plain");
  });
}

TEST(HttpConcurrency, ManyClientsOnKeptAliveConnectionsEachGetTheirOwnAnswers) {
  Router router;
  Shared shared;
  install(router, shared);
  HttpLimits limits;
  limits.worker_threads = 4;
  Running r;
  start(r, router, limits);
  const uint16_t port = r.server->port();

  constexpr int kClients = 16;
  constexpr int kRequests = 25;
  std::atomic<int> wrong{0};
  std::vector<std::thread> clients;
  for (int c = 0; c < kClients; ++c) {
    clients.emplace_back([c, port, &wrong] {
      httplib::Client client("127.0.0.1", port);
      client.set_keep_alive(true);
      for (int i = 0; i < kRequests; ++i) {
        const std::string want = std::to_string(c) + ":" + std::to_string(i);
        if (i % 5 == 4) {
          auto res =
              client.Post("/body", std::string(static_cast<size_t>(100 * i), 'x'), "text/plain");
          if (!res || res->status != 200 || res->body != std::to_string(100 * i)) ++wrong;
          continue;
        }
        auto res = client.Get(("/echo/" + std::to_string(c) + "/" + std::to_string(i)).c_str());
        if (!res || res->status != 200 || res->body != want) ++wrong;
      }
    });
  }
  for (std::thread& t : clients) t.join();
  EXPECT_EQ(wrong.load(), 0);
  EXPECT_EQ(shared.hits.load(), kClients * kRequests);
  std::lock_guard<std::mutex> lock(shared.mu);
  ASSERT_EQ(shared.by_client.size(), static_cast<size_t>(kClients));
  for (const auto& [client, n] : shared.by_client)
    EXPECT_EQ(n, kRequests - kRequests / 5) << client;
}

TEST(HttpConcurrency, StopWhileRequestsAreInFlightFinishesThemAndReturns) {
  Router router;
  Shared shared;
  install(router, shared);
  HttpLimits limits;
  limits.worker_threads = 2;
  Running r;
  start(r, router, limits);
  const uint16_t port = r.server->port();

  std::atomic<int> answered{0};
  std::vector<std::thread> clients;
  for (int c = 0; c < 2; ++c) {
    clients.emplace_back([port, &answered] {
      httplib::Client client("127.0.0.1", port);
      auto res = client.Get("/slow");
      if (res && res->status == 200 && res->body == "slow") ++answered;
    });
  }
  // Both workers inside a handler, then stop from this thread.
  while (shared.slow_entered.load() < 2) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  r.server->stop();
  r.loop.join();
  for (std::thread& t : clients) t.join();
  EXPECT_TRUE(r.clean.load());
  // The requests being handled were answered, not cut off.
  EXPECT_EQ(answered.load(), 2);
}

TEST(HttpConcurrency, StoppingTwiceAndFromSeveralThreadsIsHarmless) {
  Router router;
  Shared shared;
  install(router, shared);
  Running r;
  start(r, router, HttpLimits{});
  std::vector<std::thread> stoppers;
  for (int i = 0; i < 3; ++i) stoppers.emplace_back([&r] { r.server->stop(); });
  for (std::thread& t : stoppers) t.join();
  r.loop.join();
  EXPECT_TRUE(r.clean.load());
}

}  // namespace

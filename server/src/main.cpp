// isoloir-server: serves one data directory's urn and voter portal over
// HTTP (docs/api.md, "HTTP API"). It refuses to start, with the reason on stderr and exit
// status 2, on a config it cannot read or parse, a data directory it cannot
// use, a directory another server holds, or an address it cannot bind.
// SIGINT and SIGTERM stop it gracefully: requests in flight finish, then the
// urn is closed.
#include <signal.h>  // NOLINT(modernize-deprecated-headers): sigwait, pthread_sigmask, kill
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <cstdio>
#include <exception>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "isoloir/portal/account_store.h"
#include "isoloir/server/config.h"
#include "isoloir/server/http_api.h"
#include "isoloir/server/http_server.h"
#include "isoloir/server/mailer.h"
#include "isoloir/urn/data_dir.h"
#include "urn/ceremony_store.h"

namespace {

constexpr int kCannotStart = 2;

int cannot_start(const std::string& why) {
  std::fprintf(stderr, "isoloir-server: cannot start: %s\n", why.c_str());
  return kCannotStart;
}

std::string url_host(const std::string& listen) {
  return listen.find(':') != std::string::npos ? "[" + listen + "]" : listen;
}

std::string outbox_dir(const isoloir::server::ServerConfig& c) {
  return c.mail_outbox.empty() ? c.data_dir + "/outbox" : c.mail_outbox;
}

isoloir::Result<std::unique_ptr<isoloir::server::Mailer>> make_mailer(
    const isoloir::server::ServerConfig& c) {
  if (c.smtp_url.empty()) return isoloir::server::make_outbox_mailer(outbox_dir(c), c.mail_from);
  isoloir::server::SmtpConfig smtp;
  smtp.url = c.smtp_url;
  smtp.from = c.mail_from;
  smtp.username = c.smtp_username;
  smtp.password = c.smtp_password;
  smtp.starttls = c.smtp_starttls;
  return isoloir::server::make_smtp_mailer(smtp);
}

// The transport's limits, from the config (docs/api.md).
isoloir::server::HttpLimits limits_of(const isoloir::server::ServerConfig& c) {
  isoloir::server::HttpLimits l;
  l.max_header_bytes = static_cast<size_t>(c.max_header_bytes);
  l.max_headers = static_cast<size_t>(c.max_headers);
  l.request_deadline = std::chrono::seconds(c.request_timeout_seconds);
  l.idle_timeout = std::chrono::seconds(c.idle_timeout_seconds);
  l.max_connections = static_cast<size_t>(c.max_connections);
  l.worker_threads = static_cast<size_t>(c.threads);
  return l;
}

// The portal's accounts, links and sessions where the urn keeps the
// election: in PostgreSQL when the data directory names a database (shared
// with every server on it, so that a load balancer needs no sticky
// sessions), else in portal.sqlite. HttpApi::create follows the same rule
// for the throttles, the proof of work and the OpenID flows.
isoloir::Result<std::unique_ptr<isoloir::portal::AccountStore>> open_accounts(
    const isoloir::server::ServerConfig& c, const std::optional<std::string>& conninfo) {
  isoloir::portal::SessionPolicy sessions;
  sessions.idle_seconds = c.session_idle_seconds;
  sessions.max_seconds = c.session_max_seconds;
  if (conninfo) return isoloir::portal::AccountStore::open_postgres(*conninfo, sessions);
  return isoloir::portal::AccountStore::open(c.data_dir + "/portal.sqlite", sessions);
}

int run(const std::vector<std::string>& args) {
  using isoloir::server::ServerConfig;
  isoloir::Result<ServerConfig> config = isoloir::server::parse_server_args(args);
  if (!config) {
    const bool usage = config.error().reason == "usage";
    return cannot_start(config.error().message() +
                        (usage ? "\n" + isoloir::server::server_usage() : ""));
  }
  if (config->help) {
    std::fputs(isoloir::server::server_usage().c_str(), stdout);
    return 0;
  }

  // Signals are taken by one thread with sigwait, not by a handler: stopping
  // the server is not async-signal-safe. Blocked before any thread starts so
  // that every thread inherits the mask.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
  // A client that hangs up mid-answer must cost a failed write, not the
  // process (mail and SMS go through libcurl sockets too).
  std::signal(SIGPIPE, SIG_IGN);

  auto urn = isoloir::urn::open_data_dir(config->data_dir);
  if (!urn) return cannot_start(urn.error().message());
  auto conninfo = isoloir::urn::postgres_conninfo(config->data_dir);
  if (!conninfo) return cannot_start(conninfo.error().message());
  auto accounts = open_accounts(*config, *conninfo);
  if (!accounts) return cannot_start(accounts.error().message());
  auto ceremonies = isoloir::server::CeremonyStore::open(config->data_dir + "/ceremony.sqlite");
  if (!ceremonies) return cannot_start(ceremonies.error().message());
  auto mailer = make_mailer(*config);
  if (!mailer) return cannot_start(mailer.error().message());
  auto sms = config->sms_url.empty()
                 ? isoloir::server::make_sms_outbox(outbox_dir(*config))
                 : isoloir::server::make_sms_gateway({config->sms_url, config->sms_token, 20});
  if (!sms) return cannot_start(sms.error().message());

  isoloir::server::Router router;
  auto server =
      isoloir::server::HttpServer::bind(router, limits_of(*config), config->listen, config->port);
  if (!server) return cannot_start("cannot listen on " + server.error().detail);
  const int port = (*server)->port();
  const std::string base = "http://" + url_host(config->listen) + ":" + std::to_string(port);
  const std::string public_url = config->public_url.empty() ? base : config->public_url;
  isoloir::server::Services services{**urn, **accounts, **mailer, **sms, *config, public_url};
  services.ceremonies = ceremonies->get();
  auto api = isoloir::server::HttpApi::create(services);
  if (!api) return cannot_start(api.error().message());
  (*api)->install(router);

  std::printf("isoloir-server: data directory %s\n", config->data_dir.c_str());
  // Never the connection string itself: it may hold a password.
  std::printf("isoloir-server: %s\n",
              conninfo->has_value()
                  ? "election and portal (accounts, sessions, throttles, proofs of work, "
                    "identity checks) in the PostgreSQL database of postgres.conninfo, shared "
                    "with the servers there"
                  : "election in urn.sqlite and emargement.sqlite, portal in portal.sqlite and "
                    "this server's memory");
  std::printf("isoloir-server: listening on %s\n", base.c_str());
  std::printf("isoloir-server: voters' links point to %s\n", public_url.c_str());
  std::printf("isoloir-server: mail %s\n", config->smtp_url.empty()
                                               ? ("to the outbox " + outbox_dir(*config)).c_str()
                                               : ("through " + config->smtp_url).c_str());
  for (const char* route : {"board/manifest", "board/election", "board/ballots", "board/tree-head",
                            "account/activation-link", "session", "me/scrutins", "ballots"}) {
    std::printf("  %s/api/v1/%s\n", base.c_str(), route);
  }
  std::fflush(stdout);

  isoloir::server::HttpServer& http = **server;
  std::thread stopper([&http, &stop_signals] {
    int sig = 0;
    sigwait(&stop_signals, &sig);
    if (sig == SIGINT || sig == SIGTERM) http.stop();
  });
  const bool clean = http.run();
  // If run ended for another reason than a signal, the stopper still waits
  // in sigwait: wake it with a stop request to the process (every thread
  // blocks SIGTERM, so only sigwait takes it; if the stopper has returned
  // already, it stays pending until exit, harmlessly).
  kill(getpid(), SIGTERM);
  stopper.join();
  std::printf("isoloir-server: stopped\n");
  return clean ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    return run(std::vector<std::string>(argv + 1, argv + argc));
  } catch (const std::exception& e) {
    // Nothing should throw here; if the library does, say so and fail.
    std::fprintf(stderr, "isoloir-server: %s\n", e.what());
    return 1;
  }
}

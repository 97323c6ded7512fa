// The server's HTTP surface (docs/api.md, "HTTP API"), routed by Router: the
// public board under /api/v1/board, the voter portal (accounts, links,
// sessions) and the logged-in voter's routes (casting, émargements,
// electoral lists, réclamations). What every response shares: security
// headers, JSON errors {"error", "detail"} with a 4xx status, 405 for a known
// route asked with another method, the body size limit, and a boundary that
// turns any exception into a generic 500. A thin layer: every answer comes
// from the Urn and the AccountStore; nothing is cached here.
#ifndef ISOLOIR_SERVER_HTTP_API_H_
#define ISOLOIR_SERVER_HTTP_API_H_

#include <cstddef>
#include <functional>
#include <memory>

#include "isoloir/portal/account_store.h"
#include "isoloir/result.h"
#include "isoloir/server/config.h"
#include "isoloir/server/mailer.h"
#include "isoloir/server/router.h"
#include "isoloir/server/sms.h"
#include "isoloir/urn/urn.h"

namespace isoloir::server {

// Page size of GET /api/v1/board/ballots when no limit is given, and its cap.
inline constexpr uint64_t kBallotPageMax = 100;
// The same for the electoral lists.
inline constexpr uint64_t kElectorPageMax = 50;

// What the API serves from; each must outlive the HttpApi.
class CeremonyStore;

struct Services {
  urn::Urn& urn;
  portal::AccountStore& accounts;
  Mailer& mailer;
  SmsSender& sms;
  const ServerConfig& config;
  std::string public_url;  // where the voters' links point, no trailing slash
  // The portal's clock in Unix seconds (throttles and locks, sessions, links,
  // proofs of work, the windows shown): the system's when empty. Given by
  // tests that must step time instead of sleeping through it.
  std::function<int64_t()> clock = {};
  // The key ceremony's relay (server/src/urn/ceremony_store.h); its routes
  // answer 404 no_ceremony without it.
  CeremonyStore* ceremonies = nullptr;
};

struct Api;

class HttpApi {
 public:
  // "bad_config" for an unknown password cost.
  static Result<std::unique_ptr<HttpApi>> create(const Services& services);
  HttpApi(const HttpApi&) = delete;
  HttpApi& operator=(const HttpApi&) = delete;
  ~HttpApi();

  // Registers the routes and handlers on `server`; this object must outlive it.
  void install(Router& server);

 private:
  explicit HttpApi(std::unique_ptr<Api> api);
  std::unique_ptr<Api> api_;
};

}  // namespace isoloir::server

#endif  // ISOLOIR_SERVER_HTTP_API_H_

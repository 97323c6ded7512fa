// Whole HTTP requests, in process, through what a connection runs: the
// transport's parser and limits (read_request), then the Router with every
// route of the API and the voter pages installed over a real urn (the
// vectors' election, open now; three voters; one logged in). The input is
// the raw request bytes; "@SESSION@" and "@CSRF@" in it stand for the
// logged-in voter's session cookie value and CSRF token, so the fuzzer
// reaches the voter's routes (casting, réclamations, re-issue) as well as
// the public ones. Proof of work is off and the password hash at its
// minimum cost so that every input is cheap.
//
// Never a crash, and never a 500: a handler that throws or fails on input
// has a bug, whatever the input.
#include <cstdlib>
#include <memory>
#include <string>

#include "fuzz_support.h"
#include "isoloir/bytes.h"
#include "isoloir/credential.h"
#include "isoloir/manifest.h"
#include "isoloir/portal/account_store.h"
#include "isoloir/server/config.h"
#include "isoloir/server/http_api.h"
#include "isoloir/server/http_server.h"
#include "isoloir/server/mailer.h"
#include "isoloir/server/router.h"
#include "isoloir/server/sms.h"
#include "isoloir/timestamp.h"
#include "isoloir/urn/data_dir.h"
#include "isoloir/urn/urn.h"
#include "isoloir/vote_code.h"
#include "vectors.h"

namespace {

using namespace isoloir;  // NOLINT(google-build-using-namespace): a test program

struct Urn {
  std::string dir;
  server::ServerConfig config;
  std::unique_ptr<urn::Urn> urn;
  std::unique_ptr<portal::AccountStore> accounts;
  std::unique_ptr<server::Mailer> mailer;
  std::unique_ptr<server::SmsSender> sms;
  std::unique_ptr<server::HttpApi> api;
  server::Router router;
  server::HttpLimits limits;
  std::string session, csrf;
};

template <typename T>
T must(Result<T> r, const char* what) {
  if (!r) {
    std::fprintf(stderr, "fuzz_http_request: %s: %s\n", what, r.error().message().c_str());
    std::abort();
  }
  return *std::move(r);
}

void must(const Status& s, const char* what) {
  if (!s) {
    std::fprintf(stderr, "fuzz_http_request: %s: %s\n", what, s.error().message().c_str());
    std::abort();
  }
}

Urn& setup() {
  static Urn* u = [] {
    auto* out = new Urn;  // lives for the whole run, on purpose
    std::string tmpl = "/tmp/isoloir-fuzz-http-XXXXXX";
    if (mkdtemp(tmpl.data()) == nullptr) std::abort();
    out->dir = tmpl;
    out->urn = must(urn::open_data_dir(out->dir), "data dir");
    auto key = must(urn::open_server_key(out->dir), "server key");
    Json doc = test::load_vector("manifest.json")["manifest"];
    const int64_t now = Timestamp::now().seconds;
    doc["server_key"] = base64url_encode(key.public_key());
    doc["opens_at"] = Timestamp::from_unix(now - 3600).to_string();
    doc["closes_at"] = Timestamp::from_unix(now + 30 * 86'400).to_string();
    auto manifest = must(parse_manifest(doc.dump()), "manifest");
    must(out->urn->import_election(manifest.canonical,
                                   test::read_file(test::vector_path("record/trustees.json"))),
         "import election");
    std::vector<urn::VoterRow> rows;
    for (int i = 0; i < 3; ++i) {
      urn::VoterRow row;
      row.identifier = "voter" + std::to_string(i) + "@example.org";
      row.name = "Voter " + std::to_string(i);
      for (const Scrutin& s : manifest.scrutins) row.scrutins.push_back(s.id);
      row.credential = base64url_encode(
          must(credential_key(manifest.id, generate_vote_code()), "credential").public_key());
      row.pseudonym = "p-" + std::to_string(i);
      row.numen = "12E3456789ABC";
      rows.push_back(std::move(row));
    }
    must(out->urn->import_voters(rows, Timestamp::now()), "import voters");
    out->accounts = must(portal::AccountStore::open(out->dir + "/portal.sqlite"), "accounts");
    auto session = must(out->accounts->open_session("voter0@example.org", now), "session");
    out->session = session.id;
    out->csrf = session.csrf;
    out->config.data_dir = out->dir;
    out->config.pow_difficulty = 0;
    out->config.password_cost = "minimum";
    out->config.web_root = ISOLOIR_WEB_ROOT;
    out->mailer =
        must(server::make_outbox_mailer(out->dir + "/outbox", out->config.mail_from), "mailer");
    out->sms = must(server::make_sms_outbox(out->dir + "/outbox"), "sms");
    out->api =
        must(server::HttpApi::create(server::Services{*out->urn, *out->accounts, *out->mailer,
                                                      *out->sms, out->config, "http://127.0.0.1"}),
             "api");
    out->api->install(out->router);
    return out;
  }();
  return *u;
}

void replace_all(std::string& s, std::string_view from, const std::string& to) {
  for (size_t at = s.find(from); at != std::string::npos; at = s.find(from, at + to.size())) {
    s.replace(at, from.size(), to);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  Urn& u = setup();
  std::string bytes(fuzz::as_text(data, size));
  replace_all(bytes, "@SESSION@", u.session);
  replace_all(bytes, "@CSRF@", u.csrf);
  httplib::Request req;
  const int refused = server::read_request(bytes, u.limits, u.router.payload_max_length(), req);
  httplib::Response res;
  if (refused != 0) {
    u.router.refuse(req, res, refused);
    FUZZ_CHECK(res.status == refused);
    return 0;
  }
  req.remote_addr = "192.0.2.7";
  req.remote_port = 40000;
  u.router.dispatch(req, res);
  FUZZ_CHECK(res.status >= 100 && res.status <= 599);
  FUZZ_CHECK(res.status != 500);
  return 0;
}

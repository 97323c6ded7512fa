// The voter pages (issue 4's web/portal and the booth package web/booth),
// served from memory, and the practical information: the static side of the
// server. Every page path answers the portal's one HTML shell, whose script
// reads the path; the shell and its files go out under a Content-Security-
// Policy that allows no inline script or style and no eval, only WebAssembly
// compilation, and talks to this origin only.
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>

#include "http/http_internal.h"

namespace isoloir::server {
namespace {

namespace fs = std::filesystem;

// The whole web root is read at start: a few hundred KB (the wasm module is
// the largest file). More than this is a wrong directory, not pages.
constexpr uintmax_t kMaxWebBytes = uintmax_t{64} * 1024 * 1024;

constexpr const char* kPageCsp =
    "default-src 'none'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; "
    "img-src 'self' data:; connect-src 'self'; font-src 'self'; base-uri 'none'; "
    "form-action 'self'; frame-ancestors 'none'";

// The paths of the portal's pages (docs/booth-ui.md); each serves the shell.
const char* const kPages[] = {
    "/",          "/activation",  "/mot-de-passe", "/vote",     "/informations",
    "/listes",    "/reclamation", "/pratique",     "/verifier", "/reassort",
    "/resultats", "/tresorier",   "/depouillement"};

std::string mime_of(const fs::path& p) {
  static const std::map<std::string, std::string> kTypes = {
      {".html", "text/html; charset=utf-8"},
      {".js", "text/javascript; charset=utf-8"},
      {".mjs", "text/javascript; charset=utf-8"},
      {".css", "text/css; charset=utf-8"},
      {".wasm", "application/wasm"},
      {".json", "application/json"},
      {".svg", "image/svg+xml"},
      {".png", "image/png"},
      {".ico", "image/x-icon"},
      {".woff2", "font/woff2"},
      {".txt", "text/plain; charset=utf-8"},
      {".ts", "text/plain; charset=utf-8"},
  };
  const auto it = kTypes.find(p.extension().string());
  return it == kTypes.end() ? "" : it->second;
}

// Reads the regular files under `root`/`sub` with a known type into `out`,
// keyed "sub/relative/path". Hidden files and unknown types are left out.
Status load_tree(const fs::path& root, const std::string& sub, std::map<std::string, WebFile>& out,
                 uintmax_t& total) {
  std::error_code ec;
  const fs::path dir = root / sub;
  if (!fs::is_directory(dir, ec)) return fail("bad_config", "web_root: no " + dir.string());
  for (fs::recursive_directory_iterator it(dir, ec), end; it != end && !ec; it.increment(ec)) {
    const fs::path rel = fs::relative(it->path(), root, ec);
    if (ec || !it->is_regular_file(ec) || rel.filename().string().starts_with(".")) continue;
    const std::string type = mime_of(rel);
    if (type.empty()) continue;
    total += it->file_size(ec);
    if (total > kMaxWebBytes) return fail("bad_config", "web_root: more than 64 MiB of files");
    std::ifstream in(it->path(), std::ios::binary);
    std::ostringstream buf;
    buf << in.rdbuf();
    if (!in) return fail("bad_config", "web_root: cannot read " + it->path().string());
    out["/" + rel.generic_string()] = WebFile{buf.str(), type};
  }
  if (ec) return fail("bad_config", "web_root: " + dir.string() + ": " + ec.message());
  return {};
}

void send_file(httplib::Response& res, const WebFile& f) {
  // Replaces the API's own policy (default-src 'none'), which would block
  // the page's own script.
  res.headers.erase("Content-Security-Policy");
  res.set_header("Content-Security-Policy", kPageCsp);
  res.headers.erase("Cache-Control");
  res.set_header("Cache-Control", "no-cache");
  res.status = 200;
  res.set_content(f.content, f.type);
}

void get_page(Api& api, const httplib::Request& req, httplib::Response& res) {
  const auto it = api.web.find("/portal/index.html");
  if (it == api.web.end()) return send_error(res, 404, "not_found", "no voter pages here");
  (void)req;
  send_file(res, it->second);
}

void get_web_file(Api& api, const httplib::Request& req, httplib::Response& res) {
  // Only the files loaded at start are answered: no path reaches the disk.
  const auto it = api.web.find(req.path);
  if (it == api.web.end()) return send_error(res, 404, "not_found", "no such file");
  send_file(res, it->second);
}

// GET /api/v1/info: the election's practical information, as configured.
void get_info(Api& api, const httplib::Request& req, httplib::Response& res) {
  if (!check_params(req, res, {})) return;
  res.status = 200;
  res.set_content(api.config.practical_info, kJson);
}

}  // namespace

Result<std::map<std::string, WebFile>> load_web_root(const std::string& root) {
  std::map<std::string, WebFile> files;
  if (root.empty()) return files;
  uintmax_t total = 0;
  for (const char* sub : {"portal", "booth"}) {
    if (Status s = load_tree(root, sub, files, total); !s) return s.error();
  }
  if (files.count("/portal/index.html") == 0) {
    return fail("bad_config", "web_root: no portal/index.html in " + root);
  }
  return files;
}

void install_web(Router& server, Api& api, std::vector<Route>& routes) {
  server.Get("/api/v1/info", guarded(api, get_info));
  routes.push_back(Route{"/api/v1/info", "GET"});
  for (const char* page : kPages) {
    server.Get(page, guarded(api, get_page));
    routes.push_back(Route{page, "GET"});
  }
  server.Get(R"(/(portal|booth)/.+)", guarded(api, get_web_file));
  routes.push_back(Route{R"(/(portal|booth)/.+)", "GET"});
}

}  // namespace isoloir::server

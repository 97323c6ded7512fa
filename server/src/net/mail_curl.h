// What the curl users of the mail library share (private to server/src).
#ifndef ISOLOIR_SERVER_MAIL_CURL_H_
#define ISOLOIR_SERVER_MAIL_CURL_H_

#include <curl/curl.h>

#include <string>

#include "isoloir/result.h"

namespace isoloir::server {

// curl_global_init, once per process, before any other curl call.
Status init_curl_once();

// Frees a curl easy handle on every path (std::unique_ptr<CURL, EasyDeleter>).
struct EasyDeleter {
  void operator()(CURL* handle) const { curl_easy_cleanup(handle); }
};

// Plain http:// is allowed only to this machine (tests, a local relay):
// anything that leaves it must be https.
bool is_loopback_http(const std::string& url);

}  // namespace isoloir::server

#endif  // ISOLOIR_SERVER_MAIL_CURL_H_

// What the curl users of the mail library share (private to server/src).
#ifndef ISOLOIR_SERVER_MAIL_CURL_H_
#define ISOLOIR_SERVER_MAIL_CURL_H_

#include "isoloir/result.h"

namespace isoloir::server {

// curl_global_init, once per process, before any other curl call.
Status init_curl_once();

}  // namespace isoloir::server

#endif  // ISOLOIR_SERVER_MAIL_CURL_H_

// Every text the portal sends a voter, in one place (private to the
// portal): the account links, the re-issue links by SMS and mail. The
// token travels in the URL's fragment: browsers send neither the fragment
// to the server nor it in a Referer, so it stays out of access logs; the
// page posts it to the API.
#ifndef ISOLOIR_PORTAL_PORTAL_TEXTS_H_
#define ISOLOIR_PORTAL_PORTAL_TEXTS_H_

#include <cstdint>
#include <string>

#include "isoloir/portal/portal.h"
#include "isoloir/server/mailer.h"

namespace isoloir::portal {

// The page a link opens: public_url + "/activation#", "/mot-de-passe#" or
// "/reassort#" + the token.
std::string link_url(const std::string& public_url, TokenPurpose purpose, const std::string& token);

// An activation or password-reset link, valid `ttl_seconds`.
server::Mail account_link_mail(const std::string& to, const std::string& name, LinkKind kind,
                               const std::string& url, int64_t ttl_seconds);

// A re-issue link after the identity check: the text message, which the
// mail repeats.
std::string reissue_link_sms(const std::string& url, int64_t ttl_seconds);
server::Mail reissue_link_mail(const std::string& to, const std::string& url, int64_t ttl_seconds);

// A re-issue link after FranceConnect, to the provider's e-mail.
server::Mail franceconnect_link_mail(const std::string& to, const std::string& url,
                                     int64_t ttl_seconds);

}  // namespace isoloir::portal

#endif  // ISOLOIR_PORTAL_PORTAL_TEXTS_H_

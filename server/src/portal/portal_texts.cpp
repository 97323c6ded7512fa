#include "portal/portal_texts.h"

namespace isoloir::portal {
namespace {

std::string hours(int64_t seconds) {
  return std::to_string((seconds + 3599) / 3600);
}

std::string minutes(int64_t seconds) {
  return std::to_string(seconds / 60);
}

const char* const kReissueSubject = "Réassort de votre code de vote";
const char* const kNotAsked =
    "Si vous n'avez rien demandé, ignorez ce message et prévenez l'assistance.\n";

}  // namespace

std::string link_url(const std::string& public_url, TokenPurpose purpose,
                     const std::string& token) {
  switch (purpose) {
    case TokenPurpose::kActivation:
      return public_url + "/activation#" + token;
    case TokenPurpose::kPasswordReset:
      return public_url + "/mot-de-passe#" + token;
    case TokenPurpose::kCodeReissue:
      break;
  }
  return public_url + "/reassort#" + token;
}

server::Mail account_link_mail(const std::string& to, const std::string& name, LinkKind kind,
                               const std::string& url, int64_t ttl_seconds) {
  const bool activation = kind == LinkKind::kActivation;
  server::Mail mail;
  mail.to = to;
  mail.subject =
      activation ? "Activation de votre compte électeur" : "Réinitialisation de votre mot de passe";
  mail.body = "Bonjour " + name + ",\n\n" +
              (activation ? "Pour activer votre compte sur le portail de vote, ouvrez ce lien :\n\n"
                          : "Pour choisir un nouveau mot de passe, ouvrez ce lien :\n\n") +
              url + "\n\nIl ne sert qu'une fois et reste valable " + hours(ttl_seconds) +
              " heure(s). Si vous n'avez rien demandé, ignorez ce message : rien ne change.\n";
  return mail;
}

std::string reissue_link_sms(const std::string& url, int64_t ttl_seconds) {
  return "Isoloir : pour obtenir votre nouveau code de vote, ouvrez ce lien (il ne sert qu'une "
         "fois, valable " +
         minutes(ttl_seconds) + " min) : " + url;
}

server::Mail reissue_link_mail(const std::string& to, const std::string& url, int64_t ttl_seconds) {
  return server::Mail{to, kReissueSubject,
                      "Bonjour,\n\n" + reissue_link_sms(url, ttl_seconds) + "\n\n" + kNotAsked};
}

server::Mail franceconnect_link_mail(const std::string& to, const std::string& url,
                                     int64_t ttl_seconds) {
  return server::Mail{
      to, kReissueSubject,
      "Bonjour,\n\nVous vous êtes identifié(e) par FranceConnect pour obtenir un nouveau code de "
      "vote. Ouvrez ce lien (il ne sert qu'une fois, valable " +
          minutes(ttl_seconds) + " min) :\n\n" + url + "\n\n" + kNotAsked};
}

}  // namespace isoloir::portal

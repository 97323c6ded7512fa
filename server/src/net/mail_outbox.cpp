// The outbox mailer: one RFC 5322 file per mail in an outbox directory
// (mail_outbox_dir.h), for the demo and the tests, where whoever reads the
// directory plays the elector.
#include <ctime>
#include <new>
#include <utility>

#include "isoloir/server/mailer.h"
#include "net/mail_message.h"
#include "net/mail_outbox_dir.h"

namespace isoloir::server {
namespace {

int64_t now_unix_seconds() {
  return static_cast<int64_t>(std::time(nullptr));
}

class OutboxMailer final : public Mailer {
 public:
  OutboxMailer(std::unique_ptr<OutboxDir> dir, std::string from)
      : dir_(std::move(dir)), from_(std::move(from)) {}

  Status send(const Mail& mail) override {
    if (Status s = check_mail(mail); !s) return s;
    try {
      return dir_->store(format_message(mail, from_, now_unix_seconds()), ".eml", "mail_failed");
    } catch (const std::bad_alloc&) {
      return fail("mail_failed", "out of memory");
    }
  }

 private:
  const std::unique_ptr<OutboxDir> dir_;
  const std::string from_;
};

}  // namespace

Result<std::unique_ptr<Mailer>> make_outbox_mailer(const std::string& dir,
                                                   const std::string& from) {
  if (!valid_address(from)) return fail("bad_config", "from: not a single plain address");
  Result<std::unique_ptr<OutboxDir>> outbox = OutboxDir::open(dir);
  if (!outbox) return outbox.error();
  try {
    return std::unique_ptr<Mailer>(std::make_unique<OutboxMailer>(std::move(*outbox), from));
  } catch (const std::bad_alloc&) {
    return fail("bad_config", "out of memory");
  }
}

}  // namespace isoloir::server

// An outbox directory: messages the server would send (mails, text
// messages) written one file each, for the demo and the tests, where whoever
// reads the directory plays the elector. Each file is written under a
// hidden temporary name, synced, then linked to its final name
// "<unix-ms, 13 digits>-<counter, 10 digits><extension>" (never replacing a
// file), so a reader never sees half a message and names sort in send
// order. Files are mode 0600: they carry single-use links. Thread-safe.
#ifndef ISOLOIR_SERVER_MAIL_OUTBOX_DIR_H_
#define ISOLOIR_SERVER_MAIL_OUTBOX_DIR_H_

#include <memory>
#include <string>

#include "isoloir/result.h"

namespace isoloir::server {

class OutboxDir {
 public:
  // Opens `dir`, creating it mode 0700 when missing (one level), and checks
  // it is writable: "bad_config" otherwise.
  static Result<std::unique_ptr<OutboxDir>> open(const std::string& dir);
  virtual ~OutboxDir() = default;
  // Stores `content` as a new file ending in `extension` (".eml"); refusals
  // carry `reason` ("mail_failed", "sms_failed") and the system's words.
  virtual Status store(const std::string& content, const std::string& extension,
                       const char* reason) = 0;
  virtual const std::string& path() const = 0;
};

}  // namespace isoloir::server

#endif  // ISOLOIR_SERVER_MAIL_OUTBOX_DIR_H_

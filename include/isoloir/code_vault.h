// The re-issued vote code's short life in the voter's browser (issue 5): the
// module makes the code, keeps it in its own memory, and hands it to the
// page only during the kDisplaySeconds after it was made, by the module's
// own clock; then it wipes it and gives nothing, whatever the page asks.
// Only the public credential ever leaves for the server.
//
// The code is generated straight into a fixed buffer (no std::string, no
// allocation), its display form likewise, and every buffer that held either
// is wiped, so that once the code is gone the module's memory holds no copy
// of it (tests/js checks the whole heap). Times are seconds on a monotonic
// clock the caller reads (the binding: performance.now()).
#ifndef ISOLOIR_CODE_VAULT_H_
#define ISOLOIR_CODE_VAULT_H_

#include <array>
#include <string>
#include <string_view>

#include "isoloir/result.h"
#include "isoloir/vote_code.h"

namespace isoloir {

class CodeVault {
 public:
  static constexpr double kDisplaySeconds = 120.0;
  // The display form: four groups of five separated by '-'.
  static constexpr size_t kDisplayChars = kCodeSymbols + kCodeSymbols / 5 - 1;

  CodeVault() = default;
  CodeVault(const CodeVault&) = delete;
  CodeVault& operator=(const CodeVault&) = delete;
  ~CodeVault() { wipe(); }

  // Makes a new code (dropping any previous one) at `now` and returns its
  // public credential for `election_id` (base64url), the only thing the page
  // sends to the server.
  std::string regenerate(std::string_view election_id, double now);

  // The display form, NUL-terminated in the vault's own buffer, while
  // now - made < kDisplaySeconds (and the clock has not gone backwards);
  // otherwise the code is wiped and the answer is "code_expired" (or
  // "no_code" when none was made). The pointer is valid until the next call;
  // the caller copies it out and then calls forget_display().
  Result<const char*> reveal(double now);

  // Wipes the display buffer once the caller has copied it.
  void forget_display();

  // Seconds left to show the code (0 when none or expired).
  double remaining(double now) const;

  // Wipes everything now.
  void wipe();

 private:
  std::array<char, kCodeSymbols> code_{};
  std::array<char, kDisplayChars + 1> display_{};
  double made_at_ = 0;
  bool held_ = false;
  bool expired_ = false;  // shown for its time and wiped: says so until the next code
};

}  // namespace isoloir

#endif  // ISOLOIR_CODE_VAULT_H_

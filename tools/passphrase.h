// A trustee's passphrase: from the terminal without echo when standard input is
// one, else the first line of standard input (so that scripts and tests pipe
// it). It only ever lives in wiped buffers.
#ifndef ISOLOIR_TOOLS_PASSPHRASE_H_
#define ISOLOIR_TOOLS_PASSPHRASE_H_

#include <string_view>

#include "isoloir/result.h"
#include "isoloir/secret_bytes.h"

namespace isoloir::cli {

// The longest passphrase read (longer lines are refused, not cut).
inline constexpr size_t kMaxPassphraseBytes = 1024;

// Reads one passphrase, without its line ending. On a terminal, `prompt` is
// shown on /dev/tty and, with `confirm`, the passphrase is asked twice
// ("mismatch" when the two differ). Reasons: "empty" for an empty passphrase
// (or no input at all), "too_long", "unreadable".
Result<SecretBuffer> read_passphrase(std::string_view prompt, bool confirm);

}  // namespace isoloir::cli

#endif  // ISOLOIR_TOOLS_PASSPHRASE_H_

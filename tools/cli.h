// What the `isoloir` tool's commands share: their output kept until the end,
// their arguments, reading inputs, and files written under a temporary name
// then linked to theirs (never replacing an existing file). Each group of
// commands lives in its own file and hands its table to tools/isoloir.cpp.
#ifndef ISOLOIR_TOOLS_CLI_H_
#define ISOLOIR_TOOLS_CLI_H_

#include <fcntl.h>
#include <sodium.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "isoloir/result.h"

namespace isoloir::cli {

enum ExitCode : int { kOk = 0, kRefused = 1, kFailed = 2 };

// What a command prints, kept until it has finished.
struct Output {
  std::string out;
  std::string err;
  int code = kOk;
};

inline Output done(std::string out) {
  return Output{std::move(out), {}, kOk};
}
inline Output failed(const std::string& message) {
  return Output{{}, "isoloir: " + message + "\n", kFailed};
}
inline Output refused(const Error& e) {
  return Output{"refused: " + e.reason + "\n", e.detail.empty() ? "" : e.detail + "\n", kRefused};
}

// ---------------------------------------------------------------------------
// Commands and their help.

struct Args {
  std::map<std::string, std::string, std::less<>> options;
  std::vector<std::string> positional;
};

struct Command {
  std::string_view group;
  std::string_view name;
  std::string_view synopsis;  // after "isoloir "
  std::string_view summary;
  std::string_view help;                   // what follows the usage line in --help
  std::vector<std::string_view> options;   // required
  std::vector<std::string_view> optional;  // may be left out
  size_t positional;  // how many file arguments (at least this many with more_positional)
  Output (*run)(const Args&);
  bool more_positional = false;
};

// The code is a secret: wipe every copy the tool made once it is used.
struct WipedString {
  std::string value;
  WipedString() = default;
  WipedString(const WipedString&) = delete;
  WipedString& operator=(const WipedString&) = delete;
  ~WipedString() { sodium_memzero(value.data(), value.size()); }
};

// ---------------------------------------------------------------------------
// Input.

// Reads a whole file, or standard input for "-" (once per run: a second "-"
// would read nothing). `what` names the file for the message.
class Inputs {
 public:
  Result<std::string> read(const std::string& path, std::string_view what) {
    if (path == "-") {
      if (stdin_used_) {
        return fail("usage", std::string(what) + ": standard input is already read for another " +
                                 "argument");
      }
      stdin_used_ = true;
      return read_stream(stdin, "standard input", what);
    }
    std::FILE* f = std::fopen(path.c_str(), "rb");
    if (f == nullptr) {
      return fail("unreadable",
                  "cannot read " + std::string(what) + " '" + path + "': " + std::strerror(errno));
    }
    Result<std::string> r = read_stream(f, "'" + path + "'", what);
    std::fclose(f);
    return r;
  }

 private:
  static Result<std::string> read_stream(std::FILE* f, const std::string& name,
                                         std::string_view what) {
    std::string data;
    char buf[65536];
    size_t n = 0;
    while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) data.append(buf, n);
    // The input may be a vote code: leave no copy of it on the stack.
    sodium_memzero(buf, sizeof buf);
    if (std::ferror(f)) {
      return fail("unreadable",
                  "cannot read " + std::string(what) + " " + name + ": " + std::strerror(errno));
    }
    return data;
  }

  bool stdin_used_ = false;
};

// A file this run created under a temporary name next to its target; removed
// when it goes out of scope (after a refusal, or once linked to its name).
class TempFile {
 public:
  // ".<name>.XXXXXX" in the target's directory, created mode 0600.
  static Result<TempFile> next_to(const std::string& target) {
    const std::filesystem::path t(target);
    const std::filesystem::path dir = t.has_parent_path() ? t.parent_path() : ".";
    std::string pattern = (dir / ("." + t.filename().string() + ".XXXXXX")).string();
    const int fd = ::mkostemp(pattern.data(), O_CLOEXEC);
    if (fd < 0) {
      return fail("unwritable", "cannot create a file in '" + dir.string() + "' for '" + target +
                                    "': " + std::strerror(errno));
    }
    TempFile f;
    f.path_ = std::move(pattern);
    f.fd_ = fd;
    return f;
  }
  TempFile(TempFile&& other) noexcept
      : path_(std::move(other.path_)), fd_(std::exchange(other.fd_, -1)) {
    other.path_.clear();
  }
  TempFile& operator=(TempFile&&) = delete;
  TempFile(const TempFile&) = delete;
  TempFile& operator=(const TempFile&) = delete;
  ~TempFile() {
    close_fd();
    if (!path_.empty()) ::unlink(path_.c_str());
  }

  const std::string& path() const { return path_; }

  // Writes `data`, flushes it to disk and closes the file.
  Status write_all(std::string_view data, const std::string& target) {
    size_t done = 0;
    while (done < data.size()) {
      const ssize_t n = ::write(fd_, data.data() + done, data.size() - done);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return unwritable(target);
      done += static_cast<size_t>(n);
    }
    if (::fsync(fd_) != 0) return unwritable(target);
    if (!close_fd()) return unwritable(target);
    return Status::Ok();
  }

  bool close_fd() {
    if (fd_ < 0) return true;
    const bool ok = ::close(fd_) == 0;
    fd_ = -1;
    return ok;
  }

 private:
  TempFile() = default;
  static Error unwritable(const std::string& target) {
    return fail("unwritable", "cannot write '" + target + "': " + std::strerror(errno));
  }

  std::string path_;
  int fd_ = -1;
};

// Gives `tmp` the name `target` unless something already has that name
// (link(2) never replaces: no window between a check and a rename).
inline Status publish(const TempFile& tmp, const std::string& target) {
  if (::link(tmp.path().c_str(), target.c_str()) != 0) {
    const int err = errno;
    return fail(err == EEXIST ? "exists" : "unwritable",
                "cannot create '" + target + "': " + std::strerror(err));
  }
  // Make the new name durable too.
  const std::filesystem::path t(target);
  const std::string dir = t.has_parent_path() ? t.parent_path().string() : ".";
  const int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd >= 0) {
    ::fsync(dfd);
    ::close(dfd);
  }
  return Status::Ok();
}

// The command groups defined outside tools/isoloir.cpp.
std::vector<Command> trustee_commands();  // tools/trustee_cli.cpp
std::vector<Command> tally_commands();    // tools/tally_cli.cpp

}  // namespace isoloir::cli

#endif  // ISOLOIR_TOOLS_CLI_H_

// Errors as values. Every refusal carries a stable reason code (the protocol's
// vocabulary, e.g. "bad_option_proof") that programs compare, and a detail
// naming the field at fault that a voter or an auditor can act on.
#ifndef ISOLOIR_RESULT_H_
#define ISOLOIR_RESULT_H_

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <variant>

namespace isoloir {

struct Error {
  std::string reason;  // machine-readable code, never translated
  std::string detail;  // which field or value, for people
  // When time alone will lift the refusal (a throttle, a busy server): the
  // seconds to wait before trying again; 0 otherwise.
  int64_t retry_after_seconds = 0;

  // "reason: detail", or just the reason when there is no detail.
  std::string message() const { return detail.empty() ? reason : reason + ": " + detail; }
};

inline Error fail(std::string reason, std::string detail = {}) {
  return Error{std::move(reason), std::move(detail)};
}

// A value or the reason there is none. Cheap to move; never throws by itself.
template <class T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::in_place_index<0>, std::move(value)) {}  // NOLINT: implicit by design
  Result(Error error) : v_(std::in_place_index<1>, std::move(error)) {}  // NOLINT

  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }

  const T& value() const& { return std::get<0>(v_); }
  T& value() & { return std::get<0>(v_); }
  T&& value() && { return std::get<0>(std::move(v_)); }
  const T& operator*() const& { return value(); }
  T& operator*() & { return value(); }
  T&& operator*() && { return std::move(*this).value(); }
  const T* operator->() const { return &value(); }
  T* operator->() { return &value(); }

  const Error& error() const { return std::get<1>(v_); }

 private:
  std::variant<T, Error> v_;
};

// Success, or the reason for failure.
class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(Error error) : error_(std::move(error)) {}  // NOLINT: implicit by design

  static Status Ok() { return Status(); }
  bool ok() const { return !error_.has_value(); }
  explicit operator bool() const { return ok(); }
  const Error& error() const { return *error_; }

 private:
  std::optional<Error> error_;
};

}  // namespace isoloir

#endif  // ISOLOIR_RESULT_H_

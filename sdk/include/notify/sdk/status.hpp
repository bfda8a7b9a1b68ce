#pragma once
// Expected errors are values (leveldb's Status, abseil's StatusOr): a bad
// setting or a refused login is not exceptional.
#include <optional>
#include <string>
#include <utility>

namespace notify::sdk {

class [[nodiscard]] Status {
 public:
  Status() = default;  // OK
  static Status Ok() { return Status(); }
  // An error with a message (what happened) and a remedy (what to change).
  static Status Error(std::string message, std::string remedy = "") {
    return Status(std::move(message), std::move(remedy));
  }

  bool ok() const { return !error_; }
  const std::string& message() const { return message_; }
  const std::string& remedy() const { return remedy_; }

 private:
  Status(std::string message, std::string remedy)
      : error_(true), message_(std::move(message)), remedy_(std::move(remedy)) {}
  bool error_ = false;
  std::string message_;
  std::string remedy_;
};

// A value or the Status saying why there is none.
template <class T>
class [[nodiscard]] StatusOr {
 public:
  StatusOr(T value) : value_(std::move(value)) {}          // NOLINT: implicit by design
  StatusOr(Status status) : status_(std::move(status)) {}  // NOLINT: must be an error

  bool ok() const { return value_.has_value(); }
  const Status& status() const { return status_; }
  const T& value() const& { return *value_; }
  T& value() & { return *value_; }
  T&& value() && { return std::move(*value_); }
  const T& operator*() const& { return *value_; }
  const T* operator->() const { return &*value_; }

 private:
  Status status_;
  std::optional<T> value_;
};

}  // namespace notify::sdk

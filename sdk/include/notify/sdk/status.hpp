#pragma once
// Expected errors are values (leveldb's Status, abseil's Status and
// StatusOr): a bad setting or a refused login is not exceptional. One
// vocabulary for every call that can fail: a code that says what kind of
// failure it is (and so whether trying again can help), what happened, what
// to change, how long to wait, and the server's reply that decided it.
#include <chrono>
#include <optional>
#include <string>
#include <utility>

namespace notify::sdk {

// What kind of failure a Status reports, named as abseil names them, with
// what each means for a channel. The codes say whether trying again can help:
// IsTransient() below.
enum class StatusCode {
  kOk,  // no failure
  // The request or the settings are wrong as given (a malformed address or
  // message, a tenant alias, a scope the service refuses). Not transient.
  kInvalidArgument,
  // The credentials were refused: a wrong or expired secret, a token the
  // server does not accept (SMTP 535 5.7.3). Not transient.
  kUnauthenticated,
  // Authenticated, but not allowed: no role for the API, send-as denied
  // (SMTP 5.7.60, 5.2.252). Not transient.
  kPermissionDenied,
  // What the settings name does not exist: the app, the tenant, the service
  // in that tenant. Not transient.
  kNotFound,
  // The service is not set up for this: SMTP AUTH off, no STARTTLS offered, a
  // certificate refused. Trying again at once will not help; after a change
  // on the service's side, later might. Not transient, yet a delivery reports
  // it as retry_later (with retry_after when known) and stops trying within
  // the call.
  kFailedPrecondition,
  // Throttled or over a quota: try again after retry_after. Transient.
  kResourceExhausted,
  // Transient: the network, a 4xx SMTP reply, a 5xx of a web service; try
  // again later, after retry_after when known.
  kUnavailable,
  // A step did not end within its time. Transient.
  kDeadlineExceeded,
  // The outcome is not known: the connection was lost after the end of DATA,
  // so the message may have been delivered. Transient: the host retries and
  // may deliver twice, but never loses the message.
  kUnknown,
  // A bug in the code that reports it: an invariant broke. Not transient.
  kInternal,
};

// "OK", "INVALID_ARGUMENT", ... as abseil spells them; for logs and tests.
inline const char* ToString(StatusCode code) {
  switch (code) {
    case StatusCode::kOk:
      return "OK";
    case StatusCode::kInvalidArgument:
      return "INVALID_ARGUMENT";
    case StatusCode::kUnauthenticated:
      return "UNAUTHENTICATED";
    case StatusCode::kPermissionDenied:
      return "PERMISSION_DENIED";
    case StatusCode::kNotFound:
      return "NOT_FOUND";
    case StatusCode::kFailedPrecondition:
      return "FAILED_PRECONDITION";
    case StatusCode::kResourceExhausted:
      return "RESOURCE_EXHAUSTED";
    case StatusCode::kUnavailable:
      return "UNAVAILABLE";
    case StatusCode::kDeadlineExceeded:
      return "DEADLINE_EXCEEDED";
    case StatusCode::kUnknown:
      return "UNKNOWN";
    case StatusCode::kInternal:
      return "INTERNAL";
  }
  return "UNKNOWN";
}

// OK, or a failure with its code, message, remedy, retry-after and the
// server's reply that decided it. A plain value: copied freely. An OK status
// carries nothing else (as abseil's drops the message of an OK status).
class [[nodiscard]] Status {
 public:
  // OK.
  Status() = default;
  // A status of `code`: `message` says what happened, `remedy` what to change
  // (may be empty), `retry_after` how long to wait before trying again
  // (0: unknown). With kOk the other arguments are dropped.
  Status(StatusCode code, std::string message, std::string remedy = "",
         std::chrono::seconds retry_after = std::chrono::seconds(0))
      : code_(code) {
    if (code_ == StatusCode::kOk) return;
    message_ = std::move(message);
    remedy_ = std::move(remedy);
    retry_after_ = retry_after < std::chrono::seconds(0) ? std::chrono::seconds(0) : retry_after;
  }

  static Status Ok() { return Status(); }
  // kInvalidArgument. Kept for the callers that predate the codes: all of
  // them report input that is wrong as given (a command-line option, a
  // message line, a file, a setting), which is what kInvalidArgument says.
  // New code names the kind with the factories below.
  static Status Error(std::string message, std::string remedy = "") {
    return InvalidArgument(std::move(message), std::move(remedy));
  }

  static Status InvalidArgument(std::string message, std::string remedy = "") {
    return Status(StatusCode::kInvalidArgument, std::move(message), std::move(remedy));
  }
  static Status Unauthenticated(std::string message, std::string remedy = "") {
    return Status(StatusCode::kUnauthenticated, std::move(message), std::move(remedy));
  }
  static Status PermissionDenied(std::string message, std::string remedy = "") {
    return Status(StatusCode::kPermissionDenied, std::move(message), std::move(remedy));
  }
  static Status NotFound(std::string message, std::string remedy = "") {
    return Status(StatusCode::kNotFound, std::move(message), std::move(remedy));
  }
  static Status FailedPrecondition(std::string message, std::string remedy = "",
                                   std::chrono::seconds retry_after = std::chrono::seconds(0)) {
    return Status(StatusCode::kFailedPrecondition, std::move(message), std::move(remedy),
                  retry_after);
  }
  static Status ResourceExhausted(std::string message, std::string remedy = "",
                                  std::chrono::seconds retry_after = std::chrono::seconds(0)) {
    return Status(StatusCode::kResourceExhausted, std::move(message), std::move(remedy),
                  retry_after);
  }
  static Status Unavailable(std::string message, std::string remedy = "",
                            std::chrono::seconds retry_after = std::chrono::seconds(0)) {
    return Status(StatusCode::kUnavailable, std::move(message), std::move(remedy), retry_after);
  }
  static Status DeadlineExceeded(std::string message, std::string remedy = "") {
    return Status(StatusCode::kDeadlineExceeded, std::move(message), std::move(remedy));
  }
  static Status Unknown(std::string message, std::string remedy = "") {
    return Status(StatusCode::kUnknown, std::move(message), std::move(remedy));
  }
  static Status Internal(std::string message, std::string remedy = "") {
    return Status(StatusCode::kInternal, std::move(message), std::move(remedy));
  }

  bool ok() const { return code_ == StatusCode::kOk; }
  StatusCode code() const { return code_; }
  // What happened; empty when ok().
  const std::string& message() const { return message_; }
  // What to change; may be empty.
  const std::string& remedy() const { return remedy_; }
  // How long to wait before trying again; 0 when unknown or when ok().
  std::chrono::seconds retry_after() const { return retry_after_; }
  // The server's reply that decided this status (an SMTP reply code such as
  // 535, and its enhanced code such as "5.7.3"); 0 and "" when none did.
  int reply_code() const { return reply_code_; }
  const std::string& enhanced_code() const { return enhanced_code_; }

  // Worth trying again unchanged, later: kUnavailable, kResourceExhausted,
  // kDeadlineExceeded and kUnknown. (kFailedPrecondition is not: it needs a
  // change first, see above.)
  bool IsTransient() const {
    return code_ == StatusCode::kUnavailable || code_ == StatusCode::kResourceExhausted ||
           code_ == StatusCode::kDeadlineExceeded || code_ == StatusCode::kUnknown;
  }

  // Copies with one part replaced. An OK status stays OK and carries nothing.
  Status WithReply(int reply_code, std::string enhanced_code) const {
    Status s = *this;
    if (s.ok()) return s;
    s.reply_code_ = reply_code;
    s.enhanced_code_ = std::move(enhanced_code);
    return s;
  }
  Status WithMessage(std::string message) const {
    Status s = *this;
    if (!s.ok()) s.message_ = std::move(message);
    return s;
  }
  Status WithRemedy(std::string remedy) const {
    Status s = *this;
    if (!s.ok()) s.remedy_ = std::move(remedy);
    return s;
  }
  Status WithRetryAfter(std::chrono::seconds retry_after) const {
    return Status(code_, message_, remedy_, retry_after).WithReply(reply_code_, enhanced_code_);
  }

  // "UNAVAILABLE: <message>", or "OK". Never more than the status holds.
  std::string ToString() const {
    return ok() ? std::string("OK") : std::string(sdk::ToString(code_)) + ": " + message_;
  }

 private:
  StatusCode code_ = StatusCode::kOk;
  std::string message_;
  std::string remedy_;
  std::chrono::seconds retry_after_{0};
  int reply_code_ = 0;
  std::string enhanced_code_;
};

// A value, or the Status saying why there is none (abseil's StatusOr).
// ok() is true exactly when a value is held; status() is then OK.
template <class T>
class [[nodiscard]] StatusOr {
 public:
  // Holds `value`.
  StatusOr(T value) : value_(std::move(value)) {}  // NOLINT: implicit by design
  // Holds no value; status() is `status`. An OK status here is a bug in the
  // caller: like abseil, the result is then kInternal "StatusOr made from an
  // OK status without a value", never an object that is not ok() while its
  // status() says OK.
  StatusOr(Status status)  // NOLINT: implicit by design
      : status_(status.ok() ? Status::Internal("StatusOr made from an OK status without a value")
                            : std::move(status)) {}

  bool ok() const { return value_.has_value(); }
  const Status& status() const { return status_; }
  // The value. Call only when ok().
  const T& value() const& { return *value_; }
  T& value() & { return *value_; }
  T&& value() && { return std::move(*value_); }
  const T& operator*() const& { return *value_; }
  T& operator*() & { return *value_; }
  const T* operator->() const { return &*value_; }
  T* operator->() { return &*value_; }

 private:
  Status status_;
  std::optional<T> value_;
};

}  // namespace notify::sdk

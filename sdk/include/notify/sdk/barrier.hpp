#pragma once
// Nothing throws across the plugin boundary: these turn an escaped exception
// into a value the caller can report.
#include <string>
#include <utility>

namespace notify::sdk {

// Describes the exception being handled ("what()" text or "unknown exception").
// Call only inside a catch block.
std::string DescribeCurrentException();

// Runs `body()`; if it throws, returns `on_error(description)` instead. If
// on_error throws too, returns a value-initialized result: for Sender::Deliver
// an empty list, which breaks "one result per message"; a sender built on
// SenderBase (sender_base.hpp) has that repaired, and should prefer it to
// calling Guard itself.
template <class Body, class OnError>
auto Guard(Body&& body, OnError&& on_error) noexcept -> decltype(body()) {
  try {
    return std::forward<Body>(body)();
  } catch (...) {
    try {
      return std::forward<OnError>(on_error)(DescribeCurrentException());
    } catch (...) {
      return decltype(body()){};
    }
  }
}

}  // namespace notify::sdk

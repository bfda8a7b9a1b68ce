#include "notify/sdk/barrier.hpp"

#include <exception>

namespace notify::sdk {

std::string DescribeCurrentException() {
  try {
    throw;
  } catch (const std::exception& e) {
    return e.what();
  } catch (...) {
    return "unknown exception";
  }
}

}  // namespace notify::sdk

#include "notify/sdk/barrier.hpp"

#include <gtest/gtest.h>

#include <stdexcept>

namespace {

TEST(Guard, ReturnsTheBodysValue) {
  EXPECT_EQ(notify::sdk::Guard([] { return 7; }, [](const std::string&) { return -1; }), 7);
}

TEST(Guard, TurnsAnEscapedExceptionIntoTheFallbackWithItsText) {
  std::string seen;
  int v = notify::sdk::Guard([]() -> int { throw std::runtime_error("disk on fire"); },
                             [&](const std::string& what) {
                               seen = what;
                               return -1;
                             });
  EXPECT_EQ(v, -1);
  EXPECT_EQ(seen, "disk on fire");
}

TEST(Guard, NamesANonStandardException) {
  std::string seen;
  notify::sdk::Guard([]() -> int { throw 42; },
                     [&](const std::string& what) {
                       seen = what;
                       return 0;
                     });
  EXPECT_EQ(seen, "unknown exception");
}

}  // namespace

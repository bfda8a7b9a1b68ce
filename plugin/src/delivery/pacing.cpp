#include "delivery/pacing.hpp"

#include <algorithm>
#include <random>

namespace m365 {

Backoff::Backoff(std::chrono::milliseconds cap, std::chrono::milliseconds first)
    : cap_(cap), first_(first), base_(first) {}

std::chrono::milliseconds Backoff::Next() {
  thread_local std::mt19937 random{std::random_device{}()};
  std::chrono::milliseconds delay = std::min(base_, cap_);
  std::uniform_int_distribution<long long> jitter(0, delay.count() / 5);
  base_ = std::min(base_ * 2, cap_);
  ++attempts_;
  return delay + std::chrono::milliseconds(jitter(random));
}

std::chrono::milliseconds Backoff::MaxTotal(int pauses, std::chrono::milliseconds cap,
                                            std::chrono::milliseconds first) {
  std::chrono::milliseconds total{0};
  std::chrono::milliseconds base = first;
  for (int i = 0; i < pauses; ++i) {
    std::chrono::milliseconds delay = std::min(base, cap);
    total += delay + std::chrono::milliseconds(delay.count() / 5);  // Next()'s largest jitter
    base = std::min(base * 2, cap);
  }
  return total;
}

void Backoff::Reset() {
  base_ = first_;
  attempts_ = 0;
}

}  // namespace m365

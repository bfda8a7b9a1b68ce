#pragma once

#include <memory>
#include <mutex>

namespace m365 {

// The process's one T, made on first use and destroyed when its last holder
// lets go, so a thread it owns runs only while something needs it (the
// connection keeper, the deadline service: docs/architecture.md, Threads).
// The statics are never destroyed: holders may outlive them at exit.
template <typename T>
std::shared_ptr<T> SharedWhileHeld() {
  static auto* mutex = new std::mutex();
  static auto* shared = new std::weak_ptr<T>();
  std::lock_guard<std::mutex> lock(*mutex);
  std::shared_ptr<T> instance = shared->lock();
  if (!instance) {
    instance = std::make_shared<T>();
    *shared = instance;
  }
  return instance;
}

}  // namespace m365

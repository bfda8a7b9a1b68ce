#include "delivery/deliver_call.hpp"

#include <system_error>
#include <thread>
#include <utility>

#include "delivery/delivery_plan.hpp"

namespace m365 {

using notify::DeliveryResult;
using notify::sdk::Status;
using std::chrono::milliseconds;

DeliverCall::DeliverCall(const std::vector<notify::Message>& batch, Clock& clock, LogFn log)
    : batch_(batch), clock_(clock), log_(std::move(log)), results_(batch.size()) {}

void DeliverCall::StartDeadline(milliseconds budget) {
  deadline_ = clock_.Now() + budget;
  deadline_length_ = std::chrono::ceil<std::chrono::seconds>(budget);
}

bool DeliverCall::Settle(std::size_t index, DeliveryResult result) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (results_[index]) return false;
  results_[index] = std::move(result);
  return true;
}

void DeliverCall::GiveUp(const Status& why) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (!given_up_) given_up_ = why;
  }
  stop_.Stop();
  log_(notify::LogLevel::kError, "giving up the rest of the batch: " + why.message());
}

std::optional<Status> DeliverCall::given_up() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return given_up_;
}

bool DeliverCall::PastDeadline(milliseconds ahead) {
  const Clock::TimePoint now = clock_.Now();
  if (now + ahead < deadline_) return false;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    past_deadline_ = true;
  }
  // Passed: nothing may start any more, so every worker stops.
  if (now >= deadline_) stop_.Stop();
  return true;
}

void DeliverCall::NoteFailure(const std::string& reason) {
  std::lock_guard<std::mutex> lock(mutex_);
  last_failure_ = reason;
}

DeliverCall::Outcome DeliverCall::Finish() {
  std::lock_guard<std::mutex> lock(mutex_);
  Outcome outcome;
  outcome.results.reserve(batch_.size());
  for (std::size_t i = 0; i < batch_.size(); ++i) {
    if (results_[i]) {
      outcome.results.push_back(std::move(*results_[i]));
    } else if (given_up_) {
      outcome.results.push_back(ResultOf(batch_[i].id, *given_up_));
    } else if (past_deadline_) {
      outcome.results.push_back(
          ResultOf(batch_[i].id,
                   Status::DeadlineExceeded(
                       "not sent within this Deliver call's deadline of " +
                       std::to_string(deadline_length_.count()) + " s" +
                       (last_failure_.empty() ? "" : " (last failure: " + last_failure_ + ")"))));
      ++outcome.left_for_later;
    } else {  // not reached: every job is settled, given up or past the deadline
      outcome.results.push_back(ResultOf(batch_[i].id, Status::Unavailable("not attempted")));
    }
  }
  return outcome;
}

void RunWorkers(std::size_t count, const std::function<void()>& worker) {
  std::vector<std::thread> threads;
  for (std::size_t w = 1; w < count; ++w) {
    try {
      threads.emplace_back(worker);
    } catch (const std::system_error&) {
      break;  // fewer threads: the remaining workers take the work
    }
  }
  if (count > 0) worker();
  for (auto& t : threads) t.join();
}

}  // namespace m365

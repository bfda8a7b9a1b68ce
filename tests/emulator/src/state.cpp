#include "state.hpp"

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>

#include <algorithm>
#include <cstdio>
#include <sstream>

#include "util.hpp"

namespace m365emu::detail {

State::State(Config config, std::string spool_dir)
    : config_(std::make_shared<const Config>(std::move(config))),
      spool_dir_(std::move(spool_dir)),
      signer_(std::make_unique<TokenService>()) {}

std::shared_ptr<const Config> State::config() const {
  std::lock_guard<std::mutex> lock(mu_);
  return config_;
}

void State::SetConfig(Config config) {
  auto c = std::make_shared<const Config>(std::move(config));
  std::lock_guard<std::mutex> lock(mu_);
  config_ = std::move(c);
  cv_.notify_all();  // a shorter rate window may release delayed messages
}

Faults State::faults() const {
  std::lock_guard<std::mutex> lock(mu_);
  return faults_;
}

void State::SetFaults(const Faults& faults) {
  std::lock_guard<std::mutex> lock(mu_);
  faults_ = faults;
  cv_.notify_all();  // held Graph requests re-read graph_delay_ms
}

Faults State::TakeTokenFaults() {
  std::lock_guard<std::mutex> lock(mu_);
  Faults f = faults_;
  const bool any = f.token_http_429_retry_after >= 0 || f.token_http_500 || f.token_delay_ms > 0 ||
                   f.token_non_json_body || f.token_oversized_body_bytes > 0;
  if (!any) return f;
  if (faults_.token_fault_count == 0) {
    Faults clean;
    f.token_http_429_retry_after = clean.token_http_429_retry_after;
    f.token_http_500 = false;
    f.token_delay_ms = 0;
    f.token_non_json_body = false;
    f.token_oversized_body_bytes = 0;
    return f;
  }
  if (faults_.token_fault_count > 0) --faults_.token_fault_count;
  return f;
}

Faults State::TakeGraphFaults() {
  std::lock_guard<std::mutex> lock(mu_);
  Faults f = faults_;
  const bool any = f.graph_delay_ms > 0 || f.graph_http_500 || f.graph_http_503_retry_after >= 0 ||
                   f.graph_http_429_retry_after >= 0 || f.graph_drop;
  if (!any) return f;
  if (faults_.graph_fault_count == 0) {
    f.graph_delay_ms = 0;
    f.graph_http_500 = false;
    f.graph_http_503_retry_after = -1;
    f.graph_http_429_retry_after = -1;
    f.graph_drop = false;
    return f;
  }
  if (faults_.graph_fault_count > 0) --faults_.graph_fault_count;
  return f;
}

bool State::HoldGraphRequest(int ms) {
  if (ms <= 0) return !stopping();
  std::unique_lock<std::mutex> lock(mu_);
  cv_.wait_for(lock, std::chrono::milliseconds(ms),
               [&] { return stopping_ || faults_.graph_delay_ms <= 0; });
  return !stopping_;
}

Stats State::stats() const {
  std::lock_guard<std::mutex> lock(mu_);
  return stats_;
}

void State::ResetCounters() {
  std::lock_guard<std::mutex> lock(mu_);
  auto current = stats_.current_connections;
  auto graph_in_flight = stats_.graph_in_flight;
  stats_ = Stats{};
  stats_.current_connections = current;
  stats_.max_concurrent_connections = current;
  stats_.graph_in_flight = graph_in_flight;
  for (const auto& [key, n] : graph_slots_)
    stats_.graph_max_in_flight_per_mailbox =
        std::max<std::uint64_t>(stats_.graph_max_in_flight_per_mailbox, n);
  received_.clear();
}

void State::RecordReply(const std::string& line) {
  // Key: "535 5.7.3" when an enhanced code follows, else "220".
  std::string key = line.substr(0, 3);
  if (line.size() > 4 && std::isdigit(static_cast<unsigned char>(line[4]))) {
    std::size_t end = line.find(' ', 4);
    key = line.substr(0, 3) + " " + line.substr(4, end == std::string::npos ? end : end - 4);
  }
  std::lock_guard<std::mutex> lock(mu_);
  ++stats_.smtp_reply_counts[key];
  stats_.smtp_replies.push_back(line.size() > 300 ? line.substr(0, 300) : line);
  if (stats_.smtp_replies.size() > 10000)
    stats_.smtp_replies.erase(stats_.smtp_replies.begin(), stats_.smtp_replies.begin() + 1000);
}

void State::RecordAuthFailure(const std::string& reason) {
  std::lock_guard<std::mutex> lock(mu_);
  ++stats_.auth_failure_reasons[reason];
}

void State::RecordGraphResult(int http_status, const std::string& error_code) {
  std::lock_guard<std::mutex> lock(mu_);
  ++stats_.graph_http_status[http_status];
  if (!error_code.empty()) ++stats_.graph_error_codes[error_code];
}

namespace {
std::string EnvelopeJson(const ReceivedMessage& m) {
  Poco::JSON::Object::Ptr o = new Poco::JSON::Object(Poco::JSON_PRESERVE_KEY_ORDER);
  o->set("route", m.route);
  o->set("envelope_from", m.envelope_from);
  Poco::JSON::Array::Ptr r = new Poco::JSON::Array;
  for (const auto& a : m.recipients) r->add(a);
  o->set("recipients", r);
  o->set("authenticated_mailbox", m.authenticated_mailbox);
  o->set("client_id", m.client_id);
  o->set("connection", m.connection);
  o->set("message_id", m.message_id);
  o->set("size", static_cast<std::uint64_t>(m.raw.size()));
  if (m.route == "graph") o->set("save_to_sent_items", m.save_to_sent_items);
  std::ostringstream out;
  o->stringify(out, 2);
  return out.str() + "\n";
}
}  // namespace

void State::AddMessage(ReceivedMessage message) {
  std::uint64_t seq;
  {
    std::lock_guard<std::mutex> lock(mu_);
    seq = ++spool_seq_;
  }
  // NNNNNN-cC.eml for SMTP connection C, NNNNNN-g.eml for Graph.
  char name[64];
  if (message.route == "graph") {
    std::snprintf(name, sizeof name, "%06llu-g", static_cast<unsigned long long>(seq));
  } else {
    std::snprintf(name, sizeof name, "%06llu-c%llu", static_cast<unsigned long long>(seq),
                  static_cast<unsigned long long>(message.connection));
  }
  message.spool_file = spool_dir_ + "/" + name + ".eml";
  WriteFileAtomic(message.spool_file, message.raw);
  WriteFileAtomic(spool_dir_ + "/" + name + ".json", EnvelopeJson(message));
  std::lock_guard<std::mutex> lock(mu_);
  ++stats_.messages_accepted;
  received_.push_back(std::move(message));
  cv_.notify_all();
}

std::vector<ReceivedMessage> State::received() const {
  std::lock_guard<std::mutex> lock(mu_);
  return received_;
}

bool State::WaitForMessages(std::size_t count, std::chrono::milliseconds timeout) const {
  std::unique_lock<std::mutex> lock(mu_);
  return cv_.wait_for(lock, timeout, [&] { return received_.size() >= count; });
}

bool State::AcquireMailboxSlot(const std::string& mailbox, int limit) {
  std::lock_guard<std::mutex> lock(mu_);
  int& n = mailbox_sessions_[mailbox];
  if (n >= limit) return false;
  ++n;
  return true;
}

void State::ReleaseMailboxSlot(const std::string& mailbox) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = mailbox_sessions_.find(mailbox);
  if (it != mailbox_sessions_.end() && --it->second <= 0) mailbox_sessions_.erase(it);
}

bool State::AcquireGraphSlot(const std::string& key, int limit) {
  std::lock_guard<std::mutex> lock(mu_);
  int& n = graph_slots_[key];
  if (limit > 0 && n >= limit) return false;
  ++n;
  ++stats_.graph_in_flight;
  stats_.graph_max_in_flight_per_mailbox =
      std::max<std::uint64_t>(stats_.graph_max_in_flight_per_mailbox, n);
  return true;
}

void State::ReleaseGraphSlot(const std::string& key) {
  std::lock_guard<std::mutex> lock(mu_);
  if (stats_.graph_in_flight > 0) --stats_.graph_in_flight;
  auto it = graph_slots_.find(key);
  if (it != graph_slots_.end() && --it->second <= 0) graph_slots_.erase(it);
}

bool State::WaitForRateSlot(const std::string& mailbox, const Limits& limits, bool* delayed) {
  *delayed = false;
  std::unique_lock<std::mutex> lock(mu_);
  auto& window = rate_windows_[mailbox];
  for (;;) {
    if (stopping_) return false;
    // Re-read the limits each round: SetConfig may change them.
    int limit = config_->limits.messages_per_minute > 0 ? config_->limits.messages_per_minute
                                                        : limits.messages_per_minute;
    auto span = std::chrono::milliseconds(std::max(1, config_->limits.rate_window_ms));
    auto now = Clock::now();
    while (!window.empty() && window.front() + span <= now) window.pop_front();
    if (limit <= 0 || static_cast<int>(window.size()) < limit) {
      window.push_back(now);
      return true;
    }
    *delayed = true;
    cv_.wait_until(lock, window.front() + span);
  }
}

bool State::AddDailyRecipients(const std::string& mailbox, int count, int limit) {
  std::lock_guard<std::mutex> lock(mu_);
  auto& q = daily_recipients_[mailbox];
  auto now = Clock::now();
  while (!q.empty() && q.front().first + std::chrono::hours(24) <= now) q.pop_front();
  int total = 0;
  for (const auto& e : q) total += e.second;
  if (limit > 0 && total + count > limit) return false;
  q.emplace_back(now, count);
  return true;
}

bool State::SleepFor(int ms) {
  if (ms <= 0) return !stopping();
  std::unique_lock<std::mutex> lock(mu_);
  cv_.wait_for(lock, std::chrono::milliseconds(ms), [&] { return stopping_; });
  return !stopping_;
}

void State::BeginStop() {
  std::lock_guard<std::mutex> lock(mu_);
  stopping_ = true;
  cv_.notify_all();
}

bool State::stopping() const {
  std::lock_guard<std::mutex> lock(mu_);
  return stopping_;
}

const TokenService& State::foreign_signer() {
  std::lock_guard<std::mutex> lock(mu_);
  if (!foreign_signer_) foreign_signer_ = std::make_unique<TokenService>();
  return *foreign_signer_;
}

}  // namespace m365emu::detail

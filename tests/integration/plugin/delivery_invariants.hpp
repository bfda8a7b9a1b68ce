#pragma once
// The delivery invariants of docs/delivery.md, checked the same way after
// every fault: a DeliveryLedger records each Deliver call of a test and
// compares what the sender reported with what the emulator's spool holds.
//
//  1. every message handed to Deliver has exactly one result, in order, with
//     its id (checked at Record);
//  2. every message reported delivered is in the spool exactly once (unless
//     an earlier try of it was reported "outcome unknown");
//  3. no message is in the spool more often than it was reported delivered
//     plus reported "outcome unknown", and none that was reported anything
//     else (a rejected or plainly retry_later message was not sent);
//  4. nothing is lost: once the fault is lifted, retrying what the host was
//     told to retry delivers it (RetryPending), and a fresh batch succeeds.
//
// Messages are matched to spooled mail by a header, kLedgerHeader, carrying
// the message's id.
#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

#include "m365emu/emulator.hpp"
#include "notify/host_api/channel.hpp"

namespace m365::testing {

inline constexpr const char* kLedgerHeader = "X-Ledger-Id";

// The unfolded value of top-level header `name` in `raw` (CRLF line ends),
// "" when absent.
inline std::string RawHeader(const std::string& raw, const std::string& name) {
  const std::string headers = "\r\n" + raw.substr(0, raw.find("\r\n\r\n") + 2);
  std::size_t pos = headers.find("\r\n" + name + ":");
  if (pos == std::string::npos) return "";
  std::size_t start = pos + 2 + name.size() + 1;
  std::string value;
  for (;;) {
    std::size_t end = headers.find("\r\n", start);
    value += headers.substr(start, end - start);
    start = end + 2;
    if (start >= headers.size() || (headers[start] != ' ' && headers[start] != '\t')) break;
  }
  std::size_t first = value.find_first_not_of(' ');
  return first == std::string::npos ? "" : value.substr(first);
}

inline bool IsOutcomeUnknown(const notify::DeliveryResult& r) {
  return r.status == notify::DeliveryStatus::kRetryLater &&
         r.detail.find("outcome unknown") != std::string::npos;
}

class DeliveryLedger {
 public:
  // A message tagged for the ledger: id `id`, one recipient, a small body.
  static notify::Message Tagged(const std::string& id, const std::string& to = "") {
    notify::Message m;
    m.id = id;
    m.to = {to.empty() ? "rcpt-" + id + "@contoso.com" : to};
    m.subject = "Fault matrix " + id;
    m.text_body = "Body of " + id + "\r\n.\r\nafter a lone dot\r\n";
    m.extra_headers = {{kLedgerHeader, id}};
    return m;
  }

  // `count` tagged messages with ids "<prefix>-0" ... "<prefix>-<count-1>".
  static std::vector<notify::Message> Batch(const std::string& prefix, int count) {
    std::vector<notify::Message> batch;
    for (int i = 0; i < count; ++i) batch.push_back(Tagged(prefix + "-" + std::to_string(i)));
    return batch;
  }

  // Records one Deliver call and checks invariant 1 at once.
  void Record(const std::vector<notify::Message>& batch,
              const std::vector<notify::DeliveryResult>& results) {
    ASSERT_EQ(results.size(), batch.size()) << "every message gets exactly one result";
    for (std::size_t i = 0; i < batch.size(); ++i) {
      const notify::DeliveryResult& r = results[i];
      EXPECT_EQ(r.id, batch[i].id) << "results out of order at " << i;
      Entry& e = entries_[batch[i].id];
      e.message = batch[i];
      e.last = r;
      ++e.results;
      if (r.status == notify::DeliveryStatus::kDelivered) {
        ++e.delivered;
        EXPECT_EQ(r.code, delivered_code_) << r.id << ": " << r.detail;
      } else {
        EXPECT_FALSE(r.detail.empty()) << r.id << ": a failure says why";
        if (IsOutcomeUnknown(r)) ++e.unknown;
      }
    }
  }

  // Invariants 2 and 3 against everything the emulator accepted so far.
  void ExpectSpoolConsistent(const m365emu::Emulator& emulator) const {
    std::map<std::string, int> spooled;
    for (const auto& m : emulator.received()) {
      std::string id = RawHeader(m.raw, kLedgerHeader);
      EXPECT_FALSE(id.empty()) << "a spooled message the test did not send";
      ++spooled[id];
    }
    for (const auto& [id, e] : entries_) {
      int in_spool = spooled.count(id) != 0 ? spooled.at(id) : 0;
      EXPECT_LE(e.delivered, 1) << id << " reported delivered twice";
      EXPECT_GE(in_spool, e.delivered) << id << " reported delivered but not in the spool";
      EXPECT_LE(in_spool, e.delivered + e.unknown)
          << id << " in the spool " << in_spool << " times; delivered " << e.delivered
          << ", outcome unknown " << e.unknown << "; last: " << e.last.detail;
    }
    for (const auto& [id, count] : spooled) {
      EXPECT_EQ(entries_.count(id), 1u) << id << " in the spool but never handed to Deliver";
    }
  }

  // The messages whose latest result is retry_later: what a host retries.
  std::vector<notify::Message> Pending() const {
    std::vector<notify::Message> out;
    for (const auto& [id, e] : entries_) {
      if (e.last.status == notify::DeliveryStatus::kRetryLater) out.push_back(e.message);
    }
    return out;
  }

  // Messages neither delivered nor rejected: lost unless a retry follows.
  int Undelivered() const {
    int n = 0;
    for (const auto& [id, e] : entries_) {
      n += (e.delivered == 0 && e.last.status != notify::DeliveryStatus::kRejected) ? 1 : 0;
    }
    return n;
  }

  const notify::DeliveryResult& Last(const std::string& id) const { return entries_.at(id).last; }

  // The code of a delivered result: SMTP's 250 (the default), Graph's 202.
  void SetDeliveredCode(int code) { delivered_code_ = code; }

 private:
  struct Entry {
    notify::Message message;
    notify::DeliveryResult last;
    int results = 0;
    int delivered = 0;
    int unknown = 0;
  };
  std::map<std::string, Entry> entries_;
  int delivered_code_ = 250;
};

}  // namespace m365::testing

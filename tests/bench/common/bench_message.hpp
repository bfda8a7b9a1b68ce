#pragma once
// The notification every benchmark sends: a 1 KB plain-text alert to one
// recipient, so the plugin and its peers move the same bytes.
#include <cstddef>
#include <string>

#include "notify/host_api/message.hpp"

namespace notify_bench {

// The body size and recipient domain shared by every workload.
inline constexpr std::size_t kBodyBytes = 1024;
inline constexpr const char* kRecipientDomain = "contoso.com";

// Message number `n`: id "bench-<n>", to "user<n % 50>@contoso.com", subject
// "Alert <n>", a text body of exactly kBodyBytes bytes (ASCII, CRLF lines).
notify::Message MakeBenchMessage(int n);

// The recipient of message `n` (its only envelope recipient).
std::string BenchRecipient(int n);

// Mailbox number `n` of the many-mailboxes part: "bench<n>@contoso.onmicrosoft.com".
std::string BenchMailbox(int n);

}  // namespace notify_bench

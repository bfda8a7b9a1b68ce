#pragma once
// The pure parts of delivery: how a batch is cut into connections, and how
// what happened to a message becomes its DeliveryResult (design.md section 7).
#include <cstddef>
#include <string>
#include <vector>

#include "notify/host_api/delivery.hpp"
#include "smtp/smtp_connection.hpp"
#include "smtp/smtp_login.hpp"

namespace m365 {

// Cuts `items` into consecutive chunks of at most `batch_size` (at least 1),
// keeping their order: one chunk per SMTP connection.
std::vector<std::vector<std::size_t>> SplitIntoChunks(const std::vector<std::size_t>& items,
                                                      int batch_size);

// The result of SendMail for message `id`: delivered after 250 to the end of
// DATA; retry_later for 4xx, a lost connection ("outcome unknown" when it was
// lost after the end of DATA); rejected for 5xx. Call only when the message
// is not going to be tried again.
notify::DeliveryResult ResultOfSend(const std::string& id, const SmtpStepResult& sent);

// The result for message `id` when no connection could carry it: rejected
// for a permanent failure (a 5xx, a configuration error of the token),
// retry_later otherwise.
notify::DeliveryResult ResultOfLogin(const std::string& id, const LoginOutcome& login);

// The result for a message the builder refused (bad address, CR/LF...).
notify::DeliveryResult ResultOfInvalidMessage(const std::string& id, const std::string& error);

// Seconds to wait before retrying after `reply`, 0 when not known.
int RetryAfterFor(const SmtpReply& reply);

}  // namespace m365

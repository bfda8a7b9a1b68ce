#pragma once
// The pure parts of delivery (docs/delivery.md): how a batch is cut into
// connections, and how what happened to a message becomes its
// DeliveryResult. ResultOf is the one place that decides a result's status;
// every other function here, and every give-up path of the sender, goes
// through it.
#include <chrono>
#include <cstddef>
#include <string>
#include <vector>

#include "notify/host_api/delivery.hpp"
#include "notify/sdk/status.hpp"
#include "smtp/smtp_connection.hpp"

namespace m365 {

// Connections in a row that bring no message further (no login, or lost
// before any reply) before the rest of the batch is given up as retry_later
// (docs/delivery.md, Pacing and giving up): the first try plus three paced
// retries.
inline constexpr int kMaxConnectAttempts = 4;
// The longest pause between attempts.
inline constexpr std::chrono::milliseconds kMaxPause{30000};

// The cap of the pauses between attempts: kMaxPause, or `timeout` when shorter.
std::chrono::milliseconds PauseCap(std::chrono::seconds timeout);

// How long one Deliver call of `chunks` chunks may take, from its start, on
// the sender's Clock (docs/delivery.md, How long one Deliver call can take):
//   (kMaxConnectAttempts + chunks) x timeout
//   + chunks x the pauses of one give-up (Backoff::MaxTotal of
//     kMaxConnectAttempts - 1 pauses capped at PauseCap(timeout): 8.4 s).
// After it no connection and no message is started.
std::chrono::milliseconds DeliverDeadline(std::chrono::seconds timeout, std::size_t chunks);

// The fewest messages worth a connection of their own when a batch is spread
// over several (docs/delivery.md, Batches, chunks and connections).
inline constexpr std::size_t kMinMessagesPerSpreadChunk = 10;

// Cuts `items` into consecutive chunks of at most `batch_size` (at least 1),
// keeping their order: one chunk per SMTP connection. When that makes fewer
// than `spread` chunks (the connections a call may use at once), the items
// are spread evenly over as many chunks as `spread` allows while each keeps
// kMinMessagesPerSpreadChunk, so that a batch smaller than spread x
// batch_size still uses the parallel connections.
std::vector<std::vector<std::size_t>> SplitIntoChunks(const std::vector<std::size_t>& items,
                                                      int batch_size, int spread = 1);

// The result for message `id` given why it ends as it does (docs/delivery.md,
// Outcomes):
//   - ok: delivered;
//   - decided by a 5xx reply (status.reply_code() >= 500): rejected, whatever
//     the code, since the server's permanent reply is final (RFC 5321 section
//     4.2.1), also for 535 5.7.139, which is kFailedPrecondition;
//   - IsTransient() or kFailedPrecondition: retry_later, retry_after_s from
//     status.retry_after() (0 when unknown);
//   - any other code: rejected, retry_after_s 0.
// code and enhanced are the status's reply (0 and "" without one); detail is
// its message, with " Remedy: " and its remedy when it has one.
notify::DeliveryResult ResultOf(const std::string& id, const notify::sdk::Status& status);

// What SendMail did with a message, as a Status: OK after 250 to the end of
// DATA; the reply's StatusOfReply (smtp/reply_status.hpp) with the server's
// words as its message; kUnknown "outcome unknown: ..." when the connection
// was lost after the end of DATA was sent, before the reply; kUnavailable
// "not sent: ..." when it was lost earlier; kInvalidArgument when SendMail
// refused the message before sending anything.
notify::sdk::Status StatusOfSend(const SmtpStepResult& sent);

// ResultOf(id, StatusOfSend(sent)); a delivered result carries the server's
// 250 reply as its code, enhanced code and detail. Call only when the message
// is not going to be tried again.
notify::DeliveryResult ResultOfSend(const std::string& id, const SmtpStepResult& sent);

// The result for a message the builder refused (bad address, CR/LF...):
// rejected, "invalid message: " and `error`.
notify::DeliveryResult ResultOfInvalidMessage(const std::string& id, const std::string& error);

}  // namespace m365

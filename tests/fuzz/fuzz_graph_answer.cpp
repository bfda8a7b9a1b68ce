// libFuzzer: Microsoft Graph's answers (error bodies above all) as the Graph
// route reads them. Input: byte 0 picks the HTTP status (or no answer), byte
// 1 whether the request was sent, then "Retry-After value\n" and the body.
// Every answer becomes exactly one result: delivered only for 202, otherwise
// a message naming what happened; the parsed error is one bounded line; the
// wait is within 0..3600 s.
#include <cstddef>
#include <cstdint>
#include <string>

#include "delivery/graph_route.hpp"
#include "graph/graph_answer.hpp"

namespace {

const int kStatuses[] = {0, 202, 400, 401, 403, 404, 413, 429, 500, 503, 504, 302};

m365::M365Config Config() {
  m365::M365Config c;
  c.server_name = "fuzz";
  c.from_email = "notify@contoso.com";
  c.client_id = "0b9d7e4c-6a21-4f3b-8e5d-7c1a2b3c4d5e";
  c.graph_url = "https://graph.microsoft.com";
  return c;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 2) return 0;
  static const m365::M365Config config = Config();
  m365::HttpsAnswer a;
  a.http_status = kStatuses[data[0] % (sizeof(kStatuses) / sizeof(kStatuses[0]))];
  a.request_sent = (data[1] & 1) != 0;
  a.certificate_problem = (data[1] & 2) != 0;
  std::string rest(reinterpret_cast<const char*>(data) + 2, size - 2);
  std::size_t newline = rest.find('\n');
  a.retry_after = newline == std::string::npos ? "" : rest.substr(0, newline);
  a.body = newline == std::string::npos ? rest : rest.substr(newline + 1);
  if (a.http_status == 0) a.transport_error = "connection to graph.microsoft.com refused";

  m365::GraphError e = m365::ParseGraphError(a.body);
  if (e.code.size() > 103 || e.message.size() > 303) __builtin_trap();
  if (e.message.find_first_of("\r\n") != std::string::npos) __builtin_trap();
  int wait = m365::ParseGraphRetryAfter(a.retry_after);
  if (wait < 0 || wait > 3600) __builtin_trap();

  notify::sdk::Status s = m365::StatusOfGraphAnswer(a, config);
  if (s.ok() != (a.http_status == 202)) __builtin_trap();
  if (!s.ok() && s.message().empty()) __builtin_trap();
  notify::DeliveryResult r = m365::ResultOfGraph("id", s, a.http_status);
  if ((r.status == notify::DeliveryStatus::kDelivered) != s.ok()) __builtin_trap();
  if (r.retry_after_s < 0 || r.retry_after_s > 3600) __builtin_trap();
  if (r.id != "id" || r.detail.empty()) __builtin_trap();
  return 0;
}

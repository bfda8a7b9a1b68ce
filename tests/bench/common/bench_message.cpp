#include "bench_message.hpp"

namespace notify_bench {

std::string BenchRecipient(int n) {
  return "user" + std::to_string(n % 50) + "@" + kRecipientDomain;
}

std::string BenchMailbox(int n) { return "bench" + std::to_string(n) + "@contoso.onmicrosoft.com"; }

notify::Message MakeBenchMessage(int n) {
  notify::Message m;
  m.id = "bench-" + std::to_string(n);
  m.to = {BenchRecipient(n)};
  m.subject = "Alert " + std::to_string(n) + ": disk almost full on db-01";
  const std::string line = "Volume /var on db-01 is 92 % full; free some space or grow it.\r\n";
  std::string body;
  while (body.size() + line.size() + 2 <= kBodyBytes) body += line;
  body.append(kBodyBytes - body.size() - 2, 'x');
  body += "\r\n";
  m.text_body = std::move(body);
  return m;
}

}  // namespace notify_bench

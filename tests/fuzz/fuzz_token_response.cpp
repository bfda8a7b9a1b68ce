// libFuzzer: the token endpoint's answer as the plugin parses and explains
// it. Input: byte 0 picks the HTTP status, byte 1 the Content-Type, then
// "Retry-After value\n" and the body. A parsed answer is a token or an error,
// never both, and no explanation quotes the client secret.
#include <cstddef>
#include <cstdint>
#include <string>

#include "diagnostics/diagnostics.hpp"
#include "token/token_client.hpp"

namespace {

const int kStatuses[] = {200, 400, 401, 403, 429, 500, 503, 302};
const char* const kTypes[] = {"application/json; charset=utf-8", "text/html", "", "text/plain"};
const char kSecret[] = "Fuzz~Secret.Value_1234567890abcdefghij";

m365::M365Config Config() {
  m365::M365Config c;
  c.server_name = "fuzz";
  c.client_id = "0b9d7e4c-6a21-4f3b-8e5d-7c1a2b3c4d5e";
  c.client_secret = kSecret;
  c.tenant_id = "4f7c2a51-0d3e-4b8a-9c61-2e5f8d7a1b30";
  c.authority_url = "https://login.microsoftonline.com";
  c.scope = "https://outlook.office365.com/.default";
  c.expected_audience = "https://outlook.office365.com";
  return c;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 2) return 0;
  static const m365::M365Config config = Config();
  int status = kStatuses[data[0] % (sizeof(kStatuses) / sizeof(kStatuses[0]))];
  const char* type = kTypes[data[1] % (sizeof(kTypes) / sizeof(kTypes[0]))];
  std::string rest(reinterpret_cast<const char*>(data) + 2, size - 2);
  std::size_t newline = rest.find('\n');
  std::string retry_after = newline == std::string::npos ? "" : rest.substr(0, newline);
  std::string body = newline == std::string::npos ? rest : rest.substr(newline + 1);

  m365::TokenResponse r = m365::ParseTokenResponse(status, type, body, retry_after);
  if (r.ok) {
    if (r.access_token.empty() || status != 200 || !r.transport_error.empty()) __builtin_trap();
    if (r.expires_in.count() < 0) __builtin_trap();
    return 0;
  }
  if (!r.access_token.empty() && r.transport_error.empty() && r.error.empty() && status == 200)
    __builtin_trap();  // a token that was not taken, without a reason
  if (r.retry_after_s < 0 || r.retry_after_s > 3600) __builtin_trap();
  notify::sdk::Status d = m365::DiagnoseTokenFailure(r, config);
  if (d.ok() || d.message().empty() || d.remedy().empty()) __builtin_trap();
  if (body.find(kSecret) == std::string::npos &&
      (d.message() + d.remedy()).find(kSecret) != std::string::npos)
    __builtin_trap();
  return 0;
}

// notify-bench-micro: Google Benchmark for the plugin's pure parts: MIME
// building and its body encoders, the DATA payload, XOAUTH2 encoding, JWT claim decoding and the
// settings checks, and creating the TLS context. Linked against
// m365_oauth_smtp_core (no network).
#include <benchmark/benchmark.h>

#include <cstdint>
#include <string>

#include "bench_message.hpp"
#include "mime/mime_builder.hpp"
#include "mime/mime_encoding.hpp"
#include "net/tls_context.hpp"
#include "settings/m365_config.hpp"
#include "smtp/smtp_data.hpp"
#include "smtp/xoauth2.hpp"
#include "token/jwt_claims.hpp"

namespace {

std::string Base64Url(const std::string& in) {
  static const char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  std::string out;
  std::size_t i = 0;
  for (; i + 2 < in.size(); i += 3) {
    unsigned v =
        (unsigned char)in[i] << 16 | (unsigned char)in[i + 1] << 8 | (unsigned char)in[i + 2];
    for (int s = 18; s >= 0; s -= 6) out.push_back(kAlphabet[(v >> s) & 63]);
  }
  if (i + 1 == in.size()) {
    unsigned v = (unsigned char)in[i] << 16;
    out += {kAlphabet[(v >> 18) & 63], kAlphabet[(v >> 12) & 63]};
  } else if (i + 2 == in.size()) {
    unsigned v = (unsigned char)in[i] << 16 | (unsigned char)in[i + 1] << 8;
    out += {kAlphabet[(v >> 18) & 63], kAlphabet[(v >> 12) & 63], kAlphabet[(v >> 6) & 63]};
  }
  return out;
}

// An app-only Exchange token shaped like Entra ID's (about 1.5 KB), with a
// fake signature: claims are decoded, never verified.
std::string RealisticToken() {
  std::string header =
      R"({"typ":"JWT","nonce":"Xb3kq9Yw1uJm","alg":"RS256","x5t":"CNv0OI3RwqlHFEVnaoMAshCH2XE","kid":"CNv0OI3RwqlHFEVnaoMAshCH2XE"})";
  std::string payload =
      R"({"aud":"https://outlook.office365.com","iss":"https://sts.windows.net/4f7c2a51-0d3e-4b8a-9c61-2e5f8d7a1b30/",)"
      R"("iat":1767225600,"nbf":1767225600,"exp":1767229499,"aio":"k2BgYJjL9mX7sQ8/nZ1hbHw0KvNe+AQ=",)"
      R"("app_displayname":"Notify demo","appid":"0b9d7e4c-6a21-4f3b-8e5d-7c1a2b3c4d5e","appidacr":"1",)"
      R"("idp":"https://sts.windows.net/4f7c2a51-0d3e-4b8a-9c61-2e5f8d7a1b30/","idtyp":"app",)"
      R"("oid":"5d1e2f3a-4b5c-4d6e-8f7a-9b0c1d2e3f4a","rh":"0.AXEAUSp8Tz4NikucYS5fjXobMAIAAAAAAPEPzgAAAAAAAABxAAA.",)"
      R"("roles":["SMTP.SendAsApp"],"sid":"0b6f2c1e-8d4a-4c3b-9e2f-1a0b9c8d7e6f","sub":"5d1e2f3a-4b5c-4d6e-8f7a-9b0c1d2e3f4a",)"
      R"("tid":"4f7c2a51-0d3e-4b8a-9c61-2e5f8d7a1b30","uti":"Qm9ndXNVdGlWYWx1ZTAx","ver":"1.0",)"
      R"("wids":["0997a1d0-0d1d-4acb-b408-d5ca73121e90"],"xms_idrel":"7 28","xms_tcdt":1604590000})";
  return Base64Url(header) + "." + Base64Url(payload) + "." + Base64Url(std::string(256, '\x5a'));
}

notify::Settings ValidSettings() {
  return {{"server_name", "bench"},
          {"port", "587"},
          {"timeout", "120"},
          {"batch_size", "large"},
          {"from_email", "notify@contoso.onmicrosoft.com"},
          {"from_name", "Notify Bench"},
          {"client_id", "0b9d7e4c-6a21-4f3b-8e5d-7c1a2b3c4d5e"},
          {"client_secret", "Xq8~Demo.Secret_Value-1234567890abcdefgh"},
          {"tenant_id", "4f7c2a51-0d3e-4b8a-9c61-2e5f8d7a1b30"}};
}

void BM_MimeBuild_Text1K(benchmark::State& state) {
  m365::MimeBuilder builder("notify@contoso.onmicrosoft.com", "Notify Bench");
  notify::Message m = notify_bench::MakeBenchMessage(1);
  for (auto _ : state) benchmark::DoNotOptimize(builder.Build(m));
}
BENCHMARK(BM_MimeBuild_Text1K);

void BM_MimeBuild_HtmlAnd100KAttachment(benchmark::State& state) {
  m365::MimeBuilder builder("notify@contoso.onmicrosoft.com", "Notify Bench");
  notify::Message m = notify_bench::MakeBenchMessage(1);
  m.subject = "Température élevée sur db-01";
  m.html_body = "<html><body><p>" + m.text_body + "</p></body></html>";
  m.attachments.push_back({"report.pdf", "application/pdf", std::string(100 * 1024, '\x7f')});
  for (auto _ : state) benchmark::DoNotOptimize(builder.Build(m));
}
BENCHMARK(BM_MimeBuild_HtmlAnd100KAttachment);

// The body encoders alone, on inputs large enough that per-call set-up does
// not hide the per-byte cost: a 64 KB text body (ASCII lines with some
// UTF-8 and '=') and a 1 MB binary attachment.
std::string TextBody64K() {
  const std::string line = "Volume /var on db-01 is 92 % full (Füllstand=92); grow it.  \r\n";
  std::string body;
  while (body.size() + line.size() <= 64 * 1024) body += line;
  return body;
}

void BM_MimeEncode_QuotedPrintable64K(benchmark::State& state) {
  std::string text = TextBody64K();
  for (auto _ : state) benchmark::DoNotOptimize(m365::EncodeQuotedPrintable(text));
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * text.size()));
}
BENCHMARK(BM_MimeEncode_QuotedPrintable64K);

void BM_MimeEncode_Base64Lines1M(benchmark::State& state) {
  std::string bytes;
  for (int i = 0; i < 1024 * 1024; ++i) bytes += static_cast<char>((i * 131) & 0xFF);
  for (auto _ : state) benchmark::DoNotOptimize(m365::EncodeBase64Lines(bytes));
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * bytes.size()));
}
BENCHMARK(BM_MimeEncode_Base64Lines1M);

void BM_DataPayload_1K(benchmark::State& state) {
  m365::MimeBuilder builder("notify@contoso.onmicrosoft.com", "Notify Bench");
  std::string mime = builder.Build(notify_bench::MakeBenchMessage(1)).value().data;
  for (auto _ : state) benchmark::DoNotOptimize(m365::EncodeDataPayload(mime));
}
BENCHMARK(BM_DataPayload_1K);

void BM_Xoauth2_Encode(benchmark::State& state) {
  std::string token = RealisticToken();
  for (auto _ : state) {
    benchmark::DoNotOptimize(m365::Xoauth2InitialResponse("notify@contoso.onmicrosoft.com", token));
  }
}
BENCHMARK(BM_Xoauth2_Encode);

void BM_JwtClaims_Decode(benchmark::State& state) {
  std::string token = RealisticToken();
  if (!m365::DecodeJwtClaims(token).ok()) state.SkipWithError("the sample token does not decode");
  for (auto _ : state) benchmark::DoNotOptimize(m365::DecodeJwtClaims(token));
}
BENCHMARK(BM_JwtClaims_Decode);

void BM_Settings_CheckValid(benchmark::State& state) {
  notify::Settings settings = ValidSettings();
  for (auto _ : state) benchmark::DoNotOptimize(m365::CheckM365Settings(settings));
}
BENCHMARK(BM_Settings_CheckValid);

void BM_Settings_CheckFiveErrors(benchmark::State& state) {
  notify::Settings settings = ValidSettings();
  settings["port"] = "70000";
  settings["from_email"] = "not an address";
  settings["client_id"] = "0b9d7e4c";
  settings["client_secret"] = "9a8b7c6d-1e2f-4a3b-8c4d-5e6f7a8b9c0d";  // a secret ID
  settings["tenant_id"] = "common";
  for (auto _ : state) benchmark::DoNotOptimize(m365::CheckM365Settings(settings));
}
BENCHMARK(BM_Settings_CheckFiveErrors);

void BM_Settings_Resolve(benchmark::State& state) {
  notify::Settings settings = ValidSettings();
  for (auto _ : state) benchmark::DoNotOptimize(m365::ResolveConfig(settings));
}
BENCHMARK(BM_Settings_Resolve);

// What every channel Open and Validate pays first: a client TLS context
// with the system trust store (no extra CA file).
void BM_TlsContext_Create(benchmark::State& state) {
  for (auto _ : state) {
    auto context = m365::MakeClientTlsContext("");
    if (!context.ok()) state.SkipWithError("no TLS context");
    benchmark::DoNotOptimize(context);
  }
}
BENCHMARK(BM_TlsContext_Create)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();

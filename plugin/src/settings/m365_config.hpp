#pragma once
// The channel's settings resolved into typed values (cloud defaults applied).
#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "credential/client_certificate.hpp"
#include "net/https_proxy.hpp"
#include "notify/host_api/fields.hpp"
#include "notify/host_api/settings.hpp"
#include "notify/host_api/validation.hpp"

namespace m365 {

// The `transport` setting (docs/channel-settings.md, Sending route).
enum class Transport {
  kAuto,   // decided from the tokens' roles (delivery/route_decision.hpp)
  kSmtp,   // Exchange Online SMTP submission with XOAUTH2
  kGraph,  // Microsoft Graph sendMail with the MIME body
};

// "auto", "smtp" or "graph".
const char* ToString(Transport transport);

struct M365Config {
  std::string server_name;
  std::string smtp_host;  // from cloud, or the smtp_host override
  int port = 587;         // 465: implicit TLS; anything else: STARTTLS
  std::chrono::seconds timeout{120};
  int batch_size = 30;  // messages per SMTP connection (10 / 30 / 100)
  // How long a connection stays open, idle, after a Deliver call for the
  // next one to use (docs/delivery.md, Connections kept between calls); 0:
  // closed at the end of every call.
  std::chrono::seconds keep_open{60};
  std::string from_email;
  std::string from_name;
  std::string client_id;
  std::string client_secret;  // never logged, never in a report
  std::string tenant_id;
  std::string cloud;  // global / usgov / usgov-dod / china
  std::string
      authority_url;  // "https://login.microsoftonline.com" or the override, no slash at the end
  std::string scope;  // e.g. "https://outlook.office365.com/.default"
  std::string expected_audience;  // e.g. "https://outlook.office365.com"
  std::string graph_scope;        // e.g. "https://graph.microsoft.com/.default"
  std::string graph_audience;     // e.g. "https://graph.microsoft.com"
  // "https://graph.microsoft.com" (the cloud's Graph host) or the graph_url
  // override, no slash at the end; requests go to <graph_url>/v1.0/...
  std::string graph_url;
  Transport transport = Transport::kAuto;
  std::string ca_file;                  // extra trusted CAs; empty: the system store only
  bool certificate_credential = false;  // credential = certificate
  std::string certificate_file;
  // Loaded by ResolveConfig with credential = certificate; nullptr when the
  // file could not be loaded (certificate_error says why) or with a secret.
  std::shared_ptr<const ClientCertificate> certificate;
  std::string certificate_error;
  // https_proxy (with https_proxy_password), or the environment's proxy
  // when it is empty (net/https_proxy.hpp), decided by ResolveConfig.
  HttpsProxy https_proxy;
  // secret_expires, when given and credential = secret.
  std::optional<std::chrono::system_clock::time_point> secret_expires;
};

// The form, in display order (docs/channel-settings.md).
std::vector<notify::FieldDescriptor> M365Fields();

// The channel's own checks beyond the field descriptors
// (docs/channel-settings.md, Semantic checks), no network. `issues` holds
// what the generic checks (notify::sdk::CheckFields) found: a field that
// already has an error is skipped, and tenant_id's generic issue is replaced
// for a multi-tenant alias. Appends every problem at once, each with a
// remedy. The channel calls it from ChannelBase::CheckSettings, after the
// SDK ran the generic checks.
void CheckM365Semantics(const notify::Settings& settings, std::vector<notify::FieldIssue>& issues);

// Every check at once, generic and semantic: CheckFields(M365Fields(),
// settings), CheckM365Semantics, then CheckCredential at `now`, as the
// channel's Validate runs them (for tests, fuzzing and benchmarks).
std::vector<notify::FieldIssue> CheckM365Settings(
    const notify::Settings& settings,
    std::chrono::system_clock::time_point now = std::chrono::system_clock::now());

// Typed values with defaults and cloud hosts applied; with credential =
// certificate, the certificate file is read here (no network); with
// https_proxy empty, `environment` gives the proxy variables. Call only on
// settings that CheckM365Settings accepted.
M365Config ResolveConfig(const notify::Settings& settings,
                         const EnvironmentLookup& environment = ProcessEnvironment());

}  // namespace m365

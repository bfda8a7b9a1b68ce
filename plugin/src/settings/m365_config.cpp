// Settings checks (generic ones from the SDK, then the semantic rules and the
// hints for the mistakes of docs/microsoft-365.md, What administrators get wrong most) and
// resolution into an M365Config with the national cloud's hosts (docs/microsoft-365.md, National
// clouds).
#include "settings/m365_config.hpp"

#include <Poco/String.h>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <iterator>

#include "credential/credential_expiry.hpp"
#include "notify/sdk/settings.hpp"
#include "settings/credential_checks.hpp"
#include "settings/proxy_checks.hpp"
#include "settings/raw_setting.hpp"

namespace m365 {
namespace {

using notify::FieldIssue;
using notify::Severity;
using notify::sdk::HasErrorFor;

struct CloudEndpoints {
  const char* name;
  const char* authority;  // https://host, no slash at the end
  const char* smtp_host;
  const char* resource;  // the Exchange Online audience; scope = resource + "/.default"
  const char* graph;     // Microsoft Graph: its audience, and the sendMail host
};

// docs/microsoft-365.md, National clouds; usgov-dod's SMTP host and scope are [unconfirmed] there.
constexpr CloudEndpoints kClouds[] = {
    {"global", "https://login.microsoftonline.com", "smtp.office365.com",
     "https://outlook.office365.com", "https://graph.microsoft.com"},
    {"usgov", "https://login.microsoftonline.us", "smtp.office365.us",
     "https://outlook.office365.us", "https://graph.microsoft.us"},
    {"usgov-dod", "https://login.microsoftonline.us", "smtp.office365.us",
     "https://outlook-dod.office365.us", "https://dod-graph.microsoft.us"},
    {"china", "https://login.partner.microsoftonline.cn", "smtp.partner.outlook.cn",
     "https://partner.outlook.cn", "https://microsoftgraph.chinacloudapi.cn"},
};

const CloudEndpoints& FindCloud(const std::string& name) {
  for (const auto& c : kClouds) {
    if (name == c.name) return c;
  }
  return kClouds[0];
}

void Error(std::vector<FieldIssue>& issues, std::string field, std::string message,
           std::string remedy) {
  issues.push_back({std::move(field), Severity::kError, std::move(message), std::move(remedy)});
}

void Warning(std::vector<FieldIssue>& issues, std::string field, std::string message,
             std::string remedy) {
  issues.push_back({std::move(field), Severity::kWarning, std::move(message), std::move(remedy)});
}

// A host name certificates can be issued for: a domain or a single label such
// as "localhost". IP addresses are refused: the certificate check needs a name.
bool IsHostName(const std::string& host) {
  if (notify::sdk::IsDomainName(host)) return true;
  if (host.empty() || host.size() > 63 || host.front() == '-' || host.back() == '-') return false;
  bool all_digits =
      std::all_of(host.begin(), host.end(), [](unsigned char c) { return std::isdigit(c) != 0; });
  return !all_digits && std::all_of(host.begin(), host.end(), [](unsigned char c) {
    return std::isalnum(c) != 0 || c == '-';
  });
}

// tenant_id: the multi-tenant aliases get their own message instead of the
// generic "neither a GUID nor a domain".
void CheckTenant(const notify::Settings& settings, std::vector<FieldIssue>& issues) {
  std::string tenant = Poco::toLower(RawSetting(settings, "tenant_id"));
  if (tenant != "common" && tenant != "organizations" && tenant != "consumers") return;
  issues.erase(std::remove_if(issues.begin(), issues.end(),
                              [](const FieldIssue& i) { return i.field == "tenant_id"; }),
               issues.end());
  Error(issues, "tenant_id",
        "Tenant ID: '" + tenant +
            "' is a multi-tenant alias; Microsoft refuses app-only sign-in "
            "there (AADSTS9001023)",
        "Enter your tenant's Directory (tenant) ID from the app's Overview page in the Microsoft "
        "Entra admin center, or a verified domain such as contoso.onmicrosoft.com.");
}

void CheckSecret(const notify::Settings& settings, std::vector<FieldIssue>& issues) {
  if (HasErrorFor(issues, "client_secret")) return;
  std::string secret = RawSetting(settings, "client_secret");
  if (secret.empty()) return;
  if (notify::sdk::IsGuid(secret)) {
    Error(issues, "client_secret", "Client Secret: this looks like the secret's ID, not its Value",
          "In the Microsoft Entra admin center open App registrations > your app > Certificates & "
          "secrets and copy the \"Value\" column, not \"Secret ID\". The Value is shown only once "
          "after creation; if it is hidden, create a new client secret and copy its Value.");
  } else if (std::isspace(static_cast<unsigned char>(secret.front())) ||
             std::isspace(static_cast<unsigned char>(secret.back()))) {
    Error(issues, "client_secret", "Client Secret: starts or ends with white space",
          "Paste the secret's Value again without leading or trailing spaces.");
  }
}

void CheckIds(const notify::Settings& settings, std::vector<FieldIssue>& issues) {
  std::string client = Poco::toLower(RawSetting(settings, "client_id"));
  std::string tenant = Poco::toLower(RawSetting(settings, "tenant_id"));
  if (!client.empty() && client == tenant && !HasErrorFor(issues, "client_id")) {
    Error(issues, "tenant_id", "Tenant ID: equals the Client ID",
          "The app's Overview page shows two different GUIDs: \"Application (client) ID\" goes "
          "into Client ID, \"Directory (tenant) ID\" into Tenant ID.");
  }
}

void CheckFromDomain(const notify::Settings& settings, std::vector<FieldIssue>& issues) {
  std::string tenant = Poco::toLower(RawSetting(settings, "tenant_id"));
  std::string from = RawSetting(settings, "from_email");
  if (HasErrorFor(issues, "tenant_id") || HasErrorFor(issues, "from_email")) return;
  if (tenant.empty() || from.empty() || notify::sdk::IsGuid(tenant)) return;
  std::string domain = notify::sdk::EmailDomain(from);
  if (domain == tenant) return;
  Warning(
      issues, "from_email",
      "From Email: its domain " + domain + " differs from the tenant domain " + tenant,
      "Make sure " + domain +
          " is a verified domain of the same tenant (Microsoft 365 admin "
          "center > Settings > Domains); Exchange Online sends only from mailboxes of the tenant "
          "the app signs in to.");
}

void CheckOverrides(const notify::Settings& settings, std::vector<FieldIssue>& issues) {
  std::string authority = RawSetting(settings, "authority_url");
  if (!authority.empty() && !HasErrorFor(issues, "authority_url") &&
      Poco::icompare(authority, 0, 8, "https://") != 0) {
    Error(issues, "authority_url", "Token authority: '" + authority + "' is not https",
          "Tokens are requested over https only. Leave the field empty to use the national "
          "cloud's sign-in host, or enter an https:// URL.");
  }
  std::string host = RawSetting(settings, "smtp_host");
  if (!host.empty() && !HasErrorFor(issues, "smtp_host") && !IsHostName(host)) {
    Error(issues, "smtp_host", "SMTP host: '" + host + "' is not a host name",
          "Enter a DNS name such as smtp.office365.com (the name the server's certificate is "
          "issued for), without scheme, port or path; or leave it empty.");
  }
  std::string port = RawSetting(settings, "port");
  if (port == "465" && host.empty()) {
    Warning(issues, "port", "Port: Exchange Online does not offer implicit TLS on 465",
            "Use port 587 (STARTTLS), which smtp.office365.com accepts.");
  }
}

// graph_url: https, a host name (the certificate is checked for it), no
// query or fragment.
void CheckGraphUrl(const notify::Settings& settings, std::vector<FieldIssue>& issues) {
  std::string url = RawSetting(settings, "graph_url");
  if (url.empty() || HasErrorFor(issues, "graph_url")) return;
  const std::string remedy =
      "Leave the field empty to use the national cloud's Microsoft Graph host "
      "(https://graph.microsoft.com for global), or enter an https:// URL such as "
      "https://graph.microsoft.com.";
  if (Poco::icompare(url, 0, 8, "https://") != 0) {
    Error(issues, "graph_url", "Graph endpoint: '" + url + "' is not https",
          "Tokens are sent to Microsoft Graph over https only. " + remedy);
    return;
  }
  std::string rest = url.substr(8);
  std::string host = rest.substr(0, rest.find_first_of("/:"));
  if (!IsHostName(host) || rest.find_first_of("?#@") != std::string::npos) {
    Error(issues, "graph_url", "Graph endpoint: '" + url + "' does not name a host",
          "Give the scheme and host name (the name the server's certificate is issued for), "
          "optionally a port, without query or user name. " +
              remedy);
  }
}

void CheckCaFile(const notify::Settings& settings, std::vector<FieldIssue>& issues) {
  std::string path = RawSetting(settings, "ca_file");
  if (path.empty() || HasErrorFor(issues, "ca_file")) return;
  // Only a regular file: opening a FIFO would block Save until someone
  // writes to it, and a directory or device holds no certificates.
  std::error_code ec;
  if (std::filesystem::exists(path, ec) && !std::filesystem::is_regular_file(path, ec)) {
    Error(issues, "ca_file", "Extra trusted CA file: '" + path + "' is not a regular file",
          "Give the path of a PEM file (not a folder, pipe or device), or leave the field empty "
          "to trust the system's CAs only.");
    return;
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    Error(issues, "ca_file", "Extra trusted CA file: cannot read '" + path + "'",
          "Check that the file exists and that the host's service account may read it, or "
          "leave the field empty to trust the system's CAs only.");
    return;
  }
  std::string head;
  head.resize(1 << 20);
  in.read(&head[0], static_cast<std::streamsize>(head.size()));
  head.resize(static_cast<std::size_t>(in.gcount()));
  if (head.find("-----BEGIN CERTIFICATE-----") == std::string::npos) {
    Error(issues, "ca_file", "Extra trusted CA file: '" + path + "' holds no PEM certificate",
          "Give a PEM file (text starting with -----BEGIN CERTIFICATE-----). Convert a DER "
          "file with: openssl x509 -inform der -in ca.cer -out ca.pem");
  }
}

}  // namespace

const char* ToString(Transport transport) {
  switch (transport) {
    case Transport::kSmtp:
      return "smtp";
    case Transport::kGraph:
      return "graph";
    case Transport::kAuto:
      break;
  }
  return "auto";
}

void CheckM365Semantics(const notify::Settings& settings, std::vector<FieldIssue>& issues) {
  CheckTenant(settings, issues);
  CheckSecret(settings, issues);
  CheckIds(settings, issues);
  CheckFromDomain(settings, issues);
  CheckOverrides(settings, issues);
  CheckGraphUrl(settings, issues);
  CheckCaFile(settings, issues);
  CheckProxySettings(settings, issues, ProcessEnvironment());
}

std::vector<notify::FieldIssue> CheckM365Settings(const notify::Settings& settings,
                                                  std::chrono::system_clock::time_point now) {
  std::vector<FieldIssue> issues = notify::sdk::CheckFields(M365Fields(), settings);
  CheckM365Semantics(settings, issues);
  CheckCredential(settings, issues, now);
  return issues;
}

M365Config ResolveConfig(const notify::Settings& settings, const EnvironmentLookup& environment) {
  auto fields = M365Fields();
  notify::sdk::SettingsView view(fields, settings);
  M365Config c;
  c.server_name = view.Get("server_name");
  c.port = static_cast<int>(view.GetInt("port"));
  c.timeout = std::chrono::seconds(view.GetInt("timeout"));
  std::string batch = view.Get("batch_size");
  c.batch_size = batch == "small" ? 10 : batch == "large" ? 100 : 30;
  c.keep_open = std::chrono::seconds(view.GetInt("keep_open_seconds"));
  c.from_email = view.Get("from_email");
  c.from_name = view.Get("from_name");
  c.client_id = view.Get("client_id");
  c.client_secret = view.Get("client_secret");
  c.tenant_id = view.Get("tenant_id");
  c.cloud = view.Get("cloud");
  const CloudEndpoints& cloud = FindCloud(c.cloud);
  c.smtp_host = view.Has("smtp_host") ? view.Get("smtp_host") : cloud.smtp_host;
  c.authority_url = view.Has("authority_url") ? view.Get("authority_url") : cloud.authority;
  while (!c.authority_url.empty() && c.authority_url.back() == '/') c.authority_url.pop_back();
  c.expected_audience = cloud.resource;
  c.scope = std::string(cloud.resource) + "/.default";
  c.graph_scope = std::string(cloud.graph) + "/.default";
  c.graph_audience = cloud.graph;
  c.graph_url = view.Has("graph_url") ? view.Get("graph_url") : cloud.graph;
  while (!c.graph_url.empty() && c.graph_url.back() == '/') c.graph_url.pop_back();
  std::string transport = view.Get("transport");
  c.transport = transport == "smtp"    ? Transport::kSmtp
                : transport == "graph" ? Transport::kGraph
                                       : Transport::kAuto;
  c.ca_file = view.Get("ca_file");
  c.https_proxy =
      ResolveHttpsProxy(view.Get("https_proxy"), view.Get("https_proxy_password"), environment);
  c.certificate_credential = view.Get("credential") == "certificate";
  if (c.certificate_credential) {
    c.certificate_file = view.Get("certificate_file");
    auto loaded = ClientCertificate::Load(c.certificate_file);
    if (loaded.ok()) {
      c.certificate = loaded.value();
    } else {
      c.certificate_error = loaded.status().message();
    }
  } else if (view.Has("secret_expires")) {
    c.secret_expires = ParseExpiryDate(view.Get("secret_expires"));
  }
  return c;
}

}  // namespace m365

// The settings form of the Microsoft 365 channel (docs/channel-settings.md): keys,
// types, defaults and the help an administrator needs to find each value.
#include "settings/m365_config.hpp"

namespace m365 {
namespace {

using notify::FieldDescriptor;
using notify::FieldGroup;
using notify::FieldType;

FieldDescriptor Field(std::string key, std::string label, FieldType type, bool required,
                      std::string default_value, std::string help,
                      FieldGroup group = FieldGroup::kBasic) {
  FieldDescriptor f;
  f.key = std::move(key);
  f.label = std::move(label);
  f.type = type;
  f.required = required;
  f.default_value = std::move(default_value);
  f.help = std::move(help);
  f.group = group;
  return f;
}

}  // namespace

std::vector<notify::FieldDescriptor> M365Fields() {
  std::vector<FieldDescriptor> fields;

  auto server_name = Field("server_name", "Server Name", FieldType::kText, true, "",
                           "A name of your choice for this connection (1-64 characters), shown in "
                           "logs and reports, e.g. \"Contoso Exchange Online\".");
  server_name.max_length = 64;
  fields.push_back(server_name);

  auto port = Field("port", "Port", FieldType::kInteger, false, "587",
                    "SMTP submission port. Exchange Online accepts 587 with STARTTLS "
                    "(smtp.office365.com:587). 465 means implicit TLS; any other port uses "
                    "STARTTLS, which is always required before the login.");
  port.min = 1;
  port.max = 65535;
  fields.push_back(port);

  auto timeout = Field("timeout", "Timeout (seconds)", FieldType::kInteger, false, "120",
                       "Longest wait for any connect, read or write, and for each check at Save "
                       "(5-600 seconds).");
  timeout.min = 5;
  timeout.max = 600;
  fields.push_back(timeout);

  auto batch = Field("batch_size", "Batch Size", FieldType::kChoice, false, "medium",
                     "How many messages one SMTP connection carries: small = 10, medium = 30, "
                     "large = 100. Exchange Online allows 30 messages per minute and 3 "
                     "connections per mailbox.");
  batch.choices = {"small", "medium", "large"};
  fields.push_back(batch);

  fields.push_back(Field(
      "from_email", "From Email", FieldType::kEmail, true, "",
      "The mailbox the notifications are sent from, e.g. notifications@contoso.com. It must be "
      "a mailbox of your tenant (Exchange admin center > Recipients > Mailboxes) with SMTP AUTH "
      "enabled, and the app needs access to it: in Exchange Online PowerShell run "
      "Add-MailboxPermission -Identity <this address> -User <service principal> "
      "-AccessRights FullAccess."));

  fields.push_back(Field(
      "client_id", "Client ID", FieldType::kGuid, true, "",
      "Microsoft Entra admin center > Identity > Applications > App registrations > your app > "
      "Overview: \"Application (client) ID\". The app needs an application permission with "
      "\"Grant admin consent\" done (API permissions > Add a permission): Microsoft Graph > "
      "Mail.Send sends through Microsoft Graph; Office 365 Exchange Online > SMTP.SendAsApp "
      "(APIs my organization uses) sends through SMTP and is preferred when granted."));

  auto credential =
      Field("credential", "Credential", FieldType::kChoice, false, "secret",
            "How the app proves who it is: secret (Client Secret below) or certificate (a PEM "
            "file with a certificate and its private key; the certificate is uploaded to the "
            "app, the key never leaves this host). Microsoft recommends certificates.");
  credential.choices = {"secret", "certificate"};
  fields.push_back(credential);

  // Not required by the form: only with credential = secret (CheckCredential).
  auto secret = Field(
      "client_secret", "Client Secret", FieldType::kSecret, false, "",
      "With credential = secret. App registrations > your app > Certificates & secrets > Client "
      "secrets: the secret's \"Value\" column (shown only once, right after \"New client "
      "secret\"), not its \"Secret ID\". If the Value is no longer visible, create a new "
      "secret. Stored write-only.");
  fields.push_back(secret);

  auto expires = Field("secret_expires", "Client secret expires", FieldType::kText, false, "",
                       "Optional, with credential = secret: the secret's \"Expires\" date from "
                       "Certificates & secrets, as YYYY-MM-DD. Save warns from 30 days before "
                       "and the sender logs a warning every day until a new secret is saved.");
  expires.max_length = 10;
  fields.push_back(expires);

  fields.push_back(
      Field("certificate_file", "Certificate (PEM with private key)", FieldType::kPath, false, "",
            "With credential = certificate: the path of a PEM file holding the certificate and its "
            "unencrypted RSA private key, readable by the host's service account only (chmod 600). "
            "Upload the certificate (without the key) under App registrations > your app > "
            "Certificates & secrets > Certificates. Its expiry date drives the expiry warnings."));

  fields.push_back(Field(
      "tenant_id", "Tenant ID", FieldType::kGuidOrDomain, true, "",
      "App registrations > your app > Overview: \"Directory (tenant) ID\", or a verified domain "
      "of the tenant such as contoso.onmicrosoft.com. Not common, organizations or consumers: "
      "app-only sign-in needs your tenant. The app's service principal must also be registered "
      "in Exchange Online: New-ServicePrincipal -AppId <Client ID> -ObjectId <object ID from "
      "Enterprise applications, not from App registrations>."));

  auto cloud = Field("cloud", "National cloud", FieldType::kChoice, false, "global",
                     "Where the tenant lives: global (login.microsoftonline.com, "
                     "smtp.office365.com), usgov (GCC High), usgov-dod (DoD) or china (operated "
                     "by 21Vianet). An app registered in one cloud does not exist in another.",
                     FieldGroup::kAdvanced);
  cloud.choices = {"global", "usgov", "usgov-dod", "china"};
  fields.push_back(cloud);

  fields.push_back(Field("smtp_host", "SMTP host", FieldType::kText, false, "",
                         "Leave empty to use the national cloud's host (smtp.office365.com for "
                         "global). Set only to reach a test server; the server's certificate must "
                         "be issued for this name.",
                         FieldGroup::kAdvanced));

  fields.push_back(Field("authority_url", "Token authority", FieldType::kUrl, false, "",
                         "Leave empty to use the national cloud's sign-in host "
                         "(https://login.microsoftonline.com for global). An override must be "
                         "https://; tokens are requested from "
                         "<authority>/<tenant>/oauth2/v2.0/token.",
                         FieldGroup::kAdvanced));

  fields.push_back(Field("ca_file", "Extra trusted CA file (PEM)", FieldType::kPath, false, "",
                         "Optional path of a PEM file with CA certificates to trust in addition "
                         "to the system's (for example a TLS-inspecting proxy's CA). It never "
                         "replaces the system trust store.",
                         FieldGroup::kAdvanced));

  fields.push_back(Field(
      "https_proxy", "HTTPS proxy", FieldType::kUrl, false, "",
      "Optional HTTP proxy for the sign-in and Microsoft Graph requests, as http://host:port or "
      "http://user@host:port (the password goes in HTTPS proxy password). They pass through it "
      "as a CONNECT tunnel: TLS stays end to end. Empty: the host's HTTPS_PROXY and NO_PROXY "
      "environment variables, as curl reads them. SMTP never goes through it.",
      FieldGroup::kAdvanced));

  fields.push_back(Field("https_proxy_password", "HTTPS proxy password", FieldType::kSecret, false,
                         "",
                         "The password of the user named in HTTPS proxy, when the proxy asks for "
                         "one (Basic authentication). Kept as a secret.",
                         FieldGroup::kAdvanced));

  auto transport =
      Field("transport", "Sending route", FieldType::kChoice, false, "auto",
            "auto: Exchange Online SMTP when the app holds Office 365 Exchange Online > "
            "SMTP.SendAsApp, otherwise Microsoft Graph sendMail when it holds Microsoft Graph > "
            "Mail.Send (application permission with admin consent); Save shows the route it chose "
            "and why. smtp or graph: that route only.",
            FieldGroup::kAdvanced);
  transport.choices = {"auto", "smtp", "graph"};
  fields.push_back(transport);

  fields.push_back(Field("graph_url", "Graph endpoint", FieldType::kUrl, false, "",
                         "Leave empty to use the national cloud's Microsoft Graph host "
                         "(https://graph.microsoft.com for global). An override must be "
                         "https://; messages are sent to <endpoint>/v1.0/users/<From "
                         "Email>/sendMail.",
                         FieldGroup::kAdvanced));

  auto from_name = Field("from_name", "Sender display name", FieldType::kText, false, "",
                         "Optional name shown to recipients beside the From address, e.g. "
                         "\"Contoso Alerts\".",
                         FieldGroup::kAdvanced);
  from_name.max_length = 128;
  fields.push_back(from_name);

  auto keep_open = Field(
      "keep_open_seconds", "Keep connections open (seconds)", FieldType::kInteger, false, "60",
      "How long a connection stays open, idle, after a delivery, so that the next "
      "notifications go without a new connection and login (0-240 seconds; 0 closes it after "
      "every delivery). An idle connection counts towards the mailbox's 3 until it closes; "
      "another sender of the same mailbox that needs one makes it close at once.",
      FieldGroup::kAdvanced);
  keep_open.min = 0;
  keep_open.max = 240;
  fields.push_back(keep_open);

  return fields;
}

}  // namespace m365

// Local Microsoft 365 emulator: Entra ID token endpoint (client credentials),
// Exchange Online SMTP submission (STARTTLS + XOAUTH2) and Microsoft Graph
// sendMail (plus drafts and attachment upload sessions), faithful to
// docs/microsoft-365.md. Used in-process by tests and by the standalone
// `m365-emulator` program. Loopback only; test material only.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace m365emu {

// Values of the ready-made demo tenant (DemoConfig()).
inline constexpr const char* kDemoTenantId = "4f7c2a51-0d3e-4b8a-9c61-2e5f8d7a1b30";
inline constexpr const char* kDemoTenantDomain = "contoso.onmicrosoft.com";
inline constexpr const char* kDemoTenantVanityDomain = "contoso.com";
inline constexpr const char* kDemoClientId = "0b9d7e4c-6a21-4f3b-8e5d-7c1a2b3c4d5e";
inline constexpr const char* kDemoSecretValue = "Xq8~Demo.Secret_Value-1234567890abcdefgh";
inline constexpr const char* kDemoSecretId = "9a8b7c6d-1e2f-4a3b-8c4d-5e6f7a8b9c0d";
inline constexpr const char* kDemoMailbox = "notify@contoso.onmicrosoft.com";
inline constexpr const char* kDemoOtherMailbox = "other@contoso.onmicrosoft.com";
// Entra user object IDs of the two demo mailboxes (Graph accepts them or the UPN).
inline constexpr const char* kDemoMailboxUserId = "2b7e1d40-5c3a-4e9f-8a61-0d4c7b2e9f13";
inline constexpr const char* kDemoOtherMailboxUserId = "8c2f6a19-3d4e-4b70-9e15-6a7b8c9d0e21";
// Second demo app, set up the way the administrator's guide says: Microsoft
// Graph Mail.Send (application permission, admin consent) and nothing else.
inline constexpr const char* kDemoGraphClientId = "5d1e9c7a-2b4f-4c8e-a3d6-9f0b1c2d3e4f";
inline constexpr const char* kDemoGraphSecretValue = "Gr8~Demo.Graph_Secret-0987654321zyxwvuts";
inline constexpr const char* kDemoGraphSecretId = "3e4f5a6b-7c8d-4e9f-a0b1-c2d3e4f5a6b7";

// Resource identifiers (audiences) of the global cloud.
inline constexpr const char* kExchangeResource = "https://outlook.office365.com";
inline constexpr const char* kGraphResource = "https://graph.microsoft.com";
inline constexpr const char* kSmtpSendAsAppRole = "SMTP.SendAsApp";
inline constexpr const char* kGraphMailSendRole = "Mail.Send";
inline constexpr const char* kGraphMailReadWriteRole = "Mail.ReadWrite";

// A client secret of an app registration. `id` is the "Secret ID" column of
// the portal, `value` the "Value" shown once at creation.
struct Secret {
  std::string id;
  std::string value;
  // Unix seconds after which the secret is refused with AADSTS7000222;
  // 0 = never expires.
  std::int64_t expires_unix = 0;
};

// An app registration plus its enterprise application (service principal).
struct App {
  std::string client_id;
  std::string display_name = "Notify demo";
  // Object ID of the enterprise application; becomes the token's oid/sub.
  std::string service_principal_object_id;
  std::vector<Secret> secrets;
  // Certificates uploaded under Certificates & secrets > Certificates (PEM,
  // public part only). A client assertion must carry the x5t#S256 (or x5t)
  // of one of them and be signed with its key; outside the certificate's
  // validity period it is refused with AADSTS1000502.
  std::vector<std::string> certificates;
  // Granted (and consented) application roles per resource, e.g.
  // {"https://outlook.office365.com": {"SMTP.SendAsApp"}}. A resource absent
  // here still gets a token, without a `roles` claim (docs/microsoft-365.md, Token endpoint:
  // missing consent).
  std::map<std::string, std::vector<std::string>> roles;
  // New-ServicePrincipal done in Exchange Online.
  bool exchange_service_principal_registered = true;
  // Mailboxes on which Add-MailboxPermission -AccessRights FullAccess was
  // granted to this app (lower-case addresses).
  std::vector<std::string> mailbox_permissions;
  // Graph: an Application Access Policy (or RBAC for Applications scope)
  // restricting the app to these mailboxes (lower-case addresses); every
  // other mailbox gets 403 ErrorAccessDenied "Access to OData is disabled.".
  // nullopt: no policy, the app reaches every mailbox of its tenant.
  std::optional<std::vector<std::string>> application_access_policy;
};

enum class SmtpAuthSetting { kInherit, kEnabled, kDisabled };

struct Mailbox {
  std::string address;  // primary SMTP address, lower case
  // Set-CASMailbox -SmtpClientAuthenticationDisabled: kInherit follows the
  // tenant, kEnabled overrides a tenant-wide off, kDisabled always refuses.
  SmtpAuthSetting smtp_auth = SmtpAuthSetting::kInherit;
  // Other addresses this mailbox may use as envelope sender / From (SendAs).
  std::vector<std::string> send_as;
  // Entra object ID of the mailbox's user; Graph accepts it in place of the
  // address (the UPN, which equals the address here). Empty: address only.
  std::string user_id;
  // false: Graph answers MailboxNotEnabledForRESTAPI (unlicensed,
  // soft-deleted, guest or on-premises mailbox).
  bool rest_api_enabled = true;
};

struct Tenant {
  std::string id;                    // GUID
  std::vector<std::string> domains;  // verified domains, lower case
  bool smtp_auth_enabled = true;     // Set-TransportConfig -SmtpClientAuthenticationDisabled
  bool exchange_online = true;       // false: AADSTS500011 for the Exchange scope
  std::vector<App> apps;
  std::vector<Mailbox> mailboxes;
};

// Per-mailbox sending limits (docs/microsoft-365.md, Sending limits).
struct Limits {
  int messages_per_minute = 30;  // excess is delayed, never rejected
  // Length of the rate window in ms; 60000 in Exchange. Tests may shrink it.
  int rate_window_ms = 60000;
  int connections_per_mailbox = 3;  // the 4th AUTH gets 432 4.3.2
  int recipients_per_message = 500;
  int recipients_per_day = 10000;  // rolling 24 h, then 554 5.2.0
  std::size_t max_message_bytes = 35u * 1024u * 1024u;
  std::size_t max_header_bytes = 256u * 1024u;
  // Microsoft Graph (docs/microsoft-365.md, Microsoft Graph sendMail).
  int graph_concurrent_requests = 4;  // per app per mailbox; the 5th gets 429
  int graph_retry_after_seconds = 1;  // Retry-After of that 429 [unconfirmed]
  std::size_t graph_max_request_bytes = 4u * 1024u * 1024u;  // larger: 413
  // Upload sessions refuse smaller attachments (use a plain POST instead).
  std::size_t graph_min_upload_session_bytes = 3u * 1024u * 1024u;
  std::size_t graph_max_attachment_bytes = 150u * 1024u * 1024u;
};

struct Config {
  std::vector<Tenant> tenants;
  Limits limits;
  int token_lifetime_seconds = 3599;  // expires_in and exp - iat
  // Audiences of the Exchange and Graph scopes (change for national clouds).
  std::string exchange_resource = kExchangeResource;
  std::string graph_resource = kGraphResource;
  // Host name shown in the SMTP greeting, EHLO and replies.
  std::string smtp_hostname = "EM2P281CA0001.outlook.office365.com";
  int smtp_idle_timeout_seconds = 300;  // a silent client gets 421 4.4.1
  // true: a bad XOAUTH2 token first gets a `334 <base64 JSON error>` challenge
  // and the 535 only after the client's empty line (RFC 7628 style). Exchange
  // Online answers 535 directly [community], hence the default.
  bool xoauth2_error_challenge = false;
  // true: a missing mailbox permission passes AUTH and fails at end of DATA
  // with 430 4.2.0 STOREDRV; mailbox logon failure. false: 535 5.7.3 at AUTH.
  bool mailbox_permission_failure_at_data = false;

  // Parse a config JSON (format in tests/emulator/README.md). Fields absent
  // from the JSON keep the defaults above. Throws std::runtime_error naming
  // the field on malformed input.
  static Config FromJson(const std::string& json);
  static Config FromJsonFile(const std::string& path);
  // Serialises every field (round-trips through FromJson).
  std::string ToJson() const;
  // The demo tenant described by the kDemo* constants.
  static Config Demo();

  // Convenience lookups into the first tenant for tests that tweak the demo.
  Tenant& tenant() { return tenants.at(0); }
  App& app() { return tenants.at(0).apps.at(0); }
  Mailbox* FindMailbox(const std::string& address);
};

// Same as Config::Demo().
Config DemoConfig();

// Which certificate the SMTP server presents after STARTTLS.
enum class CertFault {
  kNone,         // "localhost", signed by ca_file()
  kWrongName,    // "wrong.example.test", signed by ca_file()
  kExpired,      // "localhost", signed by ca_file(), notAfter in the past
  kUntrustedCa,  // "localhost", signed by a CA that is not ca_file()
};

// Faults to inject. All off by default; SetFaults() applies them to new
// requests / connections (and to later replies of open SMTP sessions).
struct Faults {
  // --- token endpoint ---
  int token_http_429_retry_after = -1;  // >= 0: 429, plain-text body, this Retry-After
  bool token_http_500 = false;
  int token_delay_ms = 0;                      // before answering
  bool token_non_json_body = false;            // 200 with an HTML body
  std::size_t token_oversized_body_bytes = 0;  // > 0: 200 with a body this big
  // How many token requests the faults above apply to; -1 = all. Counts down.
  int token_fault_count = -1;

  // --- SMTP ---
  bool smtp_no_starttls = false;  // STARTTLS neither advertised nor accepted
  CertFault smtp_certificate = CertFault::kNone;
  bool smtp_421_at_greeting = false;          // 421 4.3.2 then close
  int smtp_drop_after_messages = 0;           // > 0: close after accepting N messages
  bool smtp_drop_mid_data = false;            // close after part of the DATA was read
  bool smtp_drop_after_data = false;          // close after the final "." without reply
  int smtp_reply_delay_ms = 0;                // delay every reply
  bool smtp_silent_after_connect = false;     // no greeting, read and ignore
  bool smtp_silent_after_ehlo = false;        // no reply to EHLO/HELO and after
  bool smtp_silent_after_data = false;        // no reply after the final "."
  bool smtp_silent_at_starttls = false;       // no reply to STARTTLS
  bool smtp_silent_in_tls_handshake = false;  // 220 to STARTTLS, then no TLS handshake
  bool smtp_silent_at_auth = false;           // no reply to AUTH
  bool smtp_silent_at_mail = false;           // no reply to MAIL FROM
  int smtp_idle_timeout_seconds = 0;          // > 0: overrides the config
  // RCPT TO address (lower case) -> the complete reply to send, e.g.
  // "450 4.2.1 Mailbox busy" or "550 5.1.10 RESOLVER.ADR.RecipientNotFound".
  std::map<std::string, std::string> smtp_rcpt_replies;

  // --- Microsoft Graph (every request on graph_url(), upload PUTs too) ---
  // Applied after the token, mailbox and concurrency checks, while the
  // request holds its mailbox slot: graph_delay_ms is also how tests keep
  // requests in flight. Setting new faults with graph_delay_ms 0 releases
  // requests that are being held.
  int graph_delay_ms = 0;               // hold the request n ms, then go on
  bool graph_http_500 = false;          // 500 InternalServerError
  int graph_http_503_retry_after = -1;  // >= 0: 503 with this Retry-After
  int graph_http_429_retry_after = -1;  // >= 0: 429 TooManyRequests, this Retry-After
  bool graph_drop = false;              // close the connection without a reply
  // How many Graph requests the faults above apply to; -1 = all. Counts down.
  int graph_fault_count = -1;

  // Parses {"smtp_drop_mid_data": true, ...} or a whole config file with a
  // "faults" object (keys = field names; smtp_certificate is "none",
  // "wrong_name", "expired" or "untrusted_ca"). Throws std::runtime_error.
  static Faults FromJson(const std::string& json);
  std::string ToJson() const;
};

// One message accepted: with 250 at end of DATA (SMTP) or with 202 (Graph).
struct ReceivedMessage {
  std::string route = "smtp";  // "smtp" or "graph"
  std::string envelope_from;
  std::vector<std::string> recipients;
  std::string raw;  // MIME as received, after un-dot-stuffing, CRLF line ends
  std::string authenticated_mailbox;
  std::string client_id;           // appid of the token used
  std::uint64_t connection = 0;    // 1-based SMTP connection number
  std::string spool_file;          // path of the .eml in spool_dir()
  std::string message_id;          // as quoted in the 250 reply; Message-ID on Graph
  bool save_to_sent_items = true;  // Graph sendMail's saveToSentItems
};

struct Stats {
  std::uint64_t token_requests = 0;
  std::uint64_t token_successes = 0;
  std::map<int, std::uint64_t> token_http_status;   // status -> count
  std::map<long, std::uint64_t> token_error_codes;  // AADSTS code -> count
  std::uint64_t smtp_connections = 0;
  std::uint64_t current_connections = 0;
  std::uint64_t max_concurrent_connections = 0;
  std::uint64_t starttls_count = 0;
  std::uint64_t auth_attempts = 0;
  std::uint64_t auth_successes = 0;
  // Why AUTHs failed, e.g. "no SMTP.SendAsApp role", "token expired" -> count.
  std::map<std::string, std::uint64_t> auth_failure_reasons;
  std::uint64_t messages_accepted = 0;
  std::uint64_t messages_delayed = 0;  // 250 held back by the rate limit
  // "535 5.7.3" style key (code + enhanced code, or code alone) -> count.
  std::map<std::string, std::uint64_t> smtp_reply_counts;
  // Every SMTP reply line sent (first line of multi-line replies), oldest
  // first, capped at the last 10000.
  std::vector<std::string> smtp_replies;
  // Microsoft Graph: requests, HTTP status -> count, error code -> count,
  // requests being handled now, and the most ever in flight at once for one
  // app and mailbox (the 429 MailboxConcurrency limit counts the same way).
  std::uint64_t graph_requests = 0;
  std::map<int, std::uint64_t> graph_http_status;
  std::map<std::string, std::uint64_t> graph_error_codes;
  std::uint64_t graph_in_flight = 0;
  std::uint64_t graph_max_in_flight_per_mailbox = 0;

  std::string ToJson() const;
};

// Options for Emulator::MintToken (test helper for negative SMTP cases).
struct MintOptions {
  std::string tenant_id;  // empty: first tenant
  std::string client_id;  // empty: first app of that tenant
  std::string audience;   // empty: config.exchange_resource
  // Roles claim; nullopt: what the app was granted for `audience`. An empty
  // vector means "no roles claim".
  std::optional<std::vector<std::string>> roles;
  int lifetime_seconds = -1;                  // < 0: config.token_lifetime_seconds
  std::int64_t issued_at_offset_seconds = 0;  // e.g. -7200 for an expired token
  bool foreign_key = false;                   // sign with a key the emulator does not trust
};

class Emulator {
 public:
  // Starts the token endpoint (HTTPS), the SMTP listener and Graph (HTTPS) on 127.0.0.1,
  // ephemeral ports. Creates state_dir if needed and writes the TLS material
  // (tls/), the spool (spool/) into it. Throws std::runtime_error on failure.
  Emulator(Config config, std::string state_dir);
  ~Emulator();  // calls Stop()
  Emulator(const Emulator&) = delete;
  Emulator& operator=(const Emulator&) = delete;

  // "https://localhost:PORT" (the authority to configure instead of
  // https://login.microsoftonline.com).
  std::string authority() const;
  // authority() + "/" + tenant + "/oauth2/v2.0/token".
  std::string token_url(const std::string& tenant) const;
  int token_port() const;
  std::string smtp_host() const { return "localhost"; }
  int smtp_port() const;
  // "https://localhost:PORT": the Graph root to configure instead of
  // https://graph.microsoft.com (requests go to {graph_url}/v1.0/users/...).
  std::string graph_url() const;
  int graph_port() const;
  // PEM of the CA that signed the localhost certificates (token, SMTP, Graph).
  std::string ca_file() const;
  std::string spool_dir() const;
  std::string state_dir() const;

  std::vector<ReceivedMessage> received() const;
  // Waits until at least `count` messages were accepted; false on timeout.
  bool WaitForMessages(std::size_t count, std::chrono::milliseconds timeout) const;
  Stats stats() const;

  void SetFaults(const Faults& faults);
  Faults faults() const;
  // Hot swap: new token requests, AUTHs and messages use the new config.
  void SetConfig(Config config);
  Config config() const;
  // Zeroes Stats and forgets received() (the spool files stay).
  void ResetCounters();

  // A token signed like the token endpoint's (or with a foreign key).
  std::string MintToken(const MintOptions& options = {}) const;

  // Closes listeners and open connections, joins every thread. Idempotent,
  // returns within about a second.
  void Stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace m365emu

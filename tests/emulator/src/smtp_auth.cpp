#include "smtp_auth.hpp"

#include <algorithm>

#include "util.hpp"

namespace m365emu::detail {
namespace {

// Exchange Online's first-party application ID; older tokens carry it as aud.
constexpr const char* kExchangeAppId = "00000002-0000-0ff1-ce00-000000000000";
constexpr std::int64_t kClockSkewSeconds = 300;

AuthOutcome Refuse(const std::string& reason) {
  AuthOutcome o;
  o.code = 535;
  o.reply = "535 5.7.3 Authentication unsuccessful";
  o.reason = reason;
  return o;
}

bool Contains(const std::vector<std::string>& v, const std::string& s) {
  return std::find(v.begin(), v.end(), s) != v.end();
}

}  // namespace

AuthOutcome EvaluateXoauth2(State& state, const Config& config, const std::string& response_b64) {
  std::string decoded;
  if (response_b64.empty() || !Base64Decode(response_b64, &decoded))
    return Refuse("malformed XOAUTH2 response");
  // user=<mailbox>^Aauth=Bearer <token>^A^A
  std::string user, auth;
  std::size_t pos = 0;
  while (pos < decoded.size()) {
    std::size_t end = decoded.find('\x01', pos);
    if (end == std::string::npos) end = decoded.size();
    std::string part = decoded.substr(pos, end - pos);
    if (part.rfind("user=", 0) == 0) user = part.substr(5);
    if (part.rfind("auth=", 0) == 0) auth = part.substr(5);
    pos = end + 1;
  }
  if (user.empty() || !StartsWithNoCase(auth, "Bearer "))
    return Refuse("malformed XOAUTH2 response");
  const std::string jwt = Trim(auth.substr(7));
  const std::string mailbox = ToLower(Trim(user));

  auto token = state.signer().Verify(jwt);
  if (!token) return Refuse("token signature invalid");
  const std::int64_t now = NowUnix();
  if (token->expires_at <= now) return Refuse("token expired");
  if (token->not_before > now + kClockSkewSeconds) return Refuse("token not yet valid");
  const std::string& aud = token->audience;
  if (aud != config.exchange_resource && aud != config.exchange_resource + "/" &&
      aud != kExchangeAppId) {
    return Refuse("token audience is not " + config.exchange_resource);
  }
  const Tenant* tenant = nullptr;
  for (const auto& t : config.tenants)
    if (t.id == token->tenant_id) tenant = &t;
  if (!tenant || token->issuer != "https://sts.windows.net/" + token->tenant_id + "/")
    return Refuse("token tenant unknown");
  const Mailbox* mbx = nullptr;
  for (const auto& m : tenant->mailboxes)
    if (m.address == mailbox) mbx = &m;
  if (!mbx) return Refuse("mailbox not found in tenant");

  const bool auth_enabled =
      mbx->smtp_auth == SmtpAuthSetting::kEnabled ||
      (mbx->smtp_auth == SmtpAuthSetting::kInherit && tenant->smtp_auth_enabled);
  if (!auth_enabled) {
    AuthOutcome o;
    o.code = 535;
    const bool by_mailbox = mbx->smtp_auth == SmtpAuthSetting::kDisabled;
    o.reason =
        by_mailbox ? "SMTP AUTH disabled for the mailbox" : "SMTP AUTH disabled for the tenant";
    o.reply = std::string(
                  "535 5.7.139 Authentication unsuccessful, SmtpClientAuthentication is disabled "
                  "for the ") +
              (by_mailbox ? "Mailbox" : "Tenant") +
              ". Visit https://aka.ms/smtp_auth_disabled for more information.";
    return o;
  }
  if (!Contains(token->roles, kSmtpSendAsAppRole)) return Refuse("no SMTP.SendAsApp role");
  const App* app = nullptr;
  for (const auto& a : tenant->apps)
    if (a.client_id == ToLower(token->client_id)) app = &a;
  if (!app || !app->exchange_service_principal_registered)
    return Refuse("service principal not registered in Exchange");
  const bool permitted = Contains(app->mailbox_permissions, mailbox);
  if (!permitted && !config.mailbox_permission_failure_at_data)
    return Refuse("no mailbox permission");

  AuthOutcome o;
  o.ok = true;
  o.mailbox = mailbox;
  o.client_id = app->client_id;
  o.fail_at_data = !permitted;
  return o;
}

bool SenderAllowed(const Config& config, const std::string& mailbox, const std::string& address) {
  const std::string a = ToLower(address);
  if (a == mailbox) return true;
  for (const auto& t : config.tenants)
    for (const auto& m : t.mailboxes)
      if (m.address == mailbox) return Contains(m.send_as, a);
  return false;
}

namespace {
std::string AddressOf(const std::string& value) {
  std::size_t lt = value.rfind('<');
  if (lt != std::string::npos) {
    std::size_t gt = value.find('>', lt);
    if (gt != std::string::npos) return ToLower(Trim(value.substr(lt + 1, gt - lt - 1)));
  }
  std::string v = Trim(value);
  std::size_t paren = v.find('(');  // "a@b (Name)"
  if (paren != std::string::npos) v = Trim(v.substr(0, paren));
  return ToLower(v);
}
}  // namespace

MessageHeaders ParseHeaders(const std::string& raw) {
  MessageHeaders h;
  std::size_t end = raw.find("\r\n\r\n");
  h.header_bytes = end == std::string::npos ? raw.size() : end + 2;
  if (raw.rfind("\r\n", 0) == 0) h.header_bytes = 0;
  // Unfold and walk the header lines.
  std::string current;
  auto flush = [&] {
    std::size_t colon = current.find(':');
    if (colon != std::string::npos) {
      std::string name = ToLower(Trim(current.substr(0, colon)));
      std::string value = current.substr(colon + 1);
      if (name == "from" && h.from.empty()) h.from = AddressOf(value);
      if (name == "message-id" && h.message_id.empty()) h.message_id = Trim(value);
    }
    current.clear();
  };
  std::size_t pos = 0;
  while (pos < h.header_bytes) {
    std::size_t nl = raw.find("\r\n", pos);
    if (nl == std::string::npos || nl > h.header_bytes) nl = h.header_bytes;
    std::string line = raw.substr(pos, nl - pos);
    pos = nl + 2;
    if (!line.empty() && (line[0] == ' ' || line[0] == '\t')) {
      current += line;
    } else {
      flush();
      current = line;
    }
  }
  flush();
  return h;
}

}  // namespace m365emu::detail

// Config and Faults <-> JSON, and the demo tenant.
#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <Poco/JSON/Stringifier.h>

#include <fstream>
#include <sstream>
#include <stdexcept>

#include "m365emu/emulator.hpp"
#include "util.hpp"

namespace m365emu {
namespace {

using Poco::JSON::Array;
using Poco::JSON::Object;

[[noreturn]] void Fail(const std::string& path, const std::string& what) {
  throw std::runtime_error("emulator config: " + path + ": " + what);
}

Object::Ptr AsObject(const Poco::Dynamic::Var& v, const std::string& path) {
  if (v.type() != typeid(Object::Ptr)) Fail(path, "expected an object");
  return v.extract<Object::Ptr>();
}

Array::Ptr AsArray(const Poco::Dynamic::Var& v, const std::string& path) {
  if (v.type() != typeid(Array::Ptr)) Fail(path, "expected an array");
  return v.extract<Array::Ptr>();
}

void Known(const Object::Ptr& o, const std::string& path, std::initializer_list<const char*> keys) {
  for (const auto& [k, v] : *o) {
    bool ok = false;
    for (const char* key : keys) ok = ok || k == key;
    if (!ok) Fail(path + "." + k, "unknown key");
  }
}

void Get(const Object::Ptr& o, const std::string& path, const char* key, std::string* out) {
  if (!o->has(key)) return;
  auto v = o->get(key);
  if (!v.isString()) Fail(path + "." + key, "expected a string");
  *out = v.extract<std::string>();
}

void Get(const Object::Ptr& o, const std::string& path, const char* key, bool* out) {
  if (!o->has(key)) return;
  auto v = o->get(key);
  if (!v.isBoolean()) Fail(path + "." + key, "expected true or false");
  *out = v.convert<bool>();
}

template <typename Int>
void GetInt(const Object::Ptr& o, const std::string& path, const char* key, Int* out) {
  if (!o->has(key)) return;
  auto v = o->get(key);
  if (!v.isInteger()) Fail(path + "." + key, "expected an integer");
  *out = static_cast<Int>(v.convert<std::int64_t>());
}

void Get(const Object::Ptr& o, const std::string& path, const char* key,
         std::vector<std::string>* out) {
  if (!o->has(key)) return;
  auto a = AsArray(o->get(key), path + "." + key);
  out->clear();
  for (std::size_t i = 0; i < a->size(); ++i) {
    auto v = a->get(static_cast<unsigned>(i));
    if (!v.isString()) Fail(path + "." + key + "[" + std::to_string(i) + "]", "expected a string");
    out->push_back(v.extract<std::string>());
  }
}

Array::Ptr ToArray(const std::vector<std::string>& v) {
  Array::Ptr a = new Array;
  for (const auto& s : v) a->add(s);
  return a;
}

std::string Stringify(const Object::Ptr& o) {
  std::ostringstream out;
  Poco::JSON::Stringifier::stringify(o, out, 2);
  return out.str() + "\n";
}

Object::Ptr ParseObject(const std::string& json, const char* what) {
  try {
    Poco::JSON::Parser parser;
    return AsObject(parser.parse(json), what);
  } catch (const Poco::Exception& e) {
    Fail(what, "not valid JSON: " + e.displayText());
  }
}

const char* SmtpAuthName(SmtpAuthSetting s) {
  switch (s) {
    case SmtpAuthSetting::kEnabled:
      return "enabled";
    case SmtpAuthSetting::kDisabled:
      return "disabled";
    default:
      return "inherit";
  }
}

const char* CertFaultName(CertFault c) {
  switch (c) {
    case CertFault::kWrongName:
      return "wrong_name";
    case CertFault::kExpired:
      return "expired";
    case CertFault::kUntrustedCa:
      return "untrusted_ca";
    default:
      return "none";
  }
}

}  // namespace

Config Config::FromJson(const std::string& json) {
  Object::Ptr root = ParseObject(json, "config");
  Known(root, "config",
        {"tenants", "limits", "token_lifetime_seconds", "exchange_resource", "graph_resource",
         "smtp_hostname", "smtp_idle_timeout_seconds", "xoauth2_error_challenge",
         "mailbox_permission_failure_at_data", "faults", "comment"});
  Config c;
  if (root->has("tenants")) {
    auto tenants = AsArray(root->get("tenants"), "tenants");
    for (std::size_t i = 0; i < tenants->size(); ++i) {
      std::string tp = "tenants[" + std::to_string(i) + "]";
      auto to = AsObject(tenants->get(static_cast<unsigned>(i)), tp);
      Known(to, tp,
            {"id", "domains", "smtp_auth_enabled", "exchange_online", "apps", "mailboxes",
             "comment"});
      Tenant t;
      Get(to, tp, "id", &t.id);
      if (!detail::LooksLikeGuid(t.id)) Fail(tp + ".id", "expected a GUID");
      t.id = detail::ToLower(t.id);
      Get(to, tp, "domains", &t.domains);
      for (auto& d : t.domains) d = detail::ToLower(d);
      Get(to, tp, "smtp_auth_enabled", &t.smtp_auth_enabled);
      Get(to, tp, "exchange_online", &t.exchange_online);
      if (to->has("apps")) {
        auto apps = AsArray(to->get("apps"), tp + ".apps");
        for (std::size_t j = 0; j < apps->size(); ++j) {
          std::string ap = tp + ".apps[" + std::to_string(j) + "]";
          auto ao = AsObject(apps->get(static_cast<unsigned>(j)), ap);
          Known(ao, ap,
                {"client_id", "display_name", "service_principal_object_id", "secrets",
                 "certificates", "roles", "exchange_service_principal_registered",
                 "mailbox_permissions", "application_access_policy", "comment"});
          App a;
          Get(ao, ap, "client_id", &a.client_id);
          a.client_id = detail::ToLower(a.client_id);
          Get(ao, ap, "display_name", &a.display_name);
          Get(ao, ap, "service_principal_object_id", &a.service_principal_object_id);
          Get(ao, ap, "exchange_service_principal_registered",
              &a.exchange_service_principal_registered);
          Get(ao, ap, "mailbox_permissions", &a.mailbox_permissions);
          for (auto& m : a.mailbox_permissions) m = detail::ToLower(m);
          if (ao->has("application_access_policy") &&
              !ao->get("application_access_policy").isEmpty()) {
            std::vector<std::string> scope;
            Get(ao, ap, "application_access_policy", &scope);
            for (auto& m : scope) m = detail::ToLower(m);
            a.application_access_policy = scope;
          }
          if (ao->has("secrets")) {
            auto secrets = AsArray(ao->get("secrets"), ap + ".secrets");
            for (std::size_t k = 0; k < secrets->size(); ++k) {
              std::string sp = ap + ".secrets[" + std::to_string(k) + "]";
              auto so = AsObject(secrets->get(static_cast<unsigned>(k)), sp);
              Known(so, sp, {"id", "value", "expires_unix", "comment"});
              Secret s;
              Get(so, sp, "id", &s.id);
              Get(so, sp, "value", &s.value);
              GetInt(so, sp, "expires_unix", &s.expires_unix);
              a.secrets.push_back(s);
            }
          }
          Get(ao, ap, "certificates", &a.certificates);
          if (ao->has("roles")) {
            auto ro = AsObject(ao->get("roles"), ap + ".roles");
            for (const auto& [resource, v] : *ro) {
              std::vector<std::string> list;
              Get(ro, ap + ".roles", resource.c_str(), &list);
              a.roles[resource] = list;
            }
          }
          t.apps.push_back(a);
        }
      }
      if (to->has("mailboxes")) {
        auto mbs = AsArray(to->get("mailboxes"), tp + ".mailboxes");
        for (std::size_t j = 0; j < mbs->size(); ++j) {
          std::string mp = tp + ".mailboxes[" + std::to_string(j) + "]";
          auto mo = AsObject(mbs->get(static_cast<unsigned>(j)), mp);
          Known(mo, mp,
                {"address", "smtp_auth", "send_as", "user_id", "rest_api_enabled", "comment"});
          Mailbox m;
          Get(mo, mp, "address", &m.address);
          m.address = detail::ToLower(m.address);
          std::string sa = "inherit";
          Get(mo, mp, "smtp_auth", &sa);
          if (sa == "inherit") {
            m.smtp_auth = SmtpAuthSetting::kInherit;
          } else if (sa == "enabled") {
            m.smtp_auth = SmtpAuthSetting::kEnabled;
          } else if (sa == "disabled") {
            m.smtp_auth = SmtpAuthSetting::kDisabled;
          } else {
            Fail(mp + ".smtp_auth", "expected inherit, enabled or disabled");
          }
          Get(mo, mp, "send_as", &m.send_as);
          for (auto& s : m.send_as) s = detail::ToLower(s);
          Get(mo, mp, "user_id", &m.user_id);
          if (!m.user_id.empty() && !detail::LooksLikeGuid(m.user_id))
            Fail(mp + ".user_id", "expected a GUID (the user's object ID) or no key");
          m.user_id = detail::ToLower(m.user_id);
          Get(mo, mp, "rest_api_enabled", &m.rest_api_enabled);
          t.mailboxes.push_back(m);
        }
      }
      c.tenants.push_back(t);
    }
  }
  if (root->has("limits")) {
    auto lo = AsObject(root->get("limits"), "limits");
    Known(lo, "limits",
          {"messages_per_minute", "rate_window_ms", "connections_per_mailbox",
           "recipients_per_message", "recipients_per_day", "max_message_bytes", "max_header_bytes",
           "graph_concurrent_requests", "graph_retry_after_seconds", "graph_max_request_bytes",
           "graph_min_upload_session_bytes", "graph_max_attachment_bytes", "comment"});
    GetInt(lo, "limits", "messages_per_minute", &c.limits.messages_per_minute);
    GetInt(lo, "limits", "rate_window_ms", &c.limits.rate_window_ms);
    GetInt(lo, "limits", "connections_per_mailbox", &c.limits.connections_per_mailbox);
    GetInt(lo, "limits", "recipients_per_message", &c.limits.recipients_per_message);
    GetInt(lo, "limits", "recipients_per_day", &c.limits.recipients_per_day);
    GetInt(lo, "limits", "max_message_bytes", &c.limits.max_message_bytes);
    GetInt(lo, "limits", "max_header_bytes", &c.limits.max_header_bytes);
    GetInt(lo, "limits", "graph_concurrent_requests", &c.limits.graph_concurrent_requests);
    GetInt(lo, "limits", "graph_retry_after_seconds", &c.limits.graph_retry_after_seconds);
    GetInt(lo, "limits", "graph_max_request_bytes", &c.limits.graph_max_request_bytes);
    GetInt(lo, "limits", "graph_min_upload_session_bytes",
           &c.limits.graph_min_upload_session_bytes);
    GetInt(lo, "limits", "graph_max_attachment_bytes", &c.limits.graph_max_attachment_bytes);
  }
  GetInt(root, "config", "token_lifetime_seconds", &c.token_lifetime_seconds);
  Get(root, "config", "exchange_resource", &c.exchange_resource);
  Get(root, "config", "graph_resource", &c.graph_resource);
  Get(root, "config", "smtp_hostname", &c.smtp_hostname);
  GetInt(root, "config", "smtp_idle_timeout_seconds", &c.smtp_idle_timeout_seconds);
  Get(root, "config", "xoauth2_error_challenge", &c.xoauth2_error_challenge);
  Get(root, "config", "mailbox_permission_failure_at_data", &c.mailbox_permission_failure_at_data);
  // "faults" is read by Faults::FromConfigJson for the standalone program.
  return c;
}

Config Config::FromJsonFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("emulator config: cannot read " + path);
  std::stringstream ss;
  ss << in.rdbuf();
  return FromJson(ss.str());
}

std::string Config::ToJson() const {
  Object::Ptr root = new Object(Poco::JSON_PRESERVE_KEY_ORDER);
  Array::Ptr tenants_json = new Array;
  for (const auto& t : tenants) {
    Object::Ptr to = new Object(Poco::JSON_PRESERVE_KEY_ORDER);
    to->set("id", t.id);
    to->set("domains", ToArray(t.domains));
    to->set("smtp_auth_enabled", t.smtp_auth_enabled);
    to->set("exchange_online", t.exchange_online);
    Array::Ptr apps = new Array;
    for (const auto& a : t.apps) {
      Object::Ptr ao = new Object(Poco::JSON_PRESERVE_KEY_ORDER);
      ao->set("client_id", a.client_id);
      ao->set("display_name", a.display_name);
      ao->set("service_principal_object_id", a.service_principal_object_id);
      Array::Ptr secrets = new Array;
      for (const auto& s : a.secrets) {
        Object::Ptr so = new Object(Poco::JSON_PRESERVE_KEY_ORDER);
        so->set("id", s.id);
        so->set("value", s.value);
        so->set("expires_unix", s.expires_unix);
        secrets->add(so);
      }
      ao->set("secrets", secrets);
      ao->set("certificates", ToArray(a.certificates));
      Object::Ptr roles = new Object(Poco::JSON_PRESERVE_KEY_ORDER);
      for (const auto& [resource, list] : a.roles) roles->set(resource, ToArray(list));
      ao->set("roles", roles);
      ao->set("exchange_service_principal_registered", a.exchange_service_principal_registered);
      ao->set("mailbox_permissions", ToArray(a.mailbox_permissions));
      if (a.application_access_policy)
        ao->set("application_access_policy", ToArray(*a.application_access_policy));
      apps->add(ao);
    }
    to->set("apps", apps);
    Array::Ptr mbs = new Array;
    for (const auto& m : t.mailboxes) {
      Object::Ptr mo = new Object(Poco::JSON_PRESERVE_KEY_ORDER);
      mo->set("address", m.address);
      mo->set("smtp_auth", std::string(SmtpAuthName(m.smtp_auth)));
      mo->set("send_as", ToArray(m.send_as));
      if (!m.user_id.empty()) mo->set("user_id", m.user_id);
      mo->set("rest_api_enabled", m.rest_api_enabled);
      mbs->add(mo);
    }
    to->set("mailboxes", mbs);
    tenants_json->add(to);
  }
  root->set("tenants", tenants_json);
  Object::Ptr lo = new Object(Poco::JSON_PRESERVE_KEY_ORDER);
  lo->set("messages_per_minute", limits.messages_per_minute);
  lo->set("rate_window_ms", limits.rate_window_ms);
  lo->set("connections_per_mailbox", limits.connections_per_mailbox);
  lo->set("recipients_per_message", limits.recipients_per_message);
  lo->set("recipients_per_day", limits.recipients_per_day);
  lo->set("max_message_bytes", static_cast<std::uint64_t>(limits.max_message_bytes));
  lo->set("max_header_bytes", static_cast<std::uint64_t>(limits.max_header_bytes));
  lo->set("graph_concurrent_requests", limits.graph_concurrent_requests);
  lo->set("graph_retry_after_seconds", limits.graph_retry_after_seconds);
  lo->set("graph_max_request_bytes", static_cast<std::uint64_t>(limits.graph_max_request_bytes));
  lo->set("graph_min_upload_session_bytes",
          static_cast<std::uint64_t>(limits.graph_min_upload_session_bytes));
  lo->set("graph_max_attachment_bytes",
          static_cast<std::uint64_t>(limits.graph_max_attachment_bytes));
  root->set("limits", lo);
  root->set("token_lifetime_seconds", token_lifetime_seconds);
  root->set("exchange_resource", exchange_resource);
  root->set("graph_resource", graph_resource);
  root->set("smtp_hostname", smtp_hostname);
  root->set("smtp_idle_timeout_seconds", smtp_idle_timeout_seconds);
  root->set("xoauth2_error_challenge", xoauth2_error_challenge);
  root->set("mailbox_permission_failure_at_data", mailbox_permission_failure_at_data);
  return Stringify(root);
}

Mailbox* Config::FindMailbox(const std::string& address) {
  std::string a = detail::ToLower(address);
  for (auto& t : tenants)
    for (auto& m : t.mailboxes)
      if (m.address == a) return &m;
  return nullptr;
}

Config Config::Demo() {
  Config c;
  Tenant t;
  t.id = kDemoTenantId;
  t.domains = {kDemoTenantDomain, kDemoTenantVanityDomain};
  App a;
  a.client_id = kDemoClientId;
  a.display_name = "Notify demo";
  a.service_principal_object_id = "6e5d4c3b-2a19-4f08-b7e6-d5c4b3a29180";
  a.secrets.push_back(Secret{kDemoSecretId, kDemoSecretValue, 0});
  a.roles[kExchangeResource] = {kSmtpSendAsAppRole};
  a.exchange_service_principal_registered = true;
  a.mailbox_permissions = {kDemoMailbox};
  t.apps.push_back(a);
  // The administrator's guide's setup: Graph Mail.Send only, no Exchange
  // role, no New-ServicePrincipal, no Add-MailboxPermission.
  App g;
  g.client_id = kDemoGraphClientId;
  g.display_name = "Notify demo (Graph)";
  g.service_principal_object_id = "1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d";
  g.secrets.push_back(Secret{kDemoGraphSecretId, kDemoGraphSecretValue, 0});
  g.roles[kGraphResource] = {kGraphMailSendRole};
  g.exchange_service_principal_registered = false;
  t.apps.push_back(g);
  t.mailboxes.push_back(
      Mailbox{kDemoMailbox, SmtpAuthSetting::kInherit, {}, kDemoMailboxUserId, true});
  t.mailboxes.push_back(
      Mailbox{kDemoOtherMailbox, SmtpAuthSetting::kInherit, {}, kDemoOtherMailboxUserId, true});
  c.tenants.push_back(t);
  return c;
}

Config DemoConfig() { return Config::Demo(); }

Faults Faults::FromJson(const std::string& json) {
  Object::Ptr o = ParseObject(json, "faults");
  if (o->has("faults")) {
    o = AsObject(o->get("faults"), "faults");
  } else if (o->has("tenants")) {
    return Faults{};  // a config file without faults
  }
  const std::string p = "faults";
  Known(o, p,
        {"token_http_429_retry_after",
         "token_http_500",
         "token_delay_ms",
         "token_non_json_body",
         "token_oversized_body_bytes",
         "token_fault_count",
         "smtp_no_starttls",
         "smtp_certificate",
         "smtp_421_at_greeting",
         "smtp_drop_after_messages",
         "smtp_drop_mid_data",
         "smtp_drop_after_data",
         "smtp_reply_delay_ms",
         "smtp_silent_after_connect",
         "smtp_silent_after_ehlo",
         "smtp_silent_after_data",
         "smtp_silent_at_starttls",
         "smtp_silent_in_tls_handshake",
         "smtp_silent_at_auth",
         "smtp_silent_at_mail",
         "smtp_idle_timeout_seconds",
         "smtp_rcpt_replies",
         "graph_delay_ms",
         "graph_http_500",
         "graph_http_503_retry_after",
         "graph_http_429_retry_after",
         "graph_drop",
         "graph_fault_count",
         "comment"});
  Faults f;
  GetInt(o, p, "token_http_429_retry_after", &f.token_http_429_retry_after);
  Get(o, p, "token_http_500", &f.token_http_500);
  GetInt(o, p, "token_delay_ms", &f.token_delay_ms);
  Get(o, p, "token_non_json_body", &f.token_non_json_body);
  GetInt(o, p, "token_oversized_body_bytes", &f.token_oversized_body_bytes);
  GetInt(o, p, "token_fault_count", &f.token_fault_count);
  Get(o, p, "smtp_no_starttls", &f.smtp_no_starttls);
  std::string cert = "none";
  Get(o, p, "smtp_certificate", &cert);
  if (cert == "none") {
    f.smtp_certificate = CertFault::kNone;
  } else if (cert == "wrong_name") {
    f.smtp_certificate = CertFault::kWrongName;
  } else if (cert == "expired") {
    f.smtp_certificate = CertFault::kExpired;
  } else if (cert == "untrusted_ca") {
    f.smtp_certificate = CertFault::kUntrustedCa;
  } else {
    Fail(p + ".smtp_certificate", "expected none, wrong_name, expired or untrusted_ca");
  }
  Get(o, p, "smtp_421_at_greeting", &f.smtp_421_at_greeting);
  GetInt(o, p, "smtp_drop_after_messages", &f.smtp_drop_after_messages);
  Get(o, p, "smtp_drop_mid_data", &f.smtp_drop_mid_data);
  Get(o, p, "smtp_drop_after_data", &f.smtp_drop_after_data);
  GetInt(o, p, "smtp_reply_delay_ms", &f.smtp_reply_delay_ms);
  Get(o, p, "smtp_silent_after_connect", &f.smtp_silent_after_connect);
  Get(o, p, "smtp_silent_after_ehlo", &f.smtp_silent_after_ehlo);
  Get(o, p, "smtp_silent_after_data", &f.smtp_silent_after_data);
  Get(o, p, "smtp_silent_at_starttls", &f.smtp_silent_at_starttls);
  Get(o, p, "smtp_silent_in_tls_handshake", &f.smtp_silent_in_tls_handshake);
  Get(o, p, "smtp_silent_at_auth", &f.smtp_silent_at_auth);
  Get(o, p, "smtp_silent_at_mail", &f.smtp_silent_at_mail);
  GetInt(o, p, "smtp_idle_timeout_seconds", &f.smtp_idle_timeout_seconds);
  if (o->has("smtp_rcpt_replies")) {
    auto ro = AsObject(o->get("smtp_rcpt_replies"), p + ".smtp_rcpt_replies");
    for (const auto& [addr, v] : *ro) {
      if (!v.isString()) Fail(p + ".smtp_rcpt_replies." + addr, "expected a string");
      f.smtp_rcpt_replies[detail::ToLower(addr)] = v.extract<std::string>();
    }
  }
  GetInt(o, p, "graph_delay_ms", &f.graph_delay_ms);
  Get(o, p, "graph_http_500", &f.graph_http_500);
  GetInt(o, p, "graph_http_503_retry_after", &f.graph_http_503_retry_after);
  GetInt(o, p, "graph_http_429_retry_after", &f.graph_http_429_retry_after);
  Get(o, p, "graph_drop", &f.graph_drop);
  GetInt(o, p, "graph_fault_count", &f.graph_fault_count);
  return f;
}

std::string Faults::ToJson() const {
  Object::Ptr o = new Object(Poco::JSON_PRESERVE_KEY_ORDER);
  o->set("token_http_429_retry_after", token_http_429_retry_after);
  o->set("token_http_500", token_http_500);
  o->set("token_delay_ms", token_delay_ms);
  o->set("token_non_json_body", token_non_json_body);
  o->set("token_oversized_body_bytes", static_cast<std::uint64_t>(token_oversized_body_bytes));
  o->set("token_fault_count", token_fault_count);
  o->set("smtp_no_starttls", smtp_no_starttls);
  o->set("smtp_certificate", std::string(CertFaultName(smtp_certificate)));
  o->set("smtp_421_at_greeting", smtp_421_at_greeting);
  o->set("smtp_drop_after_messages", smtp_drop_after_messages);
  o->set("smtp_drop_mid_data", smtp_drop_mid_data);
  o->set("smtp_drop_after_data", smtp_drop_after_data);
  o->set("smtp_reply_delay_ms", smtp_reply_delay_ms);
  o->set("smtp_silent_after_connect", smtp_silent_after_connect);
  o->set("smtp_silent_after_ehlo", smtp_silent_after_ehlo);
  o->set("smtp_silent_after_data", smtp_silent_after_data);
  o->set("smtp_silent_at_starttls", smtp_silent_at_starttls);
  o->set("smtp_silent_in_tls_handshake", smtp_silent_in_tls_handshake);
  o->set("smtp_silent_at_auth", smtp_silent_at_auth);
  o->set("smtp_silent_at_mail", smtp_silent_at_mail);
  o->set("smtp_idle_timeout_seconds", smtp_idle_timeout_seconds);
  Object::Ptr ro = new Object(Poco::JSON_PRESERVE_KEY_ORDER);
  for (const auto& [a, r] : smtp_rcpt_replies) ro->set(a, r);
  o->set("smtp_rcpt_replies", ro);
  o->set("graph_delay_ms", graph_delay_ms);
  o->set("graph_http_500", graph_http_500);
  o->set("graph_http_503_retry_after", graph_http_503_retry_after);
  o->set("graph_http_429_retry_after", graph_http_429_retry_after);
  o->set("graph_drop", graph_drop);
  o->set("graph_fault_count", graph_fault_count);
  return Stringify(o);
}

std::string Stats::ToJson() const {
  Object::Ptr o = new Object(Poco::JSON_PRESERVE_KEY_ORDER);
  o->set("token_requests", token_requests);
  o->set("token_successes", token_successes);
  Object::Ptr hs = new Object(Poco::JSON_PRESERVE_KEY_ORDER);
  for (const auto& [k, v] : token_http_status) hs->set(std::to_string(k), v);
  o->set("token_http_status", hs);
  Object::Ptr ec = new Object(Poco::JSON_PRESERVE_KEY_ORDER);
  for (const auto& [k, v] : token_error_codes) ec->set(std::to_string(k), v);
  o->set("token_error_codes", ec);
  o->set("smtp_connections", smtp_connections);
  o->set("current_connections", current_connections);
  o->set("max_concurrent_connections", max_concurrent_connections);
  o->set("starttls_count", starttls_count);
  o->set("auth_attempts", auth_attempts);
  o->set("auth_successes", auth_successes);
  Object::Ptr ar = new Object(Poco::JSON_PRESERVE_KEY_ORDER);
  for (const auto& [k, v] : auth_failure_reasons) ar->set(k, v);
  o->set("auth_failure_reasons", ar);
  o->set("messages_accepted", messages_accepted);
  o->set("messages_delayed", messages_delayed);
  Object::Ptr rc = new Object(Poco::JSON_PRESERVE_KEY_ORDER);
  for (const auto& [k, v] : smtp_reply_counts) rc->set(k, v);
  o->set("smtp_reply_counts", rc);
  o->set("graph_requests", graph_requests);
  Object::Ptr gs = new Object(Poco::JSON_PRESERVE_KEY_ORDER);
  for (const auto& [k, v] : graph_http_status) gs->set(std::to_string(k), v);
  o->set("graph_http_status", gs);
  Object::Ptr ge = new Object(Poco::JSON_PRESERVE_KEY_ORDER);
  for (const auto& [k, v] : graph_error_codes) ge->set(k, v);
  o->set("graph_error_codes", ge);
  o->set("graph_in_flight", graph_in_flight);
  o->set("graph_max_in_flight_per_mailbox", graph_max_in_flight_per_mailbox);
  std::ostringstream out;
  Poco::JSON::Stringifier::stringify(o, out);
  return out.str();
}

}  // namespace m365emu

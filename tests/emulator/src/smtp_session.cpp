// One SMTP submission session, replies as in docs/microsoft-365.md, SMTP submission. Texts marked
// [unconfirmed] have no source in docs/microsoft-365.md; they follow RFC 5321/3463.
#include <Poco/Exception.h>
#include <Poco/Net/NetException.h>
#include <Poco/Net/SecureStreamSocket.h>
#include <Poco/Net/StreamSocket.h>

#include <algorithm>
#include <cstdio>
#include <random>

#include "smtp_auth.hpp"
#include "smtp_server.hpp"
#include "util.hpp"

namespace m365emu::detail {
namespace {

// RFC 5321 4.5.3.1.4: a command line is at most 512 octets with CRLF.
constexpr std::size_t kMaxCommandLine = 510;
// RFC 4954 4: servers should accept AUTH lines (and responses) up to 12288
// octets, which fits 4 KB tokens in base64 with the user= part.
constexpr std::size_t kMaxAuthLine = 12288;
// A DATA line longer than this marks the message as too big (RFC: 1000).
constexpr std::size_t kMaxDataLine = 1024 * 1024;
// Bytes discarded while skipping an over-long line before we give up.
constexpr std::size_t kMaxDiscard = 4 * 1024 * 1024;

enum class ReadStatus { kOk, kTooLong, kClosed, kTimeout };

class Session {
 public:
  Session(State& state, const SmtpContexts& contexts, Poco::Net::StreamSocket socket,
          std::uint64_t number)
      : state_(state), contexts_(contexts), sock_(std::move(socket)), number_(number) {
    std::mt19937_64 rng{std::random_device{}()};
    char id[20];
    std::snprintf(id, sizeof id, "%016llX", static_cast<unsigned long long>(rng()));
    session_id_ = id;
  }

  ~Session() { ReleaseSlot(); }

  void Run();
  // Gives the mailbox's connection slot back. Called before the socket closes:
  // a client that reconnects as soon as it sees the close must find the slot
  // free, as with Exchange, which counts a connection only while it is open.
  void ReleaseSlot() {
    if (!slot_mailbox_.empty()) state_.ReleaseMailboxSlot(slot_mailbox_);
    slot_mailbox_.clear();
  }
  void Close() {
    try {
      sock_.close();
    } catch (...) {
    }
  }

 private:
  ReadStatus ReadLine(std::size_t max, std::string* line);
  bool ReadExact(std::size_t n, std::string* out);
  bool Fill();
  bool Reply(const std::vector<std::string>& lines);
  bool Reply(const std::string& line) { return Reply(std::vector<std::string>{line}); }
  void GoSilent();
  void SetTimeout();
  std::string Host() const { return config_->smtp_hostname; }
  std::string Bracket() const { return "[Hostname=" + Host() + "]"; }

  bool HandleCommand(const std::string& line);  // false: end the session
  bool Ehlo(const std::string& arg, bool extended);
  bool StartTls();
  bool Auth(const std::string& arg);
  bool Mail(const std::string& arg);
  bool Rcpt(const std::string& arg);
  bool Data();
  bool Bdat(const std::string& arg);
  bool FinishMessage(std::string raw, bool too_big);
  void ResetTransaction() {
    in_transaction_ = false;
    mail_from_.clear();
    rcpts_.clear();
    bdat_.clear();
    bdat_too_big_ = false;
  }

  State& state_;
  const SmtpContexts& contexts_;
  Poco::Net::StreamSocket sock_;
  std::uint64_t number_;
  std::string session_id_;
  std::shared_ptr<const Config> config_;
  Faults faults_;

  std::string buf_;
  std::size_t pos_ = 0;
  bool timed_out_ = false;

  bool tls_ = false;
  bool greeted_ = false;
  std::string mailbox_;  // authenticated mailbox, empty before AUTH
  std::string client_id_;
  bool fail_at_data_ = false;  // mailbox permission missing, 430 at DATA
  std::string slot_mailbox_;
  bool in_transaction_ = false;
  std::string mail_from_;
  std::vector<std::string> rcpts_;
  std::string bdat_;
  bool bdat_too_big_ = false;
  int messages_ = 0;
};

void Session::SetTimeout() {
  int seconds = faults_.smtp_idle_timeout_seconds > 0 ? faults_.smtp_idle_timeout_seconds
                                                      : config_->smtp_idle_timeout_seconds;
  if (seconds <= 0) seconds = 300;
  Poco::Timespan t(seconds, 0);
  sock_.setReceiveTimeout(t);
  sock_.setSendTimeout(Poco::Timespan(30, 0));
}

bool Session::Fill() {
  if (pos_ > 65536) {
    buf_.erase(0, pos_);
    pos_ = 0;
  }
  char chunk[16384];
  try {
    int n = sock_.receiveBytes(chunk, sizeof chunk);
    if (n <= 0) return false;
    buf_.append(chunk, static_cast<std::size_t>(n));
    return true;
  } catch (const Poco::TimeoutException&) {
    timed_out_ = true;
    return false;
  } catch (...) {
    return false;
  }
}

ReadStatus Session::ReadLine(std::size_t max, std::string* line) {
  std::size_t discarded = 0;
  bool too_long = false;
  for (;;) {
    std::size_t nl = buf_.find('\n', pos_);
    if (nl != std::string::npos) {
      std::size_t end = nl;
      if (end > pos_ && buf_[end - 1] == '\r') --end;
      if (too_long || end - pos_ > max) {
        pos_ = nl + 1;
        return ReadStatus::kTooLong;
      }
      line->assign(buf_, pos_, end - pos_);
      pos_ = nl + 1;
      return ReadStatus::kOk;
    }
    if (buf_.size() - pos_ > max + 1) {
      // Skip the rest of an over-long line without buffering it.
      too_long = true;
      discarded += buf_.size() - pos_;
      buf_.clear();
      pos_ = 0;
      if (discarded > kMaxDiscard) return ReadStatus::kClosed;
    }
    if (!Fill()) return timed_out_ ? ReadStatus::kTimeout : ReadStatus::kClosed;
  }
}

bool Session::ReadExact(std::size_t n, std::string* out) {
  while (buf_.size() - pos_ < n) {
    std::size_t have = buf_.size() - pos_;
    if (out) out->append(buf_, pos_, have);
    n -= have;
    buf_.clear();
    pos_ = 0;
    if (!Fill()) return false;
  }
  if (out) out->append(buf_, pos_, n);
  pos_ += n;
  return true;
}

bool Session::Reply(const std::vector<std::string>& lines) {
  faults_ = state_.faults();
  if (faults_.smtp_reply_delay_ms > 0 && !state_.SleepFor(faults_.smtp_reply_delay_ms))
    return false;
  std::string out;
  for (const auto& l : lines) out += l + "\r\n";
  state_.RecordReply(lines.front());
  try {
    std::size_t sent = 0;
    while (sent < out.size()) {
      int n = sock_.sendBytes(out.data() + sent, static_cast<int>(out.size() - sent));
      if (n <= 0) return false;
      sent += static_cast<std::size_t>(n);
    }
  } catch (...) {
    return false;
  }
  return true;
}

void Session::GoSilent() {
  std::string line;
  for (;;) {
    ReadStatus st = ReadLine(kMaxAuthLine, &line);
    if (st == ReadStatus::kClosed || st == ReadStatus::kTimeout || state_.stopping()) return;
  }
}

void Session::Run() {
  config_ = state_.config();
  faults_ = state_.faults();
  SetTimeout();
  if (faults_.smtp_silent_after_connect) return GoSilent();
  if (faults_.smtp_421_at_greeting) {
    Reply("421 4.3.2 Service not available, closing transmission channel");
    return;
  }
  if (!Reply("220 " + Host() + " Microsoft ESMTP MAIL Service ready at " + Rfc2822Date(NowUnix()) +
             " [" + session_id_ + "]")) {
    return;
  }
  std::string line;
  while (!state_.stopping()) {
    config_ = state_.config();
    faults_ = state_.faults();
    SetTimeout();
    ReadStatus st = ReadLine(kMaxAuthLine, &line);
    if (st == ReadStatus::kClosed) return;
    if (st == ReadStatus::kTimeout) {
      Reply("421 4.4.1 Connection timed out. Total session duration exceeded idle limit");
      return;
    }
    if (st == ReadStatus::kTooLong) {
      // RFC 5321 4.5.3.1.4 names 500 for "line too long"; 5.5.2 is the
      // syntax-error enhanced code (RFC 3463). Exchange's text [unconfirmed].
      if (!Reply("500 5.5.2 Line too long")) return;
      continue;
    }
    if (!HandleCommand(line)) return;
  }
}

bool Session::HandleCommand(const std::string& line) {
  std::size_t sp = line.find(' ');
  std::string verb = ToLower(line.substr(0, sp));
  std::string arg = sp == std::string::npos ? "" : Trim(line.substr(sp + 1));
  if (verb != "auth" && line.size() > kMaxCommandLine) return Reply("500 5.5.2 Line too long");

  if (verb == "ehlo") return Ehlo(arg, true);
  if (verb == "helo") return Ehlo(arg, false);
  if (verb == "quit") {
    Reply("221 2.0.0 Service closing transmission channel");
    return false;
  }
  if (verb == "noop") return Reply("250 2.0.0 OK");
  if (verb == "rset") {
    ResetTransaction();
    return Reply("250 2.0.0 Resetting");
  }
  if (verb == "vrfy") return Reply("252 2.1.5 Cannot VRFY user");
  if (verb == "starttls" && !faults_.smtp_no_starttls) return StartTls();
  if (verb == "auth") return Auth(arg);
  if (verb == "mail") return Mail(arg);
  if (verb == "rcpt") return Rcpt(arg);
  if (verb == "data") return Data();
  if (verb == "bdat") return Bdat(arg);
  std::string shown = line.substr(0, std::min<std::size_t>(line.size(), 64));
  return Reply("500 5.3.3 Unrecognized command '" + shown + "'");
}

bool Session::Ehlo(const std::string& arg, bool extended) {
  if (faults_.smtp_silent_after_ehlo) {
    GoSilent();
    return false;
  }
  if (arg.empty()) return Reply("501 5.5.4 Invalid domain name");
  ResetTransaction();
  greeted_ = true;
  const std::string hello = Host() + " Hello [127.0.0.1]";
  if (!extended) return Reply("250 " + hello);
  std::vector<std::string> lines = {"250-" + hello, "250-SIZE 157286400", "250-PIPELINING",
                                    "250-DSN", "250-ENHANCEDSTATUSCODES"};
  // No AUTH before TLS; after TLS AUTH takes STARTTLS's place (docs/microsoft-365.md, SMTP
  // submission).
  if (tls_) {
    lines.push_back("250-AUTH LOGIN XOAUTH2");
  } else if (!faults_.smtp_no_starttls) {
    lines.push_back("250-STARTTLS");
  }
  for (const char* l : {"250-8BITMIME", "250-BINARYMIME", "250-CHUNKING", "250 SMTPUTF8"})
    lines.push_back(l);
  return Reply(lines);
}

bool Session::StartTls() {
  if (tls_) return Reply("503 5.5.1 Bad sequence of commands");
  // Anything pipelined after STARTTLS in plain text is dropped (CVE-2011-0411).
  buf_.clear();
  pos_ = 0;
  if (faults_.smtp_silent_at_starttls) {
    GoSilent();
    return false;
  }
  if (!Reply("220 2.0.0 SMTP server ready")) return false;
  if (faults_.smtp_silent_in_tls_handshake) {  // reads the ClientHello, answers nothing
    GoSilent();
    return false;
  }
  Poco::Net::Context::Ptr ctx = contexts_.good;
  switch (faults_.smtp_certificate) {
    case CertFault::kWrongName:
      ctx = contexts_.wrong_name;
      break;
    case CertFault::kExpired:
      ctx = contexts_.expired;
      break;
    case CertFault::kUntrustedCa:
      ctx = contexts_.untrusted;
      break;
    default:
      break;
  }
  try {
    Poco::Net::SecureStreamSocket secure = Poco::Net::SecureStreamSocket::attach(sock_, ctx);
    sock_ = secure;
    SetTimeout();
    secure.completeHandshake();
  } catch (...) {
    return false;  // the client refused our certificate, or went away
  }
  tls_ = true;
  greeted_ = false;
  ResetTransaction();
  state_.UpdateStats([](Stats& s) { ++s.starttls_count; });
  return true;
}

bool Session::Auth(const std::string& arg) {
  if (faults_.smtp_silent_at_auth) {
    GoSilent();
    return false;
  }
  std::size_t sp = arg.find(' ');
  std::string mech = ToLower(arg.substr(0, sp));
  std::string initial = sp == std::string::npos ? "" : Trim(arg.substr(sp + 1));
  if (!tls_ || (mech != "xoauth2" && mech != "login")) {
    // AUTH is not advertised before STARTTLS; Exchange answers like this.
    return Reply("504 5.7.4 Unrecognized authentication type");
  }
  if (!mailbox_.empty()) return Reply("503 5.5.1 Already authenticated");
  if (in_transaction_) return Reply("503 5.5.1 Bad sequence of commands");
  state_.UpdateStats([](Stats& s) { ++s.auth_attempts; });
  const std::string detail = "[" + Host() + " " + AadTimestamp(NowUnix()) + " " + session_id_ + "]";
  std::string line;
  if (mech == "login") {
    // Basic authentication: refused as in tenants with basic auth disabled.
    if (!Reply("334 VXNlcm5hbWU6")) return false;
    if (ReadLine(kMaxAuthLine, &line) != ReadStatus::kOk) return false;
    if (line == "*") return Reply("501 5.0.0 Authentication cancelled");
    if (!Reply("334 UGFzc3dvcmQ6")) return false;
    if (ReadLine(kMaxAuthLine, &line) != ReadStatus::kOk) return false;
    if (line == "*") return Reply("501 5.0.0 Authentication cancelled");
    state_.RecordAuthFailure("basic authentication");
    return Reply("535 5.7.139 Authentication unsuccessful, basic authentication is disabled. " +
                 detail);
  }
  if (initial.empty()) {
    // Two-step form: empty challenge, then the response on its own line.
    if (!Reply("334 ")) return false;
    ReadStatus st = ReadLine(kMaxAuthLine, &line);
    if (st == ReadStatus::kTooLong) return Reply("500 5.5.2 Line too long");
    if (st != ReadStatus::kOk) return false;
    if (line == "*") return Reply("501 5.0.0 Authentication cancelled");
    initial = Trim(line);
  } else if (initial == "=") {
    initial.clear();
  }
  AuthOutcome out = EvaluateXoauth2(state_, *config_, initial);
  if (!out.ok) {
    state_.RecordAuthFailure(out.reason);
    if (config_->xoauth2_error_challenge && out.code == 535) {
      std::string json = "{\"status\":\"401\",\"schemes\":\"bearer\",\"scope\":\"" +
                         config_->exchange_resource + "/.default\"}";
      if (!Reply("334 " + Base64Encode(json))) return false;
      if (ReadLine(kMaxAuthLine, &line) != ReadStatus::kOk) return false;
    }
    return Reply(out.reply + " " + (out.code == 535 ? detail : Bracket()));
  }
  if (!state_.AcquireMailboxSlot(out.mailbox, config_->limits.connections_per_mailbox)) {
    state_.RecordAuthFailure("sender thread limit");
    return Reply("432 4.3.2 STOREDRV.ClientSubmit; sender thread limit exceeded " + Bracket());
  }
  slot_mailbox_ = out.mailbox;
  mailbox_ = out.mailbox;
  client_id_ = out.client_id;
  fail_at_data_ = out.fail_at_data;
  state_.UpdateStats([](Stats& s) { ++s.auth_successes; });
  return Reply("235 2.7.0 Authentication successful");
}

// Parses "FROM:<a@b> PARAMS" / "TO:<a@b> PARAMS". Returns false on syntax.
bool ParsePath(const std::string& arg, const char* keyword, std::string* address,
               std::string* params) {
  std::string k = keyword;
  if (!StartsWithNoCase(arg, k)) return false;
  std::string rest = Trim(arg.substr(k.size()));
  if (rest.empty() || rest[0] != '<') return false;
  std::size_t close = rest.find('>');
  if (close == std::string::npos) return false;
  *address = Trim(rest.substr(1, close - 1));
  *params = Trim(rest.substr(close + 1));
  return true;
}

bool ValidAddress(const std::string& a) {
  std::size_t at = a.rfind('@');
  return at != std::string::npos && at > 0 && at + 1 < a.size() &&
         a.find_first_of(" <>\t\r\n") == std::string::npos;
}

bool Session::Mail(const std::string& arg) {
  if (faults_.smtp_silent_at_mail) {
    GoSilent();
    return false;
  }
  if (mailbox_.empty()) {
    return Reply("530 5.7.57 Client not authenticated to send mail " + Bracket());
  }
  if (in_transaction_) return Reply("503 5.5.1 Sender already specified");
  std::string address, params;
  if (!ParsePath(arg, "FROM:", &address, &params)) return Reply("501 5.5.4 Invalid arguments");
  // SIZE=n declared larger than the limit is refused before any data.
  std::string p = ToLower(params);
  std::size_t size_at = p.find("size=");
  if (size_at != std::string::npos) {
    unsigned long long declared = std::strtoull(p.c_str() + size_at + 5, nullptr, 10);
    if (declared > config_->limits.max_message_bytes)
      return Reply("552 5.3.4 Message size exceeds fixed maximum message size");
  }
  if (!SenderAllowed(*config_, mailbox_, address)) {
    return Reply("550 5.7.60 SMTP; Client does not have permissions to send as this sender " +
                 Bracket());
  }
  in_transaction_ = true;
  mail_from_ = address;
  return Reply("250 2.1.0 Sender OK");
}

bool Session::Rcpt(const std::string& arg) {
  if (!in_transaction_) return Reply("503 5.5.1 Need mail command");
  std::string address, params;
  if (!ParsePath(arg, "TO:", &address, &params) || !ValidAddress(address))
    return Reply("501 5.1.3 Invalid address");
  auto fault = faults_.smtp_rcpt_replies.find(ToLower(address));
  if (fault != faults_.smtp_rcpt_replies.end()) return Reply(fault->second);
  if (static_cast<int>(rcpts_.size()) >= config_->limits.recipients_per_message)
    return Reply("452 4.5.3 Too many recipients");
  rcpts_.push_back(address);
  return Reply("250 2.1.5 Recipient OK");
}

bool Session::Data() {
  if (!in_transaction_) return Reply("503 5.5.1 Need mail command");
  if (rcpts_.empty()) return Reply("503 5.5.1 Need rcpt command");
  if (!Reply("354 Start mail input; end with <CRLF>.<CRLF>")) return false;
  std::string raw, line;
  bool too_big = false;
  int lines = 0;
  for (;;) {
    ReadStatus st = ReadLine(kMaxDataLine, &line);
    if (st == ReadStatus::kClosed || st == ReadStatus::kTimeout) return false;
    if (faults_.smtp_drop_mid_data && ++lines >= 2) return false;
    if (st == ReadStatus::kTooLong) {
      too_big = true;
      continue;
    }
    if (line == ".") break;
    if (!line.empty() && line[0] == '.') line.erase(0, 1);  // un-dot-stuff
    if (!too_big) {
      raw += line;
      raw += "\r\n";
      if (raw.size() > config_->limits.max_message_bytes) {
        too_big = true;
        raw.clear();
      }
    }
  }
  return FinishMessage(std::move(raw), too_big);
}

bool Session::Bdat(const std::string& arg) {
  if (!in_transaction_) return Reply("503 5.5.1 Need mail command");
  if (rcpts_.empty()) return Reply("503 5.5.1 Need rcpt command");
  std::size_t sp = arg.find(' ');
  std::string size_text = arg.substr(0, sp);
  bool last = sp != std::string::npos && ToLower(Trim(arg.substr(sp + 1))) == "last";
  if (size_text.empty() || size_text.find_first_not_of("0123456789") != std::string::npos ||
      size_text.size() > 12)
    return Reply("501 5.5.4 Invalid arguments");
  std::size_t size = std::stoull(size_text);
  if (bdat_.size() + size > config_->limits.max_message_bytes) bdat_too_big_ = true;
  if (!ReadExact(size, bdat_too_big_ ? nullptr : &bdat_)) return false;
  if (!last) return Reply("250 2.0.0 " + size_text + " bytes received");  // [unconfirmed]
  std::string raw = std::move(bdat_);
  return FinishMessage(std::move(raw), bdat_too_big_);
}

bool Session::FinishMessage(std::string raw, bool too_big) {
  faults_ = state_.faults();
  if (faults_.smtp_drop_after_data) return false;
  if (faults_.smtp_silent_after_data) {
    GoSilent();
    return false;
  }
  std::vector<std::string> rcpts = std::move(rcpts_);
  std::string from = std::move(mail_from_);
  ResetTransaction();
  if (too_big) return Reply("552 5.3.4 Message size exceeds fixed maximum message size");
  MessageHeaders headers = ParseHeaders(raw);
  if (headers.header_bytes > config_->limits.max_header_bytes)
    return Reply("552 5.3.4 Message header size exceeds limit");
  if (fail_at_data_) {
    return Reply(
        "430 4.2.0 STOREDRV; mailbox logon failure; Failed to process message due to a "
        "transient exception with message Cannot open mailbox. " +
        Bracket());
  }
  if (!headers.from.empty() && !SenderAllowed(*config_, mailbox_, headers.from)) {
    return Reply("554 5.2.252 SendAsDenied; " + mailbox_ + " not allowed to send as " +
                 headers.from +
                 "; STOREDRV.Submission.Exception:SendAsDeniedException.MapiExceptionSendAsDenied;"
                 " Failed to process message due to a permanent exception with message Cannot "
                 "submit message. " +
                 Bracket());
  }
  if (!state_.AddDailyRecipients(mailbox_, static_cast<int>(rcpts.size()),
                                 config_->limits.recipients_per_day)) {
    return Reply(
        "554 5.2.0 STOREDRV.Submission.Exception:SubmissionQuotaExceededException; Failed to "
        "process message due to a permanent exception with message Cannot submit message. " +
        Bracket());
  }
  bool delayed = false;
  if (!state_.WaitForRateSlot(mailbox_, config_->limits, &delayed)) return false;
  if (delayed) state_.UpdateStats([](Stats& s) { ++s.messages_delayed; });
  ReceivedMessage m;
  m.envelope_from = from;
  m.recipients = std::move(rcpts);
  m.raw = std::move(raw);
  m.authenticated_mailbox = mailbox_;
  m.client_id = client_id_;
  m.connection = number_;
  m.message_id =
      headers.message_id.empty() ? "<" + NewGuid() + "@" + Host() + ">" : headers.message_id;
  std::string reply = "250 2.0.0 OK " + m.message_id + " " + Bracket();
  try {
    state_.AddMessage(std::move(m));
  } catch (const std::exception&) {
    return Reply("451 4.3.0 Spool write failed");
  }
  if (!Reply(reply)) return false;
  ++messages_;
  if (faults_.smtp_drop_after_messages > 0 && messages_ >= faults_.smtp_drop_after_messages)
    return false;
  return true;
}

}  // namespace

void RunSmtpSession(State& state, const SmtpContexts& contexts, Poco::Net::StreamSocket socket,
                    std::uint64_t connection_number, const std::function<void()>& unregister) {
  state.UpdateStats([](Stats& s) {
    ++s.smtp_connections;
    ++s.current_connections;
    s.max_concurrent_connections = std::max(s.max_concurrent_connections, s.current_connections);
  });
  {
    Session session(state, contexts, std::move(socket), connection_number);
    try {
      session.Run();
    } catch (...) {
    }
    unregister();
    session.ReleaseSlot();
    state.UpdateStats([](Stats& s) {
      if (s.current_connections > 0) --s.current_connections;
    });
    session.Close();
  }
}

}  // namespace m365emu::detail

#include "test_support.hpp"

#include <Poco/Base64Decoder.h>
#include <Poco/Base64Encoder.h>
#include <Poco/File.h>
#include <Poco/Net/Context.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/Net/HTTPSClientSession.h>
#include <Poco/Net/SecureStreamSocket.h>
#include <Poco/StreamCopier.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <sstream>

namespace m365emu::testing {

TempDir::TempDir() {
  const char* base = std::getenv("TMPDIR");
  std::string templ = std::string(base && *base ? base : "/tmp") + "/m365emu-test-XXXXXX";
  std::vector<char> buf(templ.begin(), templ.end());
  buf.push_back('\0');
  if (!::mkdtemp(buf.data())) throw std::runtime_error("mkdtemp failed");
  path_ = buf.data();
}

TempDir::~TempDir() {
  try {
    Poco::File(path_).remove(true);
  } catch (...) {
  }
}

ProcessResult RunProcess(const std::vector<std::string>& argv, int timeout_seconds) {
  ProcessResult r;
  char out_name[] = "/tmp/m365emu-proc-XXXXXX";
  int out_fd = ::mkstemp(out_name);
  if (out_fd < 0) return r;
  pid_t pid = ::fork();
  if (pid == 0) {
    ::dup2(out_fd, 1);
    ::dup2(out_fd, 2);
    int devnull = ::open("/dev/null", O_RDONLY);
    ::dup2(devnull, 0);
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    ::execvp(args[0], args.data());
    ::_exit(127);
  }
  ::close(out_fd);
  if (pid < 0) {
    ::unlink(out_name);
    return r;
  }
  int status = 0;
  bool ended = WaitUntil([&] { return ::waitpid(pid, &status, WNOHANG) == pid; },
                         std::chrono::seconds(timeout_seconds), std::chrono::milliseconds(20));
  if (!ended) {
    ::kill(pid, SIGKILL);
    ::waitpid(pid, &status, 0);
    r.timed_out = true;
  }
  if (!r.timed_out && WIFEXITED(status)) r.exit_code = WEXITSTATUS(status);
  r.output = ReadFile(out_name);
  ::unlink(out_name);
  return r;
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void WriteFile(const std::string& path, const std::string& data) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << data;
}

namespace {
Poco::Net::Context::Ptr ClientContext(const std::string& ca_file) {
  Poco::Net::Context::Params params;
  params.caLocation = ca_file;
  params.verificationMode = Poco::Net::Context::VERIFY_RELAXED;
  params.loadDefaultCAs = false;
  return new Poco::Net::Context(Poco::Net::Context::CLIENT_USE, params);
}

// The answer to the request `session` sent: status, headers (names in lower
// case) and body.
HttpResult ReadAnswer(Poco::Net::HTTPSClientSession& session) {
  Poco::Net::HTTPResponse resp;
  std::istream& in = session.receiveResponse(resp);
  HttpResult r;
  r.status = resp.getStatus();
  for (const auto& [k, v] : resp) {
    std::string key = k;
    for (char& c : key) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    r.headers[key] = v;
  }
  Poco::StreamCopier::copyToString(in, r.body);
  return r;
}
}  // namespace

HttpResult HttpsRequest(const Emulator& emu, const std::string& method, const std::string& path,
                        const std::string& form_body) {
  Poco::Net::HTTPSClientSession session("localhost", static_cast<Poco::UInt16>(emu.token_port()),
                                        ClientContext(emu.ca_file()));
  session.setTimeout(Poco::Timespan(20, 0));
  Poco::Net::HTTPRequest req(method, path, Poco::Net::HTTPMessage::HTTP_1_1);
  if (method == "POST") {
    req.setContentType("application/x-www-form-urlencoded");
    req.setContentLength(static_cast<std::streamsize>(form_body.size()));
    session.sendRequest(req) << form_body;
  } else {
    session.sendRequest(req);
  }
  return ReadAnswer(session);
}

namespace {
std::string UrlEncode(const std::string& s) {
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out.push_back(static_cast<char>(c));
    } else {
      char b[4];
      std::snprintf(b, sizeof b, "%%%02X", c);
      out += b;
    }
  }
  return out;
}
}  // namespace

std::string TokenForm(const std::string& secret, const std::string& scope,
                      const std::string& client_id) {
  return "grant_type=client_credentials&client_id=" + UrlEncode(client_id) +
         "&client_secret=" + UrlEncode(secret) + "&scope=" + UrlEncode(scope);
}

namespace {
// The access_token of a token answer's JSON body, or "".
std::string AccessTokenIn(const std::string& body) {
  const std::string key = "\"access_token\":\"";
  std::size_t at = body.find(key);
  if (at == std::string::npos) return "";
  at += key.size();
  return body.substr(at, body.find('"', at) - at);
}
}  // namespace

std::string FetchToken(const Emulator& emu, const std::string& scope) {
  HttpResult r = HttpsRequest(emu, "POST", std::string("/") + kDemoTenantId + "/oauth2/v2.0/token",
                              TokenForm(kDemoSecretValue, scope));
  EXPECT_EQ(r.status, 200) << r.body;
  return AccessTokenIn(r.body);
}

std::string FetchAppToken(const Emulator& emu, const std::string& scope,
                          const std::string& client_id, const std::string& secret) {
  HttpResult r = HttpsRequest(emu, "POST", std::string("/") + kDemoTenantId + "/oauth2/v2.0/token",
                              TokenForm(secret, scope, client_id));
  return r.status == 200 ? AccessTokenIn(r.body) : "";
}

HttpResult GraphRequest(const Emulator& emu, const std::string& method, const std::string& path,
                        const std::string& token, const std::string& content_type,
                        const std::string& body,
                        const std::map<std::string, std::string>& headers) {
  Poco::Net::HTTPSClientSession session("localhost", static_cast<Poco::UInt16>(emu.graph_port()),
                                        ClientContext(emu.ca_file()));
  session.setTimeout(Poco::Timespan(30, 0));
  Poco::Net::HTTPRequest req(method, path, Poco::Net::HTTPMessage::HTTP_1_1);
  if (!token.empty()) req.set("Authorization", "Bearer " + token);
  for (const auto& [k, v] : headers) req.set(k, v);
  if (!content_type.empty()) req.setContentType(content_type);
  req.setContentLength(static_cast<std::streamsize>(body.size()));
  session.sendRequest(req) << body;
  return ReadAnswer(session);
}

std::string JwtPayload(const std::string& jwt) {
  std::size_t a = jwt.find('.');
  std::size_t b = jwt.find('.', a + 1);
  std::string p = jwt.substr(a + 1, b - a - 1);
  for (char& c : p) {
    if (c == '-') c = '+';
    if (c == '_') c = '/';
  }
  while (p.size() % 4) p.push_back('=');
  std::istringstream in(p);
  Poco::Base64Decoder dec(in);
  return std::string((std::istreambuf_iterator<char>(dec)), std::istreambuf_iterator<char>());
}

std::string Xoauth2(const std::string& mailbox, const std::string& token) {
  std::ostringstream out;
  Poco::Base64Encoder enc(out);
  enc.rdbuf()->setLineLength(0);
  enc << "user=" << mailbox << "\x01"
      << "auth=Bearer " << token << "\x01\x01";
  enc.close();
  return out.str();
}

SmtpClient::SmtpClient(int port, int timeout_seconds)
    : sock_(Poco::Net::SocketAddress("127.0.0.1", static_cast<Poco::UInt16>(port))) {
  sock_.setReceiveTimeout(Poco::Timespan(timeout_seconds, 0));
}

std::string SmtpClient::Read() {
  std::string reply;
  for (;;) {
    std::size_t nl;
    while ((nl = buf_.find("\r\n")) == std::string::npos) {
      char chunk[4096];
      int n = 0;
      try {
        n = sock_.receiveBytes(chunk, sizeof chunk);
      } catch (...) {
        return "";
      }
      if (n <= 0) return "";
      buf_.append(chunk, static_cast<std::size_t>(n));
    }
    std::string line = buf_.substr(0, nl);
    buf_.erase(0, nl + 2);
    if (!reply.empty()) reply += "\n";
    reply += line;
    if (line.size() < 4 || line[3] != '-') return reply;
  }
}

void SmtpClient::Send(const std::string& line) {
  std::string data = line + "\r\n";
  sock_.sendBytes(data.data(), static_cast<int>(data.size()));
}

void SmtpClient::SendRaw(const std::string& bytes) {
  sock_.sendBytes(bytes.data(), static_cast<int>(bytes.size()));
}

bool SmtpClient::StartTls(const std::string& ca_file) {
  std::string r = Cmd("STARTTLS");
  if (r.rfind("220 ", 0) != 0) return false;
  try {
    Poco::Net::SecureStreamSocket s =
        Poco::Net::SecureStreamSocket::attach(sock_, "localhost", ClientContext(ca_file));
    s.completeHandshake();
    sock_ = s;
    return true;
  } catch (...) {
    return false;
  }
}

std::string SmtpClient::Login(const std::string& ca_file, const std::string& mailbox,
                              const std::string& token) {
  Read();
  Cmd("EHLO client.example");
  if (!StartTls(ca_file)) return "starttls failed";
  Cmd("EHLO client.example");
  return Cmd("AUTH XOAUTH2 " + Xoauth2(mailbox, token));
}

std::string SmtpClient::SendMessage(const std::string& from, const std::vector<std::string>& rcpts,
                                    const std::string& mime) {
  std::string r = Cmd("MAIL FROM:<" + from + ">");
  if (r.rfind("250", 0) != 0) return r;
  for (const auto& to : rcpts) {
    r = Cmd("RCPT TO:<" + to + ">");
    if (r.rfind("250", 0) != 0) return r;
  }
  r = Cmd("DATA");
  if (r.rfind("354", 0) != 0) return r;
  std::string data;
  std::istringstream in(mime);
  std::string line;
  while (std::getline(in, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (!line.empty() && line[0] == '.') line.insert(0, ".");
    data += line + "\r\n";
  }
  data += ".\r\n";
  sock_.sendBytes(data.data(), static_cast<int>(data.size()));
  return Read();
}

bool SmtpClient::Closed() {
  char c;
  try {
    return sock_.receiveBytes(&c, 1) <= 0;
  } catch (const Poco::TimeoutException&) {
    return false;
  } catch (...) {
    return true;
  }
}

std::string SimpleMime(const std::string& from, const std::string& subject) {
  return "From: Notify <" + from + ">\r\nTo: someone@example.org\r\nSubject: " + subject +
         "\r\nMessage-ID: <" + subject +
         "@contoso.com>\r\nMIME-Version: 1.0\r\n"
         "Content-Type: text/plain; charset=utf-8\r\n\r\nHello.\r\n.dot line\r\nBye.\r\n";
}

}  // namespace m365emu::testing

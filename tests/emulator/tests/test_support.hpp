// Helpers for the emulator's own tests: temp dirs, child processes with a
// timeout, a tiny HTTPS client and a line-based SMTP client.
#pragma once

#include <Poco/Net/StreamSocket.h>

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "m365emu/emulator.hpp"
// The repository's shared helper, by its path: this suite does not link the
// test-support target.
#include "../../support/include/notify/test_support/wait_until.hpp"

namespace m365emu::testing {

using notify::test_support::WaitUntil;

// A fresh directory under $TMPDIR, removed with everything in it.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

struct ProcessResult {
  int exit_code = -1;  // -1: killed on timeout or failed to start
  bool timed_out = false;
  std::string output;  // stdout and stderr interleaved
};
// Runs argv[0] (searched in PATH) with a timeout; never throws.
ProcessResult RunProcess(const std::vector<std::string>& argv, int timeout_seconds);

std::string ReadFile(const std::string& path);
void WriteFile(const std::string& path, const std::string& data);

struct HttpResult {
  int status = 0;
  std::map<std::string, std::string> headers;  // lower-case names
  std::string body;
};
// POSTs a form to https://localhost:port/path trusting only the emulator's CA.
HttpResult HttpsRequest(const Emulator& emu, const std::string& method, const std::string& path,
                        const std::string& form_body);
// Form body of a client-credentials request for the demo app.
std::string TokenForm(const std::string& secret = kDemoSecretValue,
                      const std::string& scope = "https://outlook.office365.com/.default",
                      const std::string& client_id = kDemoClientId);
// Fetches a token from the emulator's endpoint (fails the test on error).
std::string FetchToken(const Emulator& emu,
                       const std::string& scope = "https://outlook.office365.com/.default");
// A token for `client_id` / `secret` from the emulator's endpoint ("" on error).
std::string FetchAppToken(const Emulator& emu, const std::string& scope,
                          const std::string& client_id, const std::string& secret);
// A request to the Graph listener, trusting only the emulator's CA. `token`
// empty: no Authorization header.
HttpResult GraphRequest(const Emulator& emu, const std::string& method, const std::string& path,
                        const std::string& token, const std::string& content_type = "",
                        const std::string& body = "",
                        const std::map<std::string, std::string>& headers = {});
// Decodes the JWT payload to JSON text.
std::string JwtPayload(const std::string& jwt);

std::string Xoauth2(const std::string& mailbox, const std::string& token);

// Minimal SMTP client for protocol-level assertions.
class SmtpClient {
 public:
  explicit SmtpClient(int port, int timeout_seconds = 10);
  // Reads one (possibly multi-line) reply; returns all lines joined with
  // "\n", or "" on timeout / connection closed.
  std::string Read();
  void Send(const std::string& line);  // appends CRLF
  void SendRaw(const std::string& bytes);
  std::string Cmd(const std::string& line) {
    Send(line);
    return Read();
  }
  // STARTTLS (expects 220), then the TLS handshake for "localhost".
  bool StartTls(const std::string& ca_file);
  // Greeting, EHLO, STARTTLS, EHLO, AUTH XOAUTH2 one-line. Returns the AUTH reply.
  std::string Login(const std::string& ca_file, const std::string& mailbox,
                    const std::string& token);
  // MAIL/RCPT/DATA with the given MIME; returns the reply after ".".
  std::string SendMessage(const std::string& from, const std::vector<std::string>& rcpts,
                          const std::string& mime);
  bool Closed();  // true if the server closed the connection

 private:
  Poco::Net::StreamSocket sock_;
  std::string buf_;
};

// A small MIME message with the given From.
std::string SimpleMime(const std::string& from, const std::string& subject = "test");

}  // namespace m365emu::testing

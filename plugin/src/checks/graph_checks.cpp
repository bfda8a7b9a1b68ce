// The Graph route's live checks: token, claims, mailbox.
#include "checks/graph_checks.hpp"

#include "checks/test_message.hpp"
#include "diagnostics/diagnostics.hpp"
#include "graph/graph_answer.hpp"
#include "graph/graph_client.hpp"
#include "net/sigpipe_block.hpp"
#include "route/route_decision.hpp"
#include "token/token_client.hpp"

namespace m365 {

using notify::sdk::Status;
using notify::sdk::StatusOr;

StatusOr<std::string> CheckGraphToken(const M365Config& c, const Poco::Net::Context::Ptr& tls,
                                      const Clock& clock, std::string& token) {
  TokenClient client(tls, std::chrono::duration_cast<std::chrono::milliseconds>(c.timeout),
                     c.https_proxy);
  TokenResponse r = client.Request(TokenRequestFor(c, c.graph_scope, clock.WallNow()));
  if (!r.ok) return DiagnoseTokenFailure(r, c);
  token = r.access_token;
  return "token issued by " + c.authority_url + " for " + c.graph_scope + ", valid for " +
         std::to_string(r.expires_in.count()) + " s";
}

StatusOr<std::string> CheckGraphClaims(const M365Config& c, const std::string& token,
                                       const std::string& because) {
  auto decoded = DecodeJwtClaims(token);
  if (!decoded.ok()) return because + "; " + decoded.status().message() + "; claims not checked";
  Status problem = DiagnoseGraphClaims(*decoded, c);
  if (!problem.ok()) return problem.WithMessage(because + "; " + problem.message());
  return because + "; " + DescribeClaims(*decoded);
}

std::string GraphMailboxUnconfirmed(const M365Config& c) {
  return "not checked: only a test message can confirm that the app may send as " + c.from_email +
         " (Microsoft Graph has no check without side effects for Mail.Send); give a test "
         "address (--test-to, or \"Send test message\") to send one";
}

StatusOr<std::string> CheckGraphMailbox(const M365Config& c, const Poco::Net::Context::Ptr& tls,
                                        const std::string& token, const std::string& recipient,
                                        bool* needs_test) {
  *needs_test = recipient.empty();
  if (recipient.empty()) return GraphMailboxUnconfirmed(c);
  const std::string what = "the test message to " + recipient;
  StatusOr<MimeMessage> mime =
      BuildTestMessage(c, recipient, "Microsoft 365 through Microsoft Graph", /*bcc_header=*/true);
  if (!mime.ok()) return mime.status();
  ScopedSigpipeBlock no_sigpipe;
  GraphClient client(c, tls);
  HttpsAnswer answer = client.SendMail(token, mime->data);
  Status status = StatusOfGraphAnswer(answer, c);
  if (status.ok()) {
    return what + " was accepted by Microsoft Graph (202): the app may send as " + c.from_email +
           "; bounces, if any, arrive later as NDRs";
  }
  return status.WithMessage(what + " was not accepted: " + status.message())
      .WithRemedy(status.remedy().empty()
                      ? "Try again; if it repeats, report it with the host's log."
                      : status.remedy());
}

}  // namespace m365

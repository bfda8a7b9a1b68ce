#pragma once
// Requests to Microsoft Graph for one From mailbox over one keep-alive HTTPS
// connection (net/https_connection): sendMail with the MIME body, and the
// draft, upload-session and send requests of large messages.
#include <Poco/Net/Context.h>

#include <chrono>
#include <memory>
#include <string>

#include "net/https_connection.hpp"
#include "settings/m365_config.hpp"

namespace m365 {

// Not thread-safe: one request at a time (one client per worker). Holds no
// token; each request gets the token to send.
class GraphClient {
 public:
  // Requests go to config.graph_url for config.from_email, each bounded by
  // config.timeout.
  GraphClient(const M365Config& config, Poco::Net::Context::Ptr tls);

  // POST <graph_url>/v1.0/users/<from>/sendMail with SendMailBody(mime) as
  // text/plain. 202 on success. Never throws; no error text holds the token.
  HttpsAnswer SendMail(const std::string& token, const std::string& mime);

  // A request with a JSON (or empty) body to `path` (a full path, e.g. from
  // UserPath) or, for an upload session, to an absolute https URL that Graph
  // handed out on graph_url's host. PutBytes sends a chunk of an upload
  // session to the URL Graph handed out (any https host: Microsoft's are on
  // outlook.office.com) with its Content-Range and no token (the URL
  // authorises it).
  HttpsAnswer Json(const std::string& method, const std::string& path_or_url,
                   const std::string& token, const std::string& body);
  HttpsAnswer PutBytes(const std::string& url, const std::string& bytes,
                       const std::string& content_range);
  // `request` (method and path set) with the token, `content_type` and `body`.
  HttpsAnswer Raw(Poco::Net::HTTPRequest& request, const std::string& token,
                  const std::string& content_type, const std::string& body);

  // UserPath("messages") -> ".../v1.0/users/<from>/messages".
  std::string UserPath(const std::string& tail) const;
  // Connections opened so far (1 while keep-alive holds).
  int connections_opened() const { return connection_ ? connection_->connections_opened() : 0; }

 private:
  HttpsAnswer Refused() const;
  HttpsAnswer Send(Poco::Net::HTTPRequest& request, const std::string& body);
  // The path of `url` when it is on graph_url's host and port; "" otherwise.
  std::string PathOnOurHost(const std::string& url) const;

  std::string mailbox_;
  std::string graph_url_;
  std::string host_;
  int port_ = 443;
  std::string base_path_;
  Poco::Net::Context::Ptr tls_;
  HttpsProxy proxy_;  // config.https_proxy
  std::chrono::milliseconds timeout_;
  std::unique_ptr<HttpsConnection> connection_;         // null when graph_url is not https
  std::unique_ptr<HttpsConnection> upload_connection_;  // an upload URL's other host
};

}  // namespace m365

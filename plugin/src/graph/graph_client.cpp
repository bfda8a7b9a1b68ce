// Graph requests over one keep-alive connection per client.
#include "graph/graph_client.hpp"

#include <Poco/Net/HTTPRequest.h>
#include <Poco/String.h>

#include "graph/graph_request.hpp"

namespace m365 {

GraphClient::GraphClient(const M365Config& config, Poco::Net::Context::Ptr tls)
    : mailbox_(config.from_email),
      graph_url_(config.graph_url),
      tls_(std::move(tls)),
      proxy_(config.https_proxy),
      timeout_(std::chrono::duration_cast<std::chrono::milliseconds>(config.timeout)) {
  if (SplitHttpsUrl(config.graph_url, &host_, &port_, &base_path_)) {
    while (!base_path_.empty() && base_path_.back() == '/') base_path_.pop_back();
    connection_ = std::make_unique<HttpsConnection>(host_, port_, tls_,
                                                    /*keep_alive=*/true, "Microsoft Graph", proxy_);
  }
}

std::string GraphClient::UserPath(const std::string& tail) const {
  return GraphUserPath(base_path_, mailbox_, tail);
}

HttpsAnswer GraphClient::Refused() const {
  HttpsAnswer r;
  r.transport_error = "the Graph endpoint " + graph_url_ + " is not an https URL";
  return r;
}

HttpsAnswer GraphClient::Send(Poco::Net::HTTPRequest& request, const std::string& body) {
  if (!connection_) return Refused();
  return connection_->Send(request, body, kMaxGraphAnswerBytes, timeout_);
}

HttpsAnswer GraphClient::SendMail(const std::string& token, const std::string& mime) {
  Poco::Net::HTTPRequest http(Poco::Net::HTTPRequest::HTTP_POST, UserPath("sendMail"),
                              Poco::Net::HTTPMessage::HTTP_1_1);
  return Raw(http, token, "text/plain", SendMailBody(mime));
}

HttpsAnswer GraphClient::Raw(Poco::Net::HTTPRequest& http, const std::string& token,
                             const std::string& content_type, const std::string& body) {
  if (!token.empty()) http.set("Authorization", "Bearer " + token);
  http.setContentType(content_type);
  http.set("Accept", "application/json");
  return Send(http, body);
}

std::string GraphClient::PathOnOurHost(const std::string& url) const {
  std::string host;
  int port = 0;
  std::string path;
  if (!SplitHttpsUrl(url, &host, &port, &path)) return "";
  if (Poco::icompare(host, host_) != 0 || port != port_) return "";
  return path.empty() ? "/" : path;
}

HttpsAnswer GraphClient::Json(const std::string& method, const std::string& path_or_url,
                              const std::string& token, const std::string& body) {
  std::string path = path_or_url;
  if (path.rfind("https://", 0) == 0) {
    path = PathOnOurHost(path_or_url);
    if (path.empty()) {
      HttpsAnswer r;
      r.transport_error = "Microsoft Graph handed out a URL on another host; not followed";
      return r;
    }
  }
  Poco::Net::HTTPRequest http(method, path, Poco::Net::HTTPMessage::HTTP_1_1);
  return Raw(http, token, "application/json", body);
}

HttpsAnswer GraphClient::PutBytes(const std::string& url, const std::string& bytes,
                                  const std::string& content_range) {
  std::string host, path;
  int port = 0;
  if (!SplitHttpsUrl(url, &host, &port, &path)) {
    HttpsAnswer r;
    r.transport_error = "Microsoft Graph handed out an upload URL that is not https; not followed";
    return r;
  }
  // The upload URL carries its own authorisation: no token goes with it. It
  // may name another host (outlook.office.com for Microsoft's Graph), reached
  // with the same TLS checks.
  HttpsConnection* connection = connection_.get();
  if (PathOnOurHost(url).empty()) {
    if (!upload_connection_ ||
        upload_connection_->where() != host + (port == 443 ? "" : ":" + std::to_string(port))) {
      upload_connection_ = std::make_unique<HttpsConnection>(host, port, tls_, /*keep_alive=*/true,
                                                             "the upload server", proxy_);
    }
    connection = upload_connection_.get();
  }
  if (connection == nullptr) return Refused();
  Poco::Net::HTTPRequest http(Poco::Net::HTTPRequest::HTTP_PUT, path.empty() ? "/" : path,
                              Poco::Net::HTTPMessage::HTTP_1_1);
  http.setContentType("application/octet-stream");
  http.set("Content-Range", content_range);
  return connection->Send(http, bytes, kMaxGraphAnswerBytes, timeout_);
}

}  // namespace m365

// Shared by the Graph tests: a demo emulator, tokens for the Graph demo
// app, base64, and readers of Graph's error bodies.
#pragma once

#include <Poco/Base64Encoder.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <gtest/gtest.h>

#include <optional>
#include <sstream>

#include "test_support.hpp"

namespace m365emu::testing {

inline const std::string kSendMail = std::string("/v1.0/users/") + kDemoMailbox + "/sendMail";

inline std::string B64(const std::string& bytes) {
  std::ostringstream out;
  Poco::Base64Encoder enc(out);
  enc.rdbuf()->setLineLength(0);
  enc << bytes;
  enc.close();
  return out.str();
}

inline Poco::JSON::Object::Ptr Json(const std::string& text) {
  Poco::JSON::Parser parser;
  return parser.parse(text).extract<Poco::JSON::Object::Ptr>();
}

inline std::string ErrorCode(const HttpResult& r) {
  try {
    return Json(r.body)->getObject("error")->getValue<std::string>("code");
  } catch (...) {
    return "(no error object: " + r.body + ")";
  }
}

inline std::string ErrorMessage(const HttpResult& r) {
  try {
    return Json(r.body)->getObject("error")->getValue<std::string>("message");
  } catch (...) {
    return "";
  }
}

inline std::string JsonMail(const std::string& to, const std::string& extra = "") {
  return R"({"message":{"subject":"Disk full","body":{"contentType":"Text","content":"Volume /var is 92 % full."},"toRecipients":[{"emailAddress":{"address":")" +
         to + R"("}}])" + extra + R"(},"saveToSentItems":false})";
}

class GraphTest : public ::testing::Test {
 protected:
  GraphTest() : emu_(MakeConfig(), dir_.path()) {}

  static Config MakeConfig() {
    Config c = DemoConfig();
    return c;
  }

  // A token as the token endpoint issues it to the Graph demo app (Mail.Send).
  std::string GraphToken() {
    return FetchAppToken(emu_, "https://graph.microsoft.com/.default", kDemoGraphClientId,
                         kDemoGraphSecretValue);
  }

  std::string Minted(std::optional<std::vector<std::string>> roles = std::nullopt,
                     std::int64_t issued_offset = 0, const std::string& audience = kGraphResource,
                     bool foreign = false) {
    MintOptions o;
    o.client_id = kDemoGraphClientId;
    o.audience = audience;
    o.roles = roles;
    o.issued_at_offset_seconds = issued_offset;
    o.foreign_key = foreign;
    return emu_.MintToken(o);
  }

  // The Graph demo app also gets Mail.ReadWrite (drafts, upload sessions).
  void GrantReadWrite() {
    Config c = emu_.config();
    c.tenant().apps.at(1).roles[kGraphResource] = {kGraphMailSendRole, kGraphMailReadWriteRole};
    emu_.SetConfig(c);
  }

  HttpResult SendMime(const std::string& token, const std::string& mime,
                      const std::string& path = kSendMail) {
    return GraphRequest(emu_, "POST", path, token, "text/plain", B64(mime));
  }

  TempDir dir_;
  Emulator emu_;
};

}  // namespace m365emu::testing

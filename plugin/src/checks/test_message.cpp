#include "checks/test_message.hpp"

namespace m365 {

notify::sdk::StatusOr<MimeMessage> BuildTestMessage(const M365Config& c,
                                                    const std::string& recipient,
                                                    const std::string& route, bool bcc_header) {
  notify::Message m;
  m.id = "m365-validation-test";
  m.to = {recipient};
  m.subject = "Test message from " + c.server_name;
  m.text_body = "This test message was sent while saving the notification settings \"" +
                c.server_name + "\" (" + route + ", from " + c.from_email + "). Delivery works.";
  auto mime = MimeBuilder(c.from_email, c.from_name).Build(m, bcc_header);
  if (!mime.ok()) {
    return notify::sdk::Status::InvalidArgument(
        "the test message to " + recipient + " could not be built: " + mime.status().message(),
        "Give a plain e-mail address as the test recipient.");
  }
  return mime;
}

}  // namespace m365

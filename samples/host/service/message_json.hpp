#pragma once
// A notification's message as the outbox stores it (message_json column):
// the fields of the API's notification body, attachments in base64.
#include <string>

#include "notify/host_api/message.hpp"

namespace notify_host {

// `message` as one JSON object; the id is not part of it (the row has it).
std::string MessageToJson(const notify::Message& message);

// The message stored by MessageToJson, with `id`. Throws Poco::Exception
// when `json` is not such an object (a row changed by hand).
notify::Message MessageFromJson(const std::string& json, const std::string& id);

}  // namespace notify_host

#pragma once
// The test message of the live checks (docs/channel-settings.md, Live checks
// at Save), the same on both routes but for the words that name the route.
#include <string>

#include "mime/mime_builder.hpp"
#include "notify/sdk/status.hpp"
#include "settings/m365_config.hpp"

namespace m365 {

// The test message to `recipient`, from `c`'s sender, saying it was sent
// while saving `c` over `route` ("Microsoft 365", "Microsoft 365 through
// Microsoft Graph"); `bcc_header` as MimeBuilder::Build. InvalidArgument
// naming the recipient when the message cannot be built.
notify::sdk::StatusOr<MimeMessage> BuildTestMessage(const M365Config& c,
                                                    const std::string& recipient,
                                                    const std::string& route, bool bcc_header);

}  // namespace m365

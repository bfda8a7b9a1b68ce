// The plugin's only exported symbols: its descriptor and its factory.
#include "channel/m365_channel.hpp"
#include "notify/sdk/export.hpp"

NOTIFY_EXPORT_CHANNEL(m365::M365Channel, "m365_oauth_smtp", "Microsoft 365 (OAuth2)", "1.0.0")

#pragma once
// The whole host API in one include.
#include "notify/host_api/abi_tag.hpp"
#include "notify/host_api/api_version.hpp"
#include "notify/host_api/channel.hpp"
#include "notify/host_api/delivery.hpp"
#include "notify/host_api/fields.hpp"
#include "notify/host_api/health.hpp"
#include "notify/host_api/host_context.hpp"
#include "notify/host_api/message.hpp"
#include "notify/host_api/plugin_descriptor.hpp"
#include "notify/host_api/sender_counters.hpp"
#include "notify/host_api/settings.hpp"
#include "notify/host_api/validation.hpp"

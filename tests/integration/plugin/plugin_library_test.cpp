// The built m365_oauth_smtp.so as a host loads it (Boost.DLL): the descriptor
// is readable before anything is created, and the factory gives a working
// channel.
#include <gtest/gtest.h>

#include <boost/dll/import.hpp>
#include <boost/dll/shared_library.hpp>
#include <memory>
#include <string>

#include "notify/host_api/host_api.hpp"
#include "notify/sdk/testing/fake_host.hpp"
#include "settings/m365_config.hpp"

namespace {

TEST(PluginLibraryTest, DescriptorAndFactoryOfTheBuiltLibrary) {
  boost::dll::shared_library library(M365_PLUGIN_FILE, boost::dll::load_mode::rtld_now);
  ASSERT_TRUE(library.has(notify::kDescriptorSymbol));
  ASSERT_TRUE(library.has(notify::kFactorySymbol));

  const auto& descriptor =
      library.get_alias<const notify::PluginDescriptor>(notify::kDescriptorSymbol);
  EXPECT_EQ(descriptor.struct_size, sizeof(notify::PluginDescriptor));
  EXPECT_EQ(descriptor.api_major, notify::kApiVersion.major);
  EXPECT_EQ(descriptor.api_minor, notify::kApiVersion.minor);
  EXPECT_EQ(std::string(descriptor.id), "m365_oauth_smtp");
  EXPECT_EQ(std::string(descriptor.display_name), "Microsoft 365 (OAuth2)");
  EXPECT_EQ(std::string(descriptor.version), "1.0.0");

  notify::sdk::testing::FakeHostContext host;
  auto& factory = library.get_alias<notify::ChannelFactory>(notify::kFactorySymbol);
  std::unique_ptr<notify::NotificationChannel> channel(factory(&host));
  ASSERT_NE(channel, nullptr);
  EXPECT_EQ(channel->Info().id, descriptor.id);
  EXPECT_EQ(channel->Fields().size(), m365::M365Fields().size());
  auto report = channel->Validate({{"server_name", "x"},
                                   {"from_email", "notify@contoso.com"},
                                   {"client_id", "0b9d7e4c-6a21-4f3b-8e5d-7c1a2b3c4d5e"},
                                   {"client_secret", "Xq8~Library.Test_Value-000000000000000"},
                                   {"tenant_id", "contoso.com"}},
                                  {notify::ValidationMode::kOffline, ""});
  EXPECT_TRUE(report.ok());
  EXPECT_TRUE(report.steps.empty());
  channel.reset();  // before the library goes
  EXPECT_EQ(factory(nullptr), nullptr) << "no host, no channel, no crash";
}

}  // namespace

// SPDX-License-Identifier: Apache-2.0
// Fuzz target: XEP-0050 command stanzas through the adapter and the full command logic
// (registration, preferences, sessions) over in-memory repositories.
#include <memory>

#include "fakes/fake_clock.h"
#include "fakes/fake_crypto.h"
#include "fakes/memory_repositories.h"
#include "plugin/commands.h"
#include "xml_feed.h"
#include "xmpp/command_adapter.h"

namespace {

vapush::Config makeConfig() {
  vapush::Config c;
  c.component.jid = "push.example.com";
  c.component.secret = "s";
  c.component.domains = {"example.com"};
  vapush::AppConfig ios;
  ios.name = "ios";
  ios.platform = vapush::Platform::Apns;
  vapush::AppConfig android;
  android.name = "android";
  android.platform = vapush::Platform::Fcm;
  c.apps = {ios, android};
  return c;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const vapush::Config config = makeConfig();
  vapush::MemoryDeviceRepository devices;
  vapush::MemoryPreferencesRepository preferences;
  vapush::FakeClock clock;
  vapush::FakeCrypto crypto;
  vapush::CommandHandler handler(config, devices, preferences, clock, crypto);
  vapush::xmpp::CommandAdapter adapter(handler);
  vapush::fuzz::feed(data, size, [&](const gloox::Tag& tag) {
    std::unique_ptr<gloox::Tag> reply(adapter.handle(tag));
    (void)reply->xml();
  });
  return 0;
}

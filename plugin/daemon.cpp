// SPDX-License-Identifier: Apache-2.0
// vapushd wiring: config -> storage, intake, XMPP link (and, as they land, batcher/push).
#include "plugin/daemon.h"

#include <thread>

#include "plugin/commands.h"
#include "plugin/log.h"
#include "plugin/publish_intake.h"
#include "storage/database.h"
#include "storage/intake_store.h"
#include "storage/openssl_crypto.h"
#include "storage/sqlite_repositories.h"
#include "xmpp/command_adapter.h"
#include "xmpp/component.h"
#include "xmpp/service.h"

namespace vapush {
namespace {

class DaemonObserver : public xmpp::Observer {
 public:
  void onLinkState(bool connected) override { connected_ = connected; }
  void onPresence(const xmpp::PresenceEvent& p) override {
    log::debug(
        "presence",
        {{"user", p.bare}, {"resource", p.resource}, {"show", std::string(toString(p.show))}});
  }
  void onPublishStored(const PublishRecord& r) override {
    log::info("publish.stored", {{"user", r.device.user},
                                 {"device", std::to_string(r.device.id)},
                                 {"message", r.has_message ? "yes" : "wake-up"}});
  }
  void onPublishRefused(const std::string&) override {}
  std::atomic<bool> connected_{false};
};

Category categorizeWith(const AgentsConfig& agents, const std::string& bare) {
  for (const auto& j : agents.virtual_agents) {
    if (j == bare) return Category::VirtualAgent;
  }
  for (const auto& j : agents.live_agents) {
    if (j == bare) return Category::LiveAgent;
  }
  return Category::Chat;
}

}  // namespace

int runDaemon(const Config& config, std::atomic<bool>& stop) {
  std::string error;
  auto db = Database::open(config.storage.sqlite, error);
  if (!db) {
    log::error("storage.open_failed", {{"error", error}});
    return 1;
  }
  log::info("storage.ready",
            {{"path", config.storage.sqlite}, {"schema", std::to_string(db->schemaVersion())}});
  SystemClock clock;
  OpenSslCrypto crypto;
  SqliteDeviceRepository devices(*db);
  IntakeStore store(*db);
  PublishIntake intake(config, devices, crypto, clock, [&config](const std::string& bare) {
    return categorizeWith(config.agents, bare);
  });
  SqlitePreferencesRepository preferences(*db);
  CommandHandler commands(config, devices, preferences, clock, crypto);
  xmpp::CommandAdapter command_adapter(commands);
  DaemonObserver observer;
  xmpp::Service service(config, intake, store, observer);
  service.setCommands(&command_adapter);
  xmpp::ComponentLink link(config.component, service);
  service.attach(link);

  std::thread watcher([&] {
    while (!stop) std::this_thread::sleep_for(std::chrono::milliseconds(50));
    link.requestStop();
  });
  log::info("vapushd.started", {{"jid", config.component.jid}});
  link.run();
  stop = true;
  watcher.join();
  log::info("vapushd.stopped");
  return 0;
}

}  // namespace vapush

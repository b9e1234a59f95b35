// SPDX-License-Identifier: Apache-2.0
// vapushd wiring: config -> storage, intake, XMPP link (and, as they land, batcher/push).
#include "plugin/daemon.h"

#include <sys/stat.h>

#include <algorithm>
#include <functional>
#include <future>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <random>
#include <thread>

#include "plugin/admin_gate.h"
#include "plugin/commands.h"
#include "plugin/daemon_admin.h"
#include "plugin/daemon_http.h"
#include "plugin/daemon_scheduler.h"
#include "plugin/daemon_test_push.h"
#include "plugin/forwarding_monitor.h"
#include "plugin/health.h"
#include "plugin/log.h"
#include "plugin/message_text.h"
#include "plugin/metrics.h"
#include "plugin/presence.h"
#include "plugin/publish_intake.h"
#include "plugin/read_rules.h"
#include "plugin/retry.h"
#include "plugin/test_push.h"
#include "plugin/text.h"
#include "plugin/tick_planner.h"
#include "plugin/time_zone.h"
#include "push/http_sender.h"
#include "push/localizer_icu.h"
#include "storage/database.h"
#include "storage/instance_lock.h"
#include "storage/intake_store.h"
#include "storage/notification_store.h"
#include "storage/openssl_crypto.h"
#include "storage/publish_key.h"
#include "storage/sqlite_repositories.h"
#include "xmpp/command_adapter.h"
#include "xmpp/component.h"
#include "xmpp/service.h"

namespace vapush {
namespace {

class DaemonObserver : public xmpp::Observer {
 public:
  DaemonObserver(const Config& config, Database& db, Clock& clock,
                 std::function<Category(const std::string&)> categorize, PresenceTracker& presence,
                 ForwardingMonitor& forwarding, CommitHealth& commits)
      : commits_(commits),
        config_(config),
        presence_(presence),
        forwarding_(forwarding),
        db_(db),
        intake_(db),
        notifications_(db),
        clock_(clock),
        categorize_(std::move(categorize)) {
    intake_.setMaxUnreadPerUser(static_cast<size_t>(config.limits.max_unread_per_user));
  }

  void onLinkState(bool connected) override {
    connected_ = connected;
    metrics().set("vapush_xmpp_connected", {}, connected ? 1 : 0);
  }
  void onPresence(const xmpp::PresenceEvent& p) override {
    const auto came_back = presence_.onPresence(p.bare, p.resource, p.show, clock_.nowMs(),
                                                p.idle_since, p.delay, p.id);
    metrics().inc("vapush_presences_total");
    if (came_back) {
      // The server has delivered everything queued to the client now open (read_rules.h).
      // Written in one transaction at the end of the receive pass (afterReceive).
      TimeMs& until = seen_[p.bare];
      until = std::max(until, *came_back);
      log::debug("presence.came_back", {{"user", p.bare}});
    }
    log::debug(
        "presence",
        {{"user", p.bare}, {"resource", p.resource}, {"show", std::string(toString(p.show))}});
  }
  // The receive pass's group commit for forwarded copies, read marks and coming-back
  // moments: one transaction (one disk sync) however many arrived, in arrival order by
  // kind (copies, then read marks, then moments). On failure everything is kept and
  // written by a later pass, at most once a second so a locked database does not hold
  // up the link; past kMaxQueued per kind the oldest are dropped and counted.
  void afterReceive() override {
    prunePresence();
    if (copies_.empty() && reads_.empty() && seen_.empty()) return;
    if (clock_.steadyNow() < retry_at_) return;
    size_t seen_changed = 0;
    Status s = db_.begin();
    for (auto& copy : copies_) {
      if (s.ok()) s = intake_.storeForwarded(copy);
    }
    for (const auto& r : reads_) {
      if (s.ok()) s = notifications_.markRead(r.user, r.peer, r.until);
    }
    if (s.ok()) s = notifications_.markSeen(seen_, seen_changed);
    if (s.ok()) s = db_.commit();
    commits_.record("forwarded", clock_.nowMs(), s);
    intake_.endTransaction(s.ok());
    if (!s.ok()) {
      db_.rollback();
      retry_at_ = clock_.steadyNow() + std::chrono::seconds(1);
      log::error("forwarded.store_failed", {{"copies", std::to_string(copies_.size())},
                                            {"reads", std::to_string(reads_.size())},
                                            {"users_back", std::to_string(seen_.size())},
                                            {"error", s.message}});
      trim(copies_, "copy");
      trim(reads_, "read");
      return;
    }
    copies_.clear();
    reads_.clear();
    seen_.clear();
    if (seen_changed > 0) {
      metrics().inc("vapush_read_marks_total", {{"signal", "came_back"}},
                    static_cast<double>(seen_changed));
    }
  }
  void onPublishStored(const PublishRecord& r) override {
    metrics().inc("vapush_publishes_total", {{"result", "accepted"}});
    if (r.has_message) {
      if (auto warning = forwarding_.onPublish(domainOf(r.device.user))) {
        log::warn("prosody.no_forwarded_copies", {{"problem", *warning}});
      }
    }
    if (!r.device.resource.empty()) {
      presence_.onPublish(r.device.user, r.device.resource, r.device.last_publish);
    }
    log::debug("publish.stored", {{"user", r.device.user},
                                  {"device", std::to_string(r.device.id)},
                                  {"message", r.has_message ? "yes" : "wake-up"}});
  }
  void onPublishRefused(const std::string& condition) override {
    metrics().inc("vapush_publishes_total", {{"result", condition}});
  }

  void onPrivilege(const std::string& server, const std::string& ns) override {
    forwarding_.onPrivilege(domainOf(server), ns);
  }

  void onForwarded(const xmpp::ForwardedMessage& m) override {
    const TimeMs now = clock_.nowMs();
    const bool from_local = served(m.from_bare);
    const bool to_local = served(m.to_bare);
    forwarding_.onForwarded(domainOf(to_local ? m.to_bare : m.from_bare));
    if (to_local && !m.body.empty()) {
      // An incoming message for a local user: unread until a read signal comes.
      UnreadMessage u;
      u.user = m.to_bare;
      u.conversation = m.from_bare;
      u.sender = m.from;
      u.sender_nick = m.nick;
      u.category = categorize_(m.from_bare);
      u.body = storedBody(m.body, m.encrypted);
      u.message_time = m.stamp.value_or(now);
      u.received = now;
      u.dedupe_key = m.id.empty() ? std::string() : "fwd:" + m.id;
      copies_.push_back(std::move(u));  // group-committed in afterReceive()
    }
    if (from_local) markRead(m, now);
  }

  std::atomic<bool> connected_{false};

 private:
  // The user replied, displayed or received: the peer's earlier messages are read, if
  // the signal counts (read_rules.h: a receipt from a backgrounded client does not).
  void markRead(const xmpp::ForwardedMessage& m, TimeMs now) {
    ReadSignal signal = ReadSignal::Reply;
    if (m.body.empty()) {
      if (!m.displayed_id.empty()) {
        signal = ReadSignal::Displayed;
      } else if (!m.received_id.empty()) {
        signal = ReadSignal::Receipt;
      } else {
        return;  // chat state or other content: says nothing about reading
      }
    }
    const auto slash = m.from.find('/');
    const std::string resource = slash == std::string::npos ? "" : m.from.substr(slash + 1);
    const char* kind = signal == ReadSignal::Reply       ? "reply"
                       : signal == ReadSignal::Displayed ? "displayed"
                                                         : "receipt";
    if (!readSignalCounts(signal, presence_.state(m.from_bare, resource), now,
                          config_.batching.idle_threshold_ms)) {
      log::debug("forwarded.read_ignored", {{"user", m.from_bare}, {"signal", kind}});
      return;
    }
    reads_.push_back({m.from_bare, m.to_bare, now});  // group-committed in afterReceive()
    metrics().inc("vapush_read_marks_total", {{"signal", kind}});
    log::debug("forwarded.read", {{"user", m.from_bare}, {"peer", m.to_bare}, {"signal", kind}});
  }

  // Forgets resources gone (unavailable or hibernated) for a while, once a minute: a
  // forgotten resource reads as offline, which is what it is.
  void prunePresence() {
    const TimeMs now = clock_.nowMs();
    if (now < next_prune_) return;
    next_prune_ = now + 60'000;
    const size_t removed = presence_.prune(now - kForgetGoneResourcesMs);
    metrics().set("vapush_presence_resources", {}, static_cast<double>(presence_.resourceCount()));
    metrics().set("vapush_presence_evicted_resources", {},
                  static_cast<double>(presence_.evictedCount()));
    if (removed > 0) log::debug("presence.pruned", {{"resources", std::to_string(removed)}});
  }
  static constexpr TimeMs kForgetGoneResourcesMs = 10 * 60'000;

  template <typename T>
  static void trim(std::vector<T>& queue, const char* what) {
    if (queue.size() <= kMaxQueued) return;
    const size_t drop = queue.size() - kMaxQueued;
    queue.erase(queue.begin(), queue.begin() + static_cast<std::ptrdiff_t>(drop));
    metrics().inc("vapush_forwarded_dropped_total", {{"kind", what}}, static_cast<double>(drop));
  }
  static constexpr size_t kMaxQueued = 100'000;

  // Lower-case: the forwarding monitor keys servers by domain, whatever case they use.
  static std::string domainOf(const std::string& bare) { return domainOfJid(bare); }

  bool served(const std::string& bare) const {
    const std::string domain = domainOfJid(bare);  // lower-case, as the configured ones
    for (const auto& d : config_.component.domains) {
      if (lowerAscii(d) == domain) return true;
    }
    return false;
  }

  CommitHealth& commits_;
  const Config& config_;
  PresenceTracker& presence_;
  ForwardingMonitor& forwarding_;
  struct ReadMark {
    std::string user, peer;
    TimeMs until = 0;
  };
  Database& db_;
  std::vector<UnreadMessage> copies_;                 // forwarded copies not yet written
  std::vector<ReadMark> reads_;                       // read marks not yet written
  std::map<std::string, TimeMs> seen_;                // came-back moments not yet written, by user
  std::chrono::steady_clock::time_point retry_at_{};  // after a failed write, not before this
  TimeMs next_prune_ = 0;
  IntakeStore intake_;
  NotificationStore notifications_;
  Clock& clock_;
  std::function<Category(const std::string&)> categorize_;
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

// /healthz detail of the apps whose pushes are held.
std::string holdsJson(const std::vector<AppHold>& holds) {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& h : holds) {
    nlohmann::json j = {{"app", h.app},
                        {"cause", std::string(toString(h.cause))},
                        {"reason", h.reason},
                        {"since_ms", h.since},
                        {"next_probe_ms", h.until}};
    if (h.cause == AppHold::Cause::InvalidTokenBreaker) {
      j["invalid_tokens"] = h.invalid_tokens;
      j["tokens"] = h.tokens;
    }
    out.push_back(std::move(j));
  }
  return out.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace

// Key material readable by group or others is a warning, or a refusal when configured.
bool checkKeyFiles(const Config& config) {
  std::vector<std::string> files = {config.component.secret_file,
                                    publishKeyPath(config.storage.sqlite)};
  for (const auto& app : config.apps) {
    files.insert(files.end(), {app.key_file, app.cert_key_file, app.cert_password_file,
                               app.service_account_file});
    // A PKCS#12 file, or a PEM file without a separate key file, holds the private key.
    if (app.cert_type == "P12" || (!app.cert_file.empty() && app.cert_key_file.empty())) {
      files.push_back(app.cert_file);
    }
  }
  bool ok = true;
  for (const std::string& file : files) {
    struct stat st {};
    // Group-readable is how the package shares the secret with the vapush group (0640).
    const mode_t too_open = file == config.component.secret_file ? 007 : 077;
    if (file.empty() || ::stat(file.c_str(), &st) != 0 || (st.st_mode & too_open) == 0) continue;
    const bool refuse = config.log.refuse_open_key_files;
    log::write(refuse ? log::Level::Error : log::Level::Warn, "config.key_file_permissions",
               {{"file", file}, {"problem", "readable by others; chmod 600"}});
    ok = ok && !refuse;
  }
  return ok;
}

int runDaemon(const Config& config, std::atomic<bool>& stop) {
  std::string error;
  if (!checkKeyFiles(config)) return 1;
  const auto localizer = push::IcuLocalizer::load(config.i18n, error);
  if (!localizer) {
    log::error("i18n.catalog_invalid", {{"error", error}});
    return 2;
  }
  InstanceLock instance;
  if (!instance.acquire(config.storage.sqlite, error)) {
    log::error("storage.locked", {{"error", error}});
    return 1;
  }
  auto db = Database::open(config.storage.sqlite, error);
  if (!db) {
    log::error("storage.open_failed", {{"error", error}});
    return 1;
  }
  db->setBusyTimeout(config.storage.busy_timeout_ms);
  log::info("storage.ready",
            {{"path", config.storage.sqlite}, {"schema", std::to_string(db->schemaVersion())}});
  SystemClock clock;
  OpenSslCrypto crypto;
  PublishKeys publish_keys;
  if (!loadPublishKeys(config, crypto, publish_keys, error)) {
    log::error("publish_key.unusable", {{"error", error}});
    return 1;
  }
  if (publish_keys.created) log::info("publish_key.created", {{"file", publish_keys.file}});
  SqliteDeviceRepository devices(*db);
  IntakeStore store(*db);
  store.setMaxUnreadPerUser(static_cast<size_t>(config.limits.max_unread_per_user));
  PublishIntake intake(config, devices, crypto, clock, [&config](const std::string& bare) {
    return categorizeWith(config.agents, bare);
  });
  SqlitePreferencesRepository preferences(*db);
  CommandHandler commands(config, devices, preferences, clock, crypto, publish_keys.keys);
  TzifTimeZones zones;
  commands.setTimeZones(&zones);  // an unknown zone in preferences is refused
  xmpp::CommandAdapter command_adapter(commands);
  PresenceTracker presence;
  ForwardingMonitor forwarding;
  CommitHealth commit_health;  // each writer's last commit, for /healthz
  DaemonObserver observer(
      config, *db, clock,
      [&config](const std::string& bare) { return categorizeWith(config.agents, bare); }, presence,
      forwarding, commit_health);

  // The scheduled job, on its own thread and database connection.
  auto tick_db = Database::open(config.storage.sqlite, error);
  if (!tick_db) {
    log::error("storage.open_failed", {{"error", error}});
    return 1;
  }
  tick_db->setBusyTimeout(config.storage.busy_timeout_ms);
  std::atomic<Scheduler*> scheduler_ptr{nullptr};
  TestPushes test_pushes;
  auto sender = push::HttpPushSender::create(
      config, clock,
      [&scheduler_ptr, &test_pushes](const DeliveryResult& r) {
        if (test_pushes.claim(r)) return;
        if (Scheduler* s = scheduler_ptr.load()) s->onResult(r);
      },
      error);
  if (!sender) {
    log::error("push.setup_failed", {{"error", error}});
    return 1;
  }
  DaemonTestPusher test_pusher(config, *sender, test_pushes, crypto, *localizer);
  commands.setTestPusher(&test_pusher);
  RetryPolicy retry;
  std::mt19937_64 rng(std::random_device{}());
  Scheduler scheduler(
      config, *tick_db, clock,
      [&](const TickSnapshot& snapshot, TimeMs now, int64_t batch) {
        PlannerContext ctx{config.batching, presence,
                           zones,           [&] { return crypto.randomHex(16); },
                           localizer.get(), config.i18n.default_language};
        return planTick(snapshot, now, batch, ctx);
      },
      sender.get(),
      [&](int attempts, const DeliveryResult& r, TimeMs now) {
        return retry.next(attempts, r, now, std::uniform_real_distribution<double>(0, 1)(rng));
      },
      Scheduler::Hooks{nullptr, nullptr,
                       [&](const Status& s) { commit_health.record("tick", clock.nowMs(), s); }});
  scheduler_ptr = &scheduler;
  xmpp::Service service(config, intake, store, observer);
  service.setCommands(&command_adapter);
  service.setCommitHealth(&commit_health, &clock);
  xmpp::ComponentLink link(config.component, service, config.limits.max_stanza_bytes);
  service.attach(link);

  bool token_created = false;
  const std::string& admin_file = config.http.admin_token_file;
  const std::string admin_hash = loadAdminTokenHash(admin_file, crypto, token_created, error);
  if (admin_hash.empty()) {
    log::warn("admin_token.unusable", {{"error", error}, {"effect", "admin actions refused"}});
  } else if (token_created) {
    log::info("admin_token.created", {{"file", admin_file}});
  }
  AdminGate admin_gate(admin_hash, crypto, clock);
  // /healthz never touches the database: it reports the writers' last commits and the
  // free space of the database's filesystem (plugin/health.h).
  HttpEndpoint http(
      HttpHandlers{[&observer] { return observer.connected_.load(); },
                   [&commit_health] { return commit_health.last(); }, config.storage.sqlite,
                   [&](int64_t device) {
                     return sendTestPush(config, *sender, test_pushes, crypto, *localizer, device);
                   },
                   &admin_gate, [&scheduler] { return holdsJson(scheduler.holds()); },
                   [&forwarding] { return forwarding.warnings(); }});
  if (!config.http.listen.empty() && !http.start(config.http.listen, error)) {
    log::error("http.start_failed", {{"error", error}});
    return 1;
  }

  std::thread watcher([&] {
    while (!stop) {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
      log::reopenIfRequested();
    }
    link.requestStop();
  });
  log::info("vapushd.started", {{"jid", config.component.jid}});
  scheduler.start();
  link.run();
  stop = true;
  watcher.join();
  http.stop();
  scheduler.stop();
  scheduler_ptr = nullptr;
  sender.reset();
  log::info("vapushd.stopped");
  return 0;
}

}  // namespace vapush

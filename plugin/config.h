// SPDX-License-Identifier: Apache-2.0
// Typed configuration, read once at start from one YAML file (see packaging/vapush.yml).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "plugin/model.h"

namespace vapush {

struct ComponentConfig {
  std::string jid;  // component JID, e.g. push.example.com
  std::string host = "127.0.0.1";
  int port = 5347;
  std::string secret;  // loaded from secret_file (or `secret`, discouraged); never logged
  std::string secret_file;
  std::vector<std::string> domains;  // user domains we serve; empty = parent domain of jid
  // Domains whose servers may publish fpush-style (node = device token, publish-option
  // pushModule; such publishes create devices): default = `domains`.
  std::vector<std::string> fpush_domains;
  bool allow_foreign_users = false;  // commands from users of other domains
  // HMAC key for deriving publish secrets of registrations (plugin/registration.h), from
  // publish_secret_key_file; empty = vapushd's own key file next to the database
  // (storage/publish_key.h). Changing it changes every secret: clients get the new one
  // when they next register (Conversations does on every session). Never logged.
  std::string publish_secret_key;
  int reconnect_min_ms = 500;
  int reconnect_max_ms = 30000;
};

struct StorageConfig {
  std::string sqlite = "/var/lib/vapush/vapush.db";
  // How long a write waits for another connection's transaction (e.g. a large tick's
  // commit) before giving up; a publish that gives up is answered `wait` and its
  // notification is lost, so this is long rather than short.
  int64_t busy_timeout_ms = 10'000;
};

enum class QuietHoursMode {
  Hold,  // keep the messages and push after quiet hours end
  Drop,  // mark their rows suppressed
};

struct BatchingConfig {
  int64_t interval_ms = 60'000;         // the scheduled job's period
  int64_t idle_threshold_ms = 300'000;  // XEP-0319 idle longer than this = not in use
  bool suppress_if_other_resource_active = false;
  QuietHoursMode quiet_hours = QuietHoursMode::Hold;
  int64_t retention_ms = 7LL * 24 * 3600 * 1000;  // prune read/notified data after this
  int64_t push_ttl_ms = 24LL * 3600 * 1000;       // rows older than this become expired
  // Devices disabled (dead token) for longer than this are deleted.
  int64_t disabled_device_retention_ms = 30LL * 24 * 3600 * 1000;
};

struct AgentsConfig {
  std::vector<std::string> virtual_agents;  // bare JIDs -> Category::VirtualAgent
  std::vector<std::string> live_agents;     // bare JIDs -> Category::LiveAgent
};

struct AppConfig {
  std::string name;  // referenced by devices (Device::app) and registrations' `app` field
  Platform platform = Platform::Apns;
  std::string endpoint;  // default: APNs production/sandbox or https://fcm.googleapis.com
  std::string ca_file;   // optional CA bundle override (tests, staging)
  std::vector<std::string> push_modules;  // fpush `pushModule` values routed to this app
  // alert: vapush's own visible notification (default). wake: what the registering
  // client family expects (p2 wake-up, fpush/Tigase alerts its extension rewrites), for
  // apps built on a client that fetches and notifies by itself (plugin/push_style.h).
  PushStyle push_style = PushStyle::Alert;
  // server: vapush writes its texts in the device's language (plugin/localizer.h).
  // device: pushes carry the catalog keys and arguments (APNs loc-key/loc-args, FCM
  // *_loc_key/*_loc_args) and the app translates them.
  bool localize_on_device = false;
  // APNs `mutable-content: 1` on alerts, for apps with a Notification Service Extension.
  bool mutable_content = false;
  // APNs
  std::string topic;  // bundle id
  std::string team_id;
  std::string key_id;
  std::string key_file;  // .p8 (token auth)
  // Certificate auth (the alternative to key_file): a client certificate, PEM (with
  // cert_key_file unless the key is in the same file) or PKCS#12 (.p12/.pfx, or
  // cert_type: p12); cert_password_file unlocks a PKCS#12 file or an encrypted PEM key.
  std::string cert_file;
  std::string cert_key_file;
  std::string cert_type;  // "PEM" or "P12" (libcurl's names), set when cert_file is
  std::string cert_password_file;
  std::string cert_password;  // read from cert_password_file; never logged
  bool sandbox = false;
  // FCM
  std::string project_id;
  std::string service_account_file;
  // Both
  int max_concurrent_streams = 1000;
  int64_t request_timeout_ms = 10'000;
};

// What delivery does when providers answer in ways that point at a configuration mistake
// rather than at one device (plugin/delivery_policy.h).
struct DeliveryConfig {
  // The invalid-token breaker: more than this share of one app's distinct tokens
  // answered invalid within the window, and at least `min` of them, holds the app
  // instead of disabling its devices (a wrong `sandbox` makes every token invalid).
  int invalid_token_share_percent = 20;
  int64_t invalid_token_window_ms = 10 * 60 * 1000;
  int invalid_token_min = 5;
  // A held app (configuration error, or the breaker open) is probed again after
  // hold_min, doubling up to hold_max while the answers stay the same.
  int64_t hold_min_ms = 60 * 1000;
  int64_t hold_max_ms = 30 * 60 * 1000;
};

struct HttpConfig {
  std::string listen = "127.0.0.1:9464";  // empty = disabled
  // The token vapushctl presents for admin actions (POST /admin/test-push); vapushd
  // creates it (mode 0600) when missing. Default "<storage.sqlite>.admin-token"; empty
  // only for an in-memory database (then no admin action is allowed).
  std::string admin_token_file;
};

struct LimitsConfig {
  int max_devices_per_user = 10;
  int max_registrations_per_minute = 10;
  // New devices fpush-style publishes may create, per publishing domain and minute; more
  // are answered `wait` (resource-constraint) and created by a later publish.
  int new_fpush_devices_per_minute = 60;
  // Unread messages kept per user; storing one more drops the oldest (not pushed, no
  // longer in the badge, counted in vapush_unread_dropped_total). At the cap the badge
  // shows this number.
  int max_unread_per_user = 1000;
  // Largest stanza accepted from the server; a larger one is skipped alone (an IQ is
  // answered policy-violation) and the link stays up. ejabberd and Prosody cap c2s stanzas
  // at 256 KiB by default and a publish carries a whole message body plus about 1 KiB, so
  // leave room: an oversized publish is answered `modify` and ejabberd then deletes that
  // registration.
  size_t max_stanza_bytes = 1 << 20;
};

// The smallest limits.max_stanza_bytes: gloox's read buffer (ConnectionTCPBase, 8192
// bytes in libgloox 1.0). A smaller limit saves no memory, since gloox reads that much at
// once anyway, and would skip ordinary publishes.
inline constexpr size_t kMinStanzaBytes = 8192;

enum class LogFormat { KeyValue, Json };

struct LogConfig {
  std::string level = "info";  // debug | info | warn | error
  LogFormat format = LogFormat::KeyValue;
  std::string file;                    // empty = stderr
  bool refuse_open_key_files = false;  // key files readable by others: warn (false) or refuse
};

// Languages of the texts vapush writes (plugin/localizer.h, packaging/i18n/).
struct I18nConfig {
  std::string default_language = "en";  // `defaults.language`: devices with no language
  // `i18n.directory`: the operator's catalogs (<language>.json), added to the built-in
  // ones or overriding them key by key; empty = built-in only.
  std::string directory;
};

struct Config {
  std::string path;  // file it was read from
  ComponentConfig component;
  StorageConfig storage;
  BatchingConfig batching;
  AgentsConfig agents;
  std::vector<AppConfig> apps;
  DeliveryConfig delivery;
  HttpConfig http;
  LimitsConfig limits;
  LogConfig log;
  I18nConfig i18n;
};

// A config problem with the place it was found; `line` is 1-based, 0 if unknown.
struct ConfigError {
  std::string file;
  int line = 0;
  std::string reason;
  std::string toString() const;
};

// Reads and validates a config file; secret files are read relative to the config's dir.
// Returns the config or the first error found. Never throws.
struct ConfigResult {
  std::optional<Config> config;
  std::optional<ConfigError> error;
};
ConfigResult loadConfig(const std::string& path);
ConfigResult parseConfig(const std::string& yaml_text, const std::string& path_for_errors);

}  // namespace vapush

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
  bool allow_foreign_users = false;  // commands from users of other domains
  // HMAC key for deriving publish secrets of registrations (plugin/registration.h);
  // empty = derived from `secret`. Changing it changes every secret: clients get the new
  // one when they next register (Conversations does on every session). Never logged.
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

struct HttpConfig {
  std::string listen = "127.0.0.1:9464";  // empty = disabled
};

struct LimitsConfig {
  int max_devices_per_user = 10;
  int max_registrations_per_minute = 10;
  // Largest stanza accepted from the server; servers cap c2s stanzas at 256 KiB by
  // default and a publish carries a whole message body, so leave room.
  size_t max_stanza_bytes = 1 << 20;
};

enum class LogFormat { KeyValue, Json };

struct LogConfig {
  std::string level = "info";  // debug | info | warn | error
  LogFormat format = LogFormat::KeyValue;
  std::string file;                    // empty = stderr
  bool refuse_open_key_files = false;  // key files readable by others: warn (false) or refuse
};

struct Config {
  std::string path;  // file it was read from
  ComponentConfig component;
  StorageConfig storage;
  BatchingConfig batching;
  AgentsConfig agents;
  std::vector<AppConfig> apps;
  HttpConfig http;
  LimitsConfig limits;
  LogConfig log;
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

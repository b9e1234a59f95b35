// SPDX-License-Identifier: Apache-2.0
// YAML config reader: every unknown key or wrong type is an error naming file and line.
#include "plugin/config.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <initializer_list>
#include <set>
#include <sstream>

#include "plugin/config_yaml.h"
#include "plugin/listen_address.h"
#include "plugin/registration.h"
#include "plugin/text.h"

namespace vapush {
namespace {

using namespace config_yaml;  // NOLINT: the reader's helpers, plugin/config_yaml.h

void parseComponent(const YAML::Node& n, Config& c) {
  onlyKeys(n, "component",
           {"jid", "host", "port", "secret", "secret_file", "domains", "allow_foreign_users",
            "reconnect_min", "reconnect_max", "publish_secret_key_file", "fpush_domains"});
  auto& cc = c.component;
  cc.jid = str(n, "jid", "component");
  if (cc.jid.empty() || cc.jid.find('@') != std::string::npos ||
      cc.jid.find('/') != std::string::npos) {
    fail(n["jid"] ? n["jid"] : n, "component.jid: required, a domain JID like push.example.com");
  }
  cc.host = str(n, "host", "component", cc.host);
  cc.port = static_cast<int>(integer(n, "port", "component", cc.port, 1, 65535));
  cc.secret_file = str(n, "secret_file", "component");
  if (n["secret"] && n["secret_file"]) fail(n["secret"], "component: give secret or secret_file");
  if (!cc.secret_file.empty()) {
    cc.secret_file = relativeTo(c.path, cc.secret_file).string();
    cc.secret = readSecretFile(n["secret_file"], cc.secret_file);
  } else {
    cc.secret = str(n, "secret", "component");
  }
  if (cc.secret.empty()) fail(n, "component: secret_file (or secret) is required");
  cc.domains = strings(n, "domains", "component");
  // Domains compare case-insensitively (RFC 7622 §3.2): kept lower-case, compared with
  // lowerAscii() of what arrives.
  for (auto& d : cc.domains) d = lowerAscii(d);
  if (cc.domains.empty()) {
    const auto dot = cc.jid.find('.');
    cc.domains.push_back(lowerAscii(dot == std::string::npos ? cc.jid : cc.jid.substr(dot + 1)));
  }
  cc.fpush_domains = strings(n, "fpush_domains", "component");
  std::set<std::string> seen;
  for (auto& d : cc.fpush_domains) {
    for (char& ch : d) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    if (d.empty() || d.find_first_of("@/ \t") != std::string::npos) {
      fail(n["fpush_domains"], "component.fpush_domains: '" + d + "' is not a domain");
    }
    if (!seen.insert(d).second) {
      fail(n["fpush_domains"], "component.fpush_domains: duplicate '" + d + "'");
    }
  }
  if (!n["fpush_domains"]) cc.fpush_domains = cc.domains;
  cc.allow_foreign_users = boolean(n, "allow_foreign_users", "component", false);
  // Key for deriving stable publish secrets (see plugin/registration.h); default: derived
  // from the component secret.
  if (const std::string key_file = str(n, "publish_secret_key_file", "component");
      !key_file.empty()) {
    cc.publish_secret_key =
        readSecretFile(n["publish_secret_key_file"], relativeTo(c.path, key_file));
  }
  cc.reconnect_min_ms = static_cast<int>(
      duration(n, "reconnect_min", "component", cc.reconnect_min_ms, 10, 3'600'000));
  cc.reconnect_max_ms = static_cast<int>(
      duration(n, "reconnect_max", "component", cc.reconnect_max_ms, 10, 3'600'000));
}

void parseBatching(const YAML::Node& n, BatchingConfig& b) {
  onlyKeys(n, "batching",
           {"interval", "idle_threshold", "suppress_if_other_resource_active", "quiet_hours",
            "retention", "push_ttl", "disabled_device_retention"});
  b.interval_ms = duration(n, "interval", "batching", b.interval_ms, 100);
  b.idle_threshold_ms = duration(n, "idle_threshold", "batching", b.idle_threshold_ms, 0);
  b.suppress_if_other_resource_active = boolean(n, "suppress_if_other_resource_active", "batching",
                                                b.suppress_if_other_resource_active);
  const std::string q = str(n, "quiet_hours", "batching", "hold");
  if (q == "hold") {
    b.quiet_hours = QuietHoursMode::Hold;
  } else if (q == "drop") {
    b.quiet_hours = QuietHoursMode::Drop;
  } else {
    fail(n["quiet_hours"], "batching.quiet_hours: expected hold or drop");
  }
  b.retention_ms = duration(n, "retention", "batching", b.retention_ms, 60'000);
  b.push_ttl_ms = duration(n, "push_ttl", "batching", b.push_ttl_ms, 1000);
  b.disabled_device_retention_ms = duration(n, "disabled_device_retention", "batching",
                                            b.disabled_device_retention_ms, 3'600'000);
}

// cert_type from the key or the file name; cert_password from its file.
void parseCertType(const YAML::Node& n, const std::string& w, AppConfig& a) {
  std::string type = str(n, "cert_type", w);
  for (char& ch : type) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  if (a.cert_file.empty()) {
    for (const char* k : {"cert_type", "cert_key_file", "cert_password_file"}) {
      if (n[k]) fail(n[k], w + "." + k + ": only with cert_file");
    }
    return;
  }
  if (type.empty()) {
    std::string ext = std::filesystem::path(a.cert_file).extension().string();
    for (char& ch : ext) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    type = ext == ".p12" || ext == ".pfx" ? "p12" : "pem";
  }
  if (type != "pem" && type != "p12") fail(n["cert_type"], w + ".cert_type: expected pem or p12");
  a.cert_type = type == "p12" ? "P12" : "PEM";
  if (a.cert_type == "P12" && !a.cert_key_file.empty()) {
    fail(n["cert_key_file"], w + ".cert_key_file: a PKCS#12 file holds its own key");
  }
  if (!a.cert_password_file.empty()) {
    a.cert_password = readSecretFile(n["cert_password_file"], a.cert_password_file);
  }
}

AppConfig parseApp(const YAML::Node& n, const Config& c) {
  onlyKeys(n, "apps[]",
           {"name",
            "platform",
            "endpoint",
            "ca_file",
            "push_modules",
            "push_style",
            "topic",
            "team_id",
            "key_id",
            "key_file",
            "cert_file",
            "cert_key_file",
            "cert_type",
            "cert_password_file",
            "sandbox",
            "project_id",
            "service_account_file",
            "max_concurrent_streams",
            "request_timeout",
            "localize",
            "mutable_content"});
  AppConfig a;
  a.name = str(n, "name", "apps[]");
  if (a.name.empty()) fail(n, "apps[]: name is required");
  const std::string w = "apps[" + a.name + "]";
  const auto platform = platformFromString(str(n, "platform", w));
  if (!platform) fail(n["platform"] ? n["platform"] : n, w + ".platform: expected apns or fcm");
  a.platform = *platform;
  a.endpoint = str(n, "endpoint", w);
  a.ca_file = str(n, "ca_file", w);
  if (!a.ca_file.empty()) a.ca_file = relativeTo(c.path, a.ca_file).string();
  a.push_modules = strings(n, "push_modules", w);
  if (const auto style = n["push_style"]) {
    const auto parsed = pushStyleFromString(str(n, "push_style", w));
    if (!parsed) fail(style, w + ".push_style: expected alert or wake");
    a.push_style = *parsed;
  }
  if (const auto loc = n["localize"]) {
    const std::string v = str(n, "localize", w);
    if (v != "server" && v != "device") fail(loc, w + ".localize: expected server or device");
    a.localize_on_device = v == "device";
  }
  a.mutable_content = boolean(n, "mutable_content", w, false);
  a.sandbox = boolean(n, "sandbox", w, false);
  a.max_concurrent_streams = static_cast<int>(
      integer(n, "max_concurrent_streams", w, a.max_concurrent_streams, 1, 100000));
  a.request_timeout_ms = duration(n, "request_timeout", w, a.request_timeout_ms, 100);
  auto file = [&](const char* key) {
    std::string v = str(n, key, w);
    return v.empty() ? v : relativeTo(c.path, v).string();
  };
  if (a.platform == Platform::Apns) {
    a.topic = str(n, "topic", w);
    a.team_id = str(n, "team_id", w);
    a.key_id = str(n, "key_id", w);
    a.key_file = file("key_file");
    a.cert_file = file("cert_file");
    a.cert_key_file = file("cert_key_file");
    a.cert_password_file = file("cert_password_file");
    parseCertType(n, w, a);
    if (a.topic.empty()) fail(n, w + ".topic: required for apns (the app's bundle id)");
    const bool token_auth = !a.key_file.empty();
    if (token_auth && (a.team_id.empty() || a.key_id.empty())) {
      fail(n, w + ": key_file needs team_id and key_id");
    }
    if (!token_auth && a.cert_file.empty())
      fail(n, w + ": give key_file (token auth) or cert_file");
    if (a.endpoint.empty()) {
      a.endpoint = a.sandbox ? "https://api.sandbox.push.apple.com" : "https://api.push.apple.com";
    }
    for (const char* k : {"project_id", "service_account_file"}) {
      if (n[k]) fail(n[k], w + "." + k + ": only for fcm apps");
    }
  } else {
    a.project_id = str(n, "project_id", w);
    a.service_account_file = file("service_account_file");
    if (a.service_account_file.empty()) fail(n, w + ".service_account_file: required for fcm");
    if (a.endpoint.empty()) a.endpoint = "https://fcm.googleapis.com";
    for (const char* k : {"topic", "team_id", "key_id", "key_file", "cert_file", "cert_key_file",
                          "cert_type", "cert_password_file"}) {
      if (n[k]) fail(n[k], w + "." + k + ": only for apns apps");
    }
  }
  if (a.endpoint.rfind("https://", 0) != 0) fail(n["endpoint"], w + ".endpoint: must be https://");
  return a;
}

void parseDelivery(const YAML::Node& n, DeliveryConfig& d) {
  onlyKeys(
      n, "delivery",
      {"invalid_token_share", "invalid_token_window", "invalid_token_min", "hold_min", "hold_max"});
  d.invalid_token_share_percent =
      percent(n, "invalid_token_share", "delivery", d.invalid_token_share_percent);
  d.invalid_token_window_ms =
      duration(n, "invalid_token_window", "delivery", d.invalid_token_window_ms, 1000);
  d.invalid_token_min = static_cast<int>(
      integer(n, "invalid_token_min", "delivery", d.invalid_token_min, 2, 1'000'000));
  d.hold_min_ms = duration(n, "hold_min", "delivery", d.hold_min_ms, 1000);
  d.hold_max_ms = duration(n, "hold_max", "delivery", d.hold_max_ms, 1000);
  if (d.hold_max_ms < d.hold_min_ms) {
    fail(n["hold_max"] ? n["hold_max"] : n, "delivery.hold_max: must not be below hold_min");
  }
}

Config parseRoot(const YAML::Node& root, const std::string& path) {
  Config c;
  c.path = path;
  if (!root.IsMap()) fail(root, "top level: expected a mapping");
  onlyKeys(root, "",
           {"component", "storage", "batching", "agents", "apps", "delivery", "http", "limits",
            "log", "defaults", "i18n"});
  if (!root["component"]) fail(root, "component: section is required");
  parseComponent(root["component"], c);
  if (const auto s = root["storage"]) {
    onlyKeys(s, "storage", {"sqlite", "busy_timeout"});
    c.storage.sqlite = str(s, "sqlite", "storage", c.storage.sqlite);
    c.storage.busy_timeout_ms =
        duration(s, "busy_timeout", "storage", c.storage.busy_timeout_ms, 1);
    if (c.storage.sqlite != ":memory:") c.storage.sqlite = relativeTo(path, c.storage.sqlite);
  }
  if (const auto b = root["batching"]) parseBatching(b, c.batching);
  if (const auto a = root["agents"]) {
    onlyKeys(a, "agents", {"virtual", "live"});
    c.agents.virtual_agents = strings(a, "virtual", "agents");
    c.agents.live_agents = strings(a, "live", "agents");
    // Compared with senders' bare JIDs, which arrive lower-cased (xmpp/parse.cpp).
    for (auto* list : {&c.agents.virtual_agents, &c.agents.live_agents}) {
      for (auto& jid : *list) jid = lowerAscii(jid);
    }
  }
  if (const auto apps = root["apps"]) {
    if (!apps.IsSequence()) fail(apps, "apps: expected a list");
    std::set<std::string> names;
    for (const auto& app : apps) {
      c.apps.push_back(parseApp(app, c));
      if (!names.insert(c.apps.back().name).second) {
        fail(app, "apps: duplicate name '" + c.apps.back().name + "'");
      }
    }
  }
  if (const auto d = root["delivery"]) parseDelivery(d, c.delivery);
  if (const auto h = root["http"]) {
    onlyKeys(h, "http", {"listen", "admin_token_file"});
    c.http.listen = str(h, "listen", "http", c.http.listen);
    c.http.admin_token_file = str(h, "admin_token_file", "http");
    if (!c.http.admin_token_file.empty()) {
      c.http.admin_token_file = relativeTo(path, c.http.admin_token_file).string();
    }
    std::string why;
    if (!c.http.listen.empty() && !parseListenAddress(c.http.listen, why)) {
      fail(h["listen"], "http.listen: " + why);
    }
  }
  if (const auto l = root["limits"]) {
    onlyKeys(l, "limits",
             {"max_devices_per_user", "max_registrations_per_minute", "max_stanza_bytes",
              "new_fpush_devices_per_minute", "max_unread_per_user"});
    c.limits.max_devices_per_user = static_cast<int>(
        integer(l, "max_devices_per_user", "limits", c.limits.max_devices_per_user, 1, 1000));
    c.limits.max_registrations_per_minute =
        static_cast<int>(integer(l, "max_registrations_per_minute", "limits",
                                 c.limits.max_registrations_per_minute, 1, 100000));
    c.limits.new_fpush_devices_per_minute =
        static_cast<int>(integer(l, "new_fpush_devices_per_minute", "limits",
                                 c.limits.new_fpush_devices_per_minute, 1, 100000));
    c.limits.max_unread_per_user = static_cast<int>(
        integer(l, "max_unread_per_user", "limits", c.limits.max_unread_per_user, 1, 1'000'000));
    c.limits.max_stanza_bytes = static_cast<size_t>(
        integer(l, "max_stanza_bytes", "limits", static_cast<int64_t>(c.limits.max_stanza_bytes),
                static_cast<int64_t>(kMinStanzaBytes), 16 << 20));
  }
  if (const auto lg = root["log"]) {
    onlyKeys(lg, "log", {"level", "format", "file", "refuse_open_key_files"});
    c.log.level = str(lg, "level", "log", c.log.level);
    if (c.log.level != "debug" && c.log.level != "info" && c.log.level != "warn" &&
        c.log.level != "error") {
      fail(lg["level"], "log.level: expected debug, info, warn or error");
    }
    const std::string f = str(lg, "format", "log", "keyvalue");
    if (f == "keyvalue") {
      c.log.format = LogFormat::KeyValue;
    } else if (f == "json") {
      c.log.format = LogFormat::Json;
    } else {
      fail(lg["format"], "log.format: expected keyvalue or json");
    }
    c.log.file = str(lg, "file", "log");
    if (!c.log.file.empty()) c.log.file = relativeTo(path, c.log.file).string();
    c.log.refuse_open_key_files = boolean(lg, "refuse_open_key_files", "log", false);
  }
  if (c.http.admin_token_file.empty() && c.storage.sqlite != ":memory:") {
    c.http.admin_token_file = c.storage.sqlite + ".admin-token";
  }
  if (const auto d = root["defaults"]) {
    onlyKeys(d, "defaults", {"language"});
    c.i18n.default_language = str(d, "language", "defaults", c.i18n.default_language);
    if (auto p = languageProblem(c.i18n.default_language)) {
      fail(d["language"], "defaults.language: " + *p);
    }
  }
  if (const auto i = root["i18n"]) {
    onlyKeys(i, "i18n", {"directory"});
    c.i18n.directory = str(i, "directory", "i18n");
    if (!c.i18n.directory.empty()) c.i18n.directory = relativeTo(path, c.i18n.directory).string();
  }
  return c;
}

}  // namespace

std::string ConfigError::toString() const {
  std::ostringstream os;
  os << file;
  if (line > 0) os << ':' << line;
  os << ": " << reason;
  return os.str();
}

ConfigResult parseConfig(const std::string& yaml_text, const std::string& path) {
  try {
    return {parseRoot(YAML::Load(yaml_text), path), std::nullopt};
  } catch (const Fail& f) {
    return {std::nullopt, ConfigError{path, f.line, f.reason}};
  } catch (const YAML::Exception& e) {
    return {std::nullopt,
            ConfigError{path, e.mark.is_null() ? 0 : e.mark.line + 1, "invalid YAML: " + e.msg}};
  }
}

ConfigResult loadConfig(const std::string& path) {
  std::ifstream in(path);
  if (!in) return {std::nullopt, ConfigError{path, 0, "cannot open config file"}};
  std::stringstream ss;
  ss << in.rdbuf();
  return parseConfig(ss.str(), path);
}

}  // namespace vapush

// SPDX-License-Identifier: Apache-2.0
// Device registration core: app choice, token checks, create-or-update with limits.
#include "plugin/registration.h"

#include <algorithm>
#include <chrono>

#include "plugin/log.h"
#include "plugin/secret.h"

namespace vapush {

namespace {

constexpr std::chrono::milliseconds kRateWindow{60'000};
constexpr size_t kNodeBytes = 8;      // 16 hex digits
constexpr size_t kSecretDigits = 32;  // 128 bits
constexpr int kNodeAttempts = 4;

std::string_view platformName(Platform p) { return p == Platform::Apns ? "APNs" : "FCM"; }

std::string appList(const Config& config, Platform platform) {
  std::string out;
  for (const auto& a : config.apps) {
    if (a.platform != platform) continue;
    out += (out.empty() ? "" : ", ") + a.name;
  }
  return out.empty() ? "none" : out;
}

// Publish secret for `device` (whose node is set) under `key`; see the header.
std::string publishSecret(CommandContext& ctx, const Device& device, const std::string& key) {
  const std::string data =
      "vapush publish secret v1\n" + device.user + "\n" + device.app + "\n" + device.node;
  return ctx.crypto.hmacSha256Hex(key, data).substr(0, kSecretDigits);
}

// Sets `secret` and the device's stored hash. A registration whose stored hash is the
// secret of one of the keys gets that secret back unchanged (its server still publishes
// with it); others get the current key's secret.
void assignSecret(CommandContext& ctx, bool with_secret, Device& device, std::string& secret) {
  if (!with_secret) {
    secret.clear();
    device.secret_hash.clear();
    return;
  }
  if (ctx.secret_keys.empty()) {
    secret = ctx.crypto.randomHex(kSecretDigits / 2);
    device.secret_hash = ctx.crypto.sha256Hex(secret);
    return;
  }
  if (!device.secret_hash.empty()) {
    for (const auto& key : ctx.secret_keys) {
      std::string candidate = publishSecret(ctx, device, key);
      if (ctx.crypto.equals(ctx.crypto.sha256Hex(candidate), device.secret_hash)) {
        secret = std::move(candidate);
        return;
      }
    }
  }
  secret = publishSecret(ctx, device, ctx.secret_keys.front());
  device.secret_hash = ctx.crypto.sha256Hex(secret);
}

// p2 per-room registrations ("<device-id>|<room>") share the device's token on purpose.
std::string_view roomOf(const Device& d) {
  if (d.protocol != Protocol::P2) return {};
  const size_t bar = d.device_id.find('|');
  return bar == std::string::npos ? std::string_view() : std::string_view(d.device_id).substr(bar);
}

// The same token registered again under another device id of this user and app (app
// reinstalled, device id changed) would get every push twice: drop the older rows.
void removeDuplicateTokens(CommandContext& ctx, const Device& kept) {
  std::vector<Device> mine;
  if (!ctx.devices.listByUser(kept.user, mine).ok()) return;
  for (const auto& d : mine) {
    if (d.id != kept.id && d.app == kept.app && d.token == kept.token &&
        roomOf(d) == roomOf(kept)) {
      const Status s = ctx.devices.remove(d.id, ctx.clock.nowMs());
      if (!s.ok()) log::warn("commands.duplicate_token_remove_failed", {{"error", s.message}});
    }
  }
}

// Removes the least recently renewed devices of `user` (other than `keep_id`) until at
// most `limit` remain, like Prosody's mod_cloud_notify (`push_max_devices`, an LRU
// util.cache that evicts the least recently set registration).
std::optional<CommandResponse> evictOverLimit(CommandContext& ctx, const std::string& user,
                                              int64_t keep_id, int limit) {
  if (limit <= 0) return std::nullopt;
  std::vector<Device> mine;
  Status s = ctx.devices.listByUser(user, mine);
  if (!s.ok()) return storageError(s, "listing devices");
  while (mine.size() > static_cast<size_t>(limit)) {
    auto oldest = mine.end();
    for (auto it = mine.begin(); it != mine.end(); ++it) {
      if (it->id == keep_id) continue;
      if (oldest == mine.end() || it->updated < oldest->updated ||
          (it->updated == oldest->updated && it->id < oldest->id)) {
        oldest = it;
      }
    }
    if (oldest == mine.end()) break;
    s = ctx.devices.remove(oldest->id, ctx.clock.nowMs());
    if (!s.ok() && !s.notFound()) return storageError(s, "removing the oldest device");
    log::debug("commands.device_evicted", {{"user", user}, {"app", oldest->app}});
    mine.erase(oldest);
  }
  return std::nullopt;
}

}  // namespace

std::optional<std::string> tokenProblem(Platform platform, std::string_view token) {
  if (platform == Platform::Apns) {
    if (token.size() < kApnsTokenMin || token.size() > kApnsTokenMax) {
      return "APNs token must be " + std::to_string(kApnsTokenMin) + " to " +
             std::to_string(kApnsTokenMax) + " hex digits, got " + std::to_string(token.size());
    }
    if (token.size() % 2 != 0) return "APNs token must have an even number of hex digits";
    if (!isHex(token)) return "APNs token must be hexadecimal (0-9, a-f)";
    return std::nullopt;
  }
  if (token.size() < kFcmTokenMin || token.size() > kFcmTokenMax) {
    return "FCM token must be " + std::to_string(kFcmTokenMin) + " to " +
           std::to_string(kFcmTokenMax) + " characters, got " + std::to_string(token.size());
  }
  const bool ok = std::all_of(token.begin(), token.end(), [](char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '-' || c == ':';
  });
  if (!ok) return std::string("FCM token may only contain A-Z, a-z, 0-9, '_', '-' and ':'");
  return std::nullopt;
}

std::string normalizeToken(Platform platform, std::string_view token) {
  return platform == Platform::Apns ? lowerAscii(token) : std::string(token);
}

std::optional<std::string> languageProblem(std::string_view tag) {
  // BCP 47 shape only: alphanumeric subtags of 1-8 characters separated by '-', the
  // first alphabetic.
  if (tag.empty() || tag.size() > kMaxLanguageBytes) return "language tag is empty or too long";
  size_t start = 0;
  bool first = true;
  while (start <= tag.size()) {
    size_t end = tag.find('-', start);
    if (end == std::string_view::npos) end = tag.size();
    const std::string_view sub = tag.substr(start, end - start);
    if (sub.empty() || sub.size() > 8) return "language tag has an empty or overlong subtag";
    for (char c : sub) {
      const bool alpha = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
      const bool digit = c >= '0' && c <= '9';
      if (!alpha && !(digit && !first)) return "language tag must look like 'en' or 'pt-BR'";
    }
    first = false;
    start = end + 1;
  }
  return std::nullopt;
}

AppChoice selectApp(const Config& config, Platform platform, std::string_view app_field) {
  AppChoice choice;
  if (!app_field.empty()) {
    for (const auto& a : config.apps) {
      if (a.name != app_field) continue;
      if (a.platform == platform) {
        choice.app = &a;
        return choice;
      }
      choice.error = errorResponse(
          ErrorType::Cancel, "item-not-found",
          "app '" + a.name + "' is an " + std::string(platformName(a.platform)) + " app, not " +
              std::string(platformName(platform)) + "; " + std::string(platformName(platform)) +
              " apps: " + appList(config, platform));
      return choice;
    }
    choice.error = errorResponse(ErrorType::Cancel, "item-not-found",
                                 "no app named '" + std::string(app_field) + "'; " +
                                     std::string(platformName(platform)) +
                                     " apps: " + appList(config, platform));
    return choice;
  }
  std::vector<const AppConfig*> candidates;
  for (const auto& a : config.apps) {
    if (a.platform == platform) candidates.push_back(&a);
  }
  if (candidates.empty()) {
    choice.error = errorResponse(
        ErrorType::Cancel, "item-not-found",
        "this push service has no " + std::string(platformName(platform)) + " app configured");
  } else if (candidates.size() > 1) {
    choice.error =
        badRequest("several " + std::string(platformName(platform)) + " apps are configured (" +
                   appList(config, platform) + "); add an 'app' field naming one");
  } else {
    choice.app = candidates.front();
  }
  return choice;
}

std::optional<CommandResponse> registerDevice(CommandContext& ctx, const Caller& caller,
                                              const RegistrationInput& input,
                                              RegistrationOutcome& out) {
  const LimitsConfig& limits = ctx.config.limits;
  std::chrono::milliseconds retry_after{0};
  if (!ctx.registrations.tryAcquire(caller.bare, limits.max_registrations_per_minute,
                                    ctx.clock.steadyNow(), kRateWindow, retry_after)) {
    const auto seconds = std::max<int64_t>(1, (retry_after.count() + 999) / 1000);
    return errorResponse(ErrorType::Wait, "resource-constraint",
                         "too many registrations: at most " +
                             std::to_string(limits.max_registrations_per_minute) +
                             " per minute; try again in " + std::to_string(seconds) + " s");
  }

  const TimeMs now = ctx.clock.nowMs();
  const bool with_secret = input.protocol != Protocol::Tigase;  // Tigase has no secret
  Device device;
  Status s = ctx.devices.findByDeviceId(caller.bare, input.app->name, input.device_id, device);
  if (s.ok()) {
    // Re-registration: update in place; node (and derived secret) stay the same.
    device.token = input.token;
    device.platform = input.app->platform;
    device.resource = caller.resource;
    if (!input.language.empty()) device.language = input.language;
    device.protocol = input.protocol;
    device.enabled = true;
    device.updated = now;
    assignSecret(ctx, with_secret, device, out.secret);
    s = ctx.devices.update(device);
    if (!s.ok()) return storageError(s, "updating the device");
    out.created = false;
  } else if (s.notFound()) {
    device = Device{};
    device.user = caller.bare;
    device.app = input.app->name;
    device.platform = input.app->platform;
    device.token = input.token;
    device.resource = caller.resource;
    device.device_id = input.device_id;
    device.language = input.language;
    device.protocol = input.protocol;
    device.created = now;
    device.updated = now;
    for (int attempt = 0; device.node.empty(); ++attempt) {
      if (attempt == kNodeAttempts) {
        return errorResponse(ErrorType::Wait, "internal-server-error",
                             "could not allocate a unique node; try again");
      }
      const std::string node = ctx.crypto.randomHex(kNodeBytes);
      Device other;
      s = ctx.devices.findByNode(node, other);
      if (s.notFound()) {
        device.node = node;
      } else if (!s.ok()) {
        return storageError(s, "allocating a node");
      }
    }
    assignSecret(ctx, with_secret, device, out.secret);
    s = ctx.devices.add(device);
    if (!s.ok()) return storageError(s, "saving the device");
    out.created = true;
    if (auto e = evictOverLimit(ctx, caller.bare, device.id, limits.max_devices_per_user)) {
      return e;
    }
  } else {
    return storageError(s, "looking up the device");
  }
  removeDuplicateTokens(ctx, device);
  out.device = device;
  log::debug("commands.device_registered", {{"user", caller.bare},
                                            {"app", device.app},
                                            {"protocol", std::string(toString(device.protocol))},
                                            {"created", out.created ? "true" : "false"}});
  return std::nullopt;
}

std::optional<CommandResponse> unregisterDevices(CommandContext& ctx, const Caller& caller,
                                                 const std::function<bool(const Device&)>& match,
                                                 int& removed) {
  removed = 0;
  std::vector<Device> mine;
  Status s = ctx.devices.listByUser(caller.bare, mine);
  if (!s.ok()) return storageError(s, "listing devices");
  for (const auto& d : mine) {
    if (!match(d)) continue;
    s = ctx.devices.remove(d.id, ctx.clock.nowMs());
    if (s.notFound()) continue;
    if (!s.ok()) return storageError(s, "removing the device");
    ++removed;
    log::debug("commands.device_unregistered", {{"user", caller.bare}, {"app", d.app}});
  }
  if (removed == 0) {
    // Same answer whether the registration never existed or belongs to someone else.
    return errorResponse(ErrorType::Cancel, "item-not-found",
                         "no such registration for " + caller.bare);
  }
  return std::nullopt;
}

void addJidField(Form& form, std::string_view jid) {
  form.add("jid", "jid-single", "", {std::string(jid)});
}

void addTextField(Form& form, std::string var, std::string value) {
  form.add(std::move(var), "text-single", "", {std::move(value)});
}

}  // namespace vapush

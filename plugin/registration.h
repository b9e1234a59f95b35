// SPDX-License-Identifier: Apache-2.0
// Device registration shared by the p2, Tigase and mod_push_appserver commands: which
// app, token checks, the create-or-update of the device row with limits, publish
// secrets, and unregistration scoped to the caller's own devices.
//
// Publish secrets (decision): the secret is returned to the client but only its
// SHA-256 is stored (Device::secret_hash). So that a client re-registering (Conversations
// does it on every session) gets the SAME secret back, the secret is derived, not drawn:
//   secret = first 32 hex of HMAC-SHA256(key, "vapush publish secret v1\n" user "\n" app
//            "\n" node)
// The node is random (64 bits) per registration, so a device removed and registered
// again gets a new node and a new secret. The keys (CommandContext::secret_keys) are
// config.component.publish_secret_key, or in vapushd the key file next to the database
// (storage/publish_key.h: a random key, then older keys such as HMAC(component secret,
// "vapush publish secret key v1") of earlier versions), so rotating the component
// secret changes no secret. On re-registration a stored hash that matches any key's
// secret gets that secret back; otherwise the first key's secret replaces it. With no
// key at all the secret is random and rotates on every re-registration (clients then
// re-enable push with the new one; that is how the protocol's "register on every
// session" clients behave anyway). Hashes are compared in constant time.
//
// Runs on the CommandHandler's thread; not thread-safe.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "plugin/command_base.h"

namespace vapush {

// Token bounds. APNs: hex of the device token bytes (32 bytes today; Apple says "don't
// make assumptions about device token size", so up to 100 bytes). FCM registration tokens
// are about 150-170 characters of [A-Za-z0-9_:-]; GCM-era ones were shorter.
inline constexpr size_t kApnsTokenMin = 64;
inline constexpr size_t kApnsTokenMax = 200;
inline constexpr size_t kFcmTokenMin = 100;
inline constexpr size_t kFcmTokenMax = 4096;
inline constexpr size_t kMaxDeviceIdBytes = 128;
inline constexpr size_t kMaxAppNameBytes = 64;
inline constexpr size_t kMaxLanguageBytes = 35;
inline constexpr size_t kMaxMucJidBytes = 2047;

// Returns why `token` is not a valid token for `platform`, or nullopt if it is.
std::optional<std::string> tokenProblem(Platform platform, std::string_view token);
// Canonical stored form (APNs hex lower-cased; FCM unchanged).
std::string normalizeToken(Platform platform, std::string_view token);
// Returns why `tag` is not a plausible BCP 47 language tag, or nullopt.
std::optional<std::string> languageProblem(std::string_view tag);

// The app a registration is for: the one named by `app_field`, else the only app of
// `platform`. Errors: unknown/mismatched name or no app -> item-not-found (cancel);
// several candidates -> bad-request (modify) naming them.
struct AppChoice {
  const AppConfig* app = nullptr;
  std::optional<CommandResponse> error;
};
AppChoice selectApp(const Config& config, Platform platform, std::string_view app_field);

// What a protocol front-end read from its form (already validated).
struct RegistrationInput {
  Protocol protocol = Protocol::P2;
  const AppConfig* app = nullptr;
  std::string token;      // normalised
  std::string device_id;  // the client's stable id for this registration
  std::string language;   // empty = keep the stored one
};

struct RegistrationOutcome {
  Device device;       // as stored
  std::string secret;  // publish secret to return to the client
  bool created = false;
};

// Creates the device or updates the caller's existing one (same user, app, device_id)
// in place, keeping its node (and, with a key, its secret). Enforces the per-user
// registration rate (resource-constraint, wait) and device limit (evicts the device
// whose registration was renewed least recently). Returns an error response, or nullopt
// with `out` filled.
std::optional<CommandResponse> registerDevice(CommandContext& ctx, const Caller& caller,
                                              const RegistrationInput& input,
                                              RegistrationOutcome& out);

// Removes the caller's devices for which `match` is true. None -> item-not-found
// (cancel), which is also what another user's device looks like: existence is not
// revealed and nothing is changed. Returns an error response or nullopt.
std::optional<CommandResponse> unregisterDevices(CommandContext& ctx, const Caller& caller,
                                                 const std::function<bool(const Device&)>& match,
                                                 int& removed);

// Result form fields (XEP-0004) shared by the protocols.
void addJidField(Form& form, std::string_view jid);
void addTextField(Form& form, std::string var, std::string value);

// The commands (one file per protocol).
std::unique_ptr<Command> makeP2Register(Platform platform);
std::unique_ptr<Command> makeP2Unregister(Platform platform);
std::unique_ptr<Command> makeTigaseRegister();
std::unique_ptr<Command> makeTigaseUnregister();
std::unique_ptr<Command> makeAppServerRegister();
std::unique_ptr<Command> makeAppServerUnregister();

}  // namespace vapush

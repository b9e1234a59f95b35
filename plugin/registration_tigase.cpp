// SPDX-License-Identifier: Apache-2.0
// Tigase (Siskin) registration: register-device, unregister-device.
//
// Wire format as sent by TigaseSwift (TigasePushNotificationsModule.registerDevice): a
// submitted form with `provider` (Siskin: "tigase:messenger:apns:1"; Tigase's FCM
// providers are "fcm-http-v1" and the deprecated "fcm-xmpp-api") and `device-token`;
// optional `device-second-token` (PushKit VoIP token) is accepted and ignored. The reply
// form holds only `node` (docs.tigase.net, tigase-push Usage): Tigase servers publish
// without a secret, so these devices store no secret hash. `provider` may also name one
// of our apps directly. Unregistration takes the same two fields.
//
// One app install with several accounts registers the same token once per account, so
// the stored device_id is "tigase:" + 32 hex of SHA-256(token), per user.
#include <memory>

#include "plugin/registration.h"

namespace vapush {

namespace {

constexpr size_t kMaxProviderBytes = 128;

struct ProviderChoice {
  const AppConfig* app = nullptr;  // when the provider names an app
  std::optional<Platform> platform;
};

ProviderChoice resolveProvider(const Config& config, const std::string& provider) {
  ProviderChoice c;
  for (const auto& a : config.apps) {
    if (a.name == provider) {
      c.app = &a;
      c.platform = a.platform;
      return c;
    }
  }
  if (provider == "tigase:messenger:apns:1") c.platform = Platform::Apns;
  if (provider == "fcm-http-v1" || provider == "fcm-xmpp-api") c.platform = Platform::Fcm;
  return c;
}

std::string knownProviders(const Config& config) {
  std::string out = "tigase:messenger:apns:1, fcm-http-v1, fcm-xmpp-api";
  for (const auto& a : config.apps) out += ", " + a.name;
  return out;
}

std::string tigaseDeviceId(CommandContext& ctx, const std::string& token) {
  return "tigase:" + ctx.crypto.sha256Hex(token).substr(0, 32);
}

// Reads provider + device-token (+ optional app); fills platform/app/token or fails `r`.
struct TigaseFields {
  ProviderChoice provider;
  std::string token;
  std::optional<std::string> app;
};

std::optional<TigaseFields> readFields(const CommandContext& ctx, FormReader& r) {
  r.checkShape({});
  auto provider = r.required("provider", kMaxProviderBytes);
  auto token = r.required("device-token", kFcmTokenMax);
  r.optional("device-second-token", kFcmTokenMax);
  auto app = r.optional("app", kMaxAppNameBytes);
  if (r.failed()) return std::nullopt;
  TigaseFields f;
  f.provider = resolveProvider(ctx.config, *provider);
  if (!f.provider.platform) {
    r.fail("field 'provider': unknown provider '" + *provider +
           "'; known: " + knownProviders(ctx.config));
    return std::nullopt;
  }
  f.token = *token;
  f.app = f.provider.app != nullptr ? std::optional<std::string>(f.provider.app->name) : app;
  return f;
}

class TigaseRegister : public Command {
 public:
  std::string_view node() const override { return command_node::kRegisterDevice; }
  std::string_view name() const override { return "Register a device (Tigase)"; }

  CommandResponse start(CommandContext&, const Caller&) const override {
    return badRequest("this command needs a submitted form with 'provider' and 'device-token'",
                      "bad-payload");
  }

  CommandResponse submit(CommandContext& ctx, const Caller& caller,
                         const Form& form) const override {
    FormReader r(form);
    auto fields = readFields(ctx, r);
    auto language = r.optional("language", kMaxLanguageBytes);
    if (r.failed()) return r.error();
    const Platform platform = *fields->provider.platform;
    if (auto p = tokenProblem(platform, fields->token)) {
      return badRequest("field 'device-token': " + *p);
    }
    if (language) {
      if (auto p = languageProblem(*language)) return badRequest("field 'language': " + *p);
    }
    AppChoice choice = selectApp(ctx.config, platform, fields->app.value_or(""));
    if (choice.error) return *choice.error;

    RegistrationInput input;
    input.protocol = Protocol::Tigase;
    input.app = choice.app;
    input.token = normalizeToken(platform, fields->token);
    input.device_id = tigaseDeviceId(ctx, input.token);
    input.language = language.value_or(caller.lang);  // else the IQ's xml:lang
    RegistrationOutcome outcome;
    if (auto e = registerDevice(ctx, caller, input, outcome)) return *e;

    Form result;
    result.type = "result";
    addTextField(result, "node", outcome.device.node);
    return completedWith(std::move(result));
  }
};

class TigaseUnregister : public Command {
 public:
  std::string_view node() const override { return command_node::kUnregisterDevice; }
  std::string_view name() const override { return "Unregister a device (Tigase)"; }

  CommandResponse start(CommandContext&, const Caller&) const override {
    return badRequest("this command needs a submitted form with 'provider' and 'device-token'",
                      "bad-payload");
  }

  CommandResponse submit(CommandContext& ctx, const Caller& caller,
                         const Form& form) const override {
    FormReader r(form);
    auto fields = readFields(ctx, r);
    if (r.failed()) return r.error();
    const Platform platform = *fields->provider.platform;
    const std::string token = normalizeToken(platform, fields->token);
    const std::string device_id = tigaseDeviceId(ctx, token);
    int removed = 0;
    auto match = [&](const Device& d) {
      return d.protocol == Protocol::Tigase && d.platform == platform && d.device_id == device_id &&
             (!fields->app || d.app == *fields->app);
    };
    if (auto e = unregisterDevices(ctx, caller, match, removed)) return *e;
    return completedWithNote("Device unregistered.");
  }
};

}  // namespace

std::unique_ptr<Command> makeTigaseRegister() { return std::make_unique<TigaseRegister>(); }
std::unique_ptr<Command> makeTigaseUnregister() { return std::make_unique<TigaseUnregister>(); }

}  // namespace vapush

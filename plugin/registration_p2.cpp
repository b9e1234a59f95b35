// SPDX-License-Identifier: Apache-2.0
// p2 (Conversations) registration: register-push-{fcm,apns}, unregister-push-{fcm,apns}.
//
// Wire format as in iNPUTmice/p2 (README, PushController.java): a submitted form with
// `token`, `device-id` (legacy `android-id`) and optional `muc` (bare room JID, a
// separate per-room registration); the reply is a completed command whose form holds
// `jid` (this component), `node` and `secret`. p2 itself sends that form as type 'form';
// we send 'result' (XEP-0004 §3.4), which Conversations reads the same way (it only looks
// at field values). vapush adds two optional fields: `app` and `language`.
//
// A per-room registration is stored with device_id "<device-id>|<room JID>", so the
// account-level and each room registration of one device are separate rows.
#include <memory>

#include "plugin/registration.h"

namespace vapush {

namespace {

// Reads device-id (or legacy android-id) and the optional room into the stored id.
std::optional<std::string> readDeviceId(FormReader& r) {
  auto device_id = r.optional("device-id", kMaxDeviceIdBytes);
  auto android_id = r.optional("android-id", kMaxDeviceIdBytes);
  auto muc = r.optional("muc", kMaxMucJidBytes);
  if (r.failed()) return std::nullopt;
  std::optional<std::string> id = device_id ? device_id : android_id;
  if (!id) {
    r.fail("missing field 'device-id'", "bad-payload");
    return std::nullopt;
  }
  if (muc) {
    const std::string room = lowerAscii(*muc);
    const size_t at = room.find('@');
    if (at == std::string::npos || at == 0 || at + 1 == room.size() ||
        room.find('/') != std::string::npos || room.find(' ') != std::string::npos) {
      r.fail("field 'muc' must be a bare room JID (room@service)");
      return std::nullopt;
    }
    return *id + "|" + room;
  }
  return id;
}

class P2Register : public Command {
 public:
  explicit P2Register(Platform platform) : platform_(platform) {}

  std::string_view node() const override {
    return platform_ == Platform::Fcm ? command_node::kRegisterPushFcm
                                      : command_node::kRegisterPushApns;
  }
  std::string_view name() const override { return "Register a push token (p2)"; }

  CommandResponse start(CommandContext&, const Caller&) const override {
    return badRequest("this command needs a submitted form with 'token' and 'device-id'",
                      "bad-payload");
  }

  CommandResponse submit(CommandContext& ctx, const Caller& caller,
                         const Form& form) const override {
    FormReader r(form);
    r.checkShape({});  // p2 defines no FORM_TYPE
    auto token = r.required("token", kFcmTokenMax);
    auto device_id = readDeviceId(r);
    auto app = r.optional("app", kMaxAppNameBytes);
    auto language = r.optional("language", kMaxLanguageBytes);
    if (r.failed()) return r.error();
    if (auto p = tokenProblem(platform_, *token)) return badRequest("field 'token': " + *p);
    if (language) {
      if (auto p = languageProblem(*language)) return badRequest("field 'language': " + *p);
    }
    AppChoice choice = selectApp(ctx.config, platform_, app.value_or(""));
    if (choice.error) return *choice.error;

    RegistrationInput input;
    input.protocol = Protocol::P2;
    input.app = choice.app;
    input.token = normalizeToken(platform_, *token);
    input.device_id = *device_id;
    input.language = language.value_or("");
    RegistrationOutcome outcome;
    if (auto e = registerDevice(ctx, caller, input, outcome)) return *e;

    Form result;
    result.type = "result";
    addJidField(result, ctx.config.component.jid);
    addTextField(result, "node", outcome.device.node);
    addTextField(result, "secret", outcome.secret);
    return completedWith(std::move(result));
  }

 private:
  Platform platform_;
};

class P2Unregister : public Command {
 public:
  explicit P2Unregister(Platform platform) : platform_(platform) {}

  std::string_view node() const override {
    return platform_ == Platform::Fcm ? command_node::kUnregisterPushFcm
                                      : command_node::kUnregisterPushApns;
  }
  std::string_view name() const override { return "Unregister a push token (p2)"; }

  CommandResponse start(CommandContext&, const Caller&) const override {
    return badRequest("this command needs a submitted form with 'device-id'", "bad-payload");
  }

  CommandResponse submit(CommandContext& ctx, const Caller& caller,
                         const Form& form) const override {
    FormReader r(form);
    r.checkShape({});
    auto device_id = readDeviceId(r);
    auto app = r.optional("app", kMaxAppNameBytes);
    r.optional("token", kFcmTokenMax);  // accepted and ignored, but still checked
    if (r.failed()) return r.error();
    const Platform platform = platform_;
    int removed = 0;
    auto match = [&](const Device& d) {
      return d.protocol == Protocol::P2 && d.platform == platform && d.device_id == *device_id &&
             (!app || d.app == *app);
    };
    if (auto e = unregisterDevices(ctx, caller, match, removed)) return *e;
    return completedWithNote("Push registration removed.");
  }

 private:
  Platform platform_;
};

}  // namespace

std::unique_ptr<Command> makeP2Register(Platform platform) {
  return std::make_unique<P2Register>(platform);
}

std::unique_ptr<Command> makeP2Unregister(Platform platform) {
  return std::make_unique<P2Unregister>(platform);
}

}  // namespace vapush

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
// `muc` (decision, docs/registration.md): dropped. It belonged to a flow where
// Conversations (2019 - April 2020 only) sent the enable to the room, and the room's
// service published from its own domain; that flow is gone from every client and no
// served server publishes for rooms. The field is accepted and ignored: a registration
// with it is the device's account registration (same node and secret), and an
// unregistration with it removes nothing (an old client leaving a room must not stop its
// account's pushes). Rows made by earlier versions ("<device-id>|<room>") keep working.
#include <memory>

#include "plugin/registration.h"

namespace vapush {

namespace {

// Reads device-id (or legacy android-id); a `muc` field is checked like any field and
// reported in `room` (the caller ignores it).
std::optional<std::string> readDeviceId(FormReader& r, bool* room = nullptr) {
  auto device_id = r.optional("device-id", kMaxDeviceIdBytes);
  auto android_id = r.optional("android-id", kMaxDeviceIdBytes);
  auto muc = r.optional("muc", kMaxMucJidBytes);
  if (r.failed()) return std::nullopt;
  std::optional<std::string> id = device_id ? device_id : android_id;
  if (!id) {
    r.fail("missing field 'device-id'", "bad-payload");
    return std::nullopt;
  }
  if (room != nullptr) *room = muc.has_value() && !muc->empty();
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
    input.language = language.value_or(caller.lang);  // else the IQ's xml:lang
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
    bool room = false;
    auto device_id = readDeviceId(r, &room);
    auto app = r.optional("app", kMaxAppNameBytes);
    r.optional("token", kFcmTokenMax);  // accepted and ignored, but still checked
    if (r.failed()) return r.error();
    if (room) return completedWithNote("Room registrations are not kept; nothing to remove.");
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

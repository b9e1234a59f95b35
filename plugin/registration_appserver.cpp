// SPDX-License-Identifier: Apache-2.0
// mod_push_appserver registration: v1-register-push, v1-unregister-push.
//
// Wire format as in tmolitor-stud-tu/mod_push_appserver (mod_push_appserver.lua): a
// submitted form with FORM_TYPE
// https://github.com/tmolitor-stud-tu/mod_push_appserver/#v1-register-push, `type`
// (apns|fcm), `node` (the client's stable device id) and `token`; the reply is a
// completed command whose form holds `jid`, `node` and `secret`. Unregistration takes
// `type` and `node`.
//
// Difference (decision): mod_push_appserver used the client's `node` as the XEP-0357
// node, shared by every account. Here the client's node is stored as the device id (per
// user) and the returned `node` is our own random one, so two accounts (or a guessing
// attacker) never share or take over a node. Clients use the returned node, as the
// protocol requires. v1-unregister-push accepts either node.
//
// Status (decision): mod_push_appserver answers both commands with status="complete"
// (mod_push_appserver.lua, v1-register-push and v1-unregister-push handlers), not
// XEP-0050's "completed", and Monal builds of Feb 2021 - Jun 2022 accept only that value.
// Every client of these two commands was written against mod_push_appserver, so they
// answer "complete" (CommandResponse::Status::CompleteV1); every other command answers
// "completed". Errors are unchanged (XEP-0050 errors, as mod_push_appserver sends).
#include <memory>

#include "plugin/registration.h"

namespace vapush {

namespace {

constexpr std::string_view kRegisterFormType =
    "https://github.com/tmolitor-stud-tu/mod_push_appserver/#v1-register-push";
constexpr std::string_view kUnregisterFormType =
    "https://github.com/tmolitor-stud-tu/mod_push_appserver/#v1-unregister-push";
constexpr size_t kMaxClientNodeBytes = 256;

std::optional<Platform> readType(FormReader& r) {
  auto type = r.required("type", 16);
  if (r.failed()) return std::nullopt;
  if (*type == "apns") return Platform::Apns;
  if (*type == "fcm") return Platform::Fcm;
  r.fail("field 'type' must be 'apns' or 'fcm', got '" + *type + "'");
  return std::nullopt;
}

class AppServerRegister : public Command {
 public:
  std::string_view node() const override { return command_node::kV1RegisterPush; }
  std::string_view name() const override { return "Register a push token (mod_push_appserver)"; }

  CommandResponse start(CommandContext&, const Caller&) const override {
    return badRequest("this command needs a submitted form with 'type', 'node' and 'token'",
                      "bad-payload");
  }

  CommandResponse submit(CommandContext& ctx, const Caller& caller,
                         const Form& form) const override {
    FormReader r(form);
    r.checkShape({kRegisterFormType, kUnregisterFormType});
    auto platform = readType(r);
    auto client_node = r.required("node", kMaxClientNodeBytes);
    auto token = r.required("token", kFcmTokenMax);
    auto app = r.optional("app", kMaxAppNameBytes);
    auto language = r.optional("language", kMaxLanguageBytes);
    if (r.failed()) return r.error();
    if (auto p = tokenProblem(*platform, *token)) return badRequest("field 'token': " + *p);
    if (language) {
      if (auto p = languageProblem(*language)) return badRequest("field 'language': " + *p);
    }
    AppChoice choice = selectApp(ctx.config, *platform, app.value_or(""));
    if (choice.error) return *choice.error;

    RegistrationInput input;
    input.protocol = Protocol::AppServer;
    input.app = choice.app;
    input.token = normalizeToken(*platform, *token);
    input.device_id = *client_node;
    input.language = language.value_or(caller.lang);  // else the IQ's xml:lang
    RegistrationOutcome outcome;
    if (auto e = registerDevice(ctx, caller, input, outcome)) return *e;

    Form result;
    result.type = "result";
    addJidField(result, ctx.config.component.jid);
    addTextField(result, "node", outcome.device.node);
    addTextField(result, "secret", outcome.secret);
    CommandResponse done = completedWith(std::move(result));
    done.status = CommandResponse::Status::CompleteV1;
    return done;
  }
};

class AppServerUnregister : public Command {
 public:
  std::string_view node() const override { return command_node::kV1UnregisterPush; }
  std::string_view name() const override { return "Unregister a push token (mod_push_appserver)"; }

  CommandResponse start(CommandContext&, const Caller&) const override {
    return badRequest("this command needs a submitted form with 'type' and 'node'", "bad-payload");
  }

  CommandResponse submit(CommandContext& ctx, const Caller& caller,
                         const Form& form) const override {
    FormReader r(form);
    r.checkShape({kRegisterFormType, kUnregisterFormType});
    auto platform = readType(r);
    auto node = r.required("node", kMaxClientNodeBytes);
    auto app = r.optional("app", kMaxAppNameBytes);
    if (r.failed()) return r.error();
    int removed = 0;
    auto match = [&](const Device& d) {
      return d.protocol == Protocol::AppServer && d.platform == *platform &&
             (d.device_id == *node || d.node == *node) && (!app || d.app == *app);
    };
    if (auto e = unregisterDevices(ctx, caller, match, removed)) return *e;
    CommandResponse done = completedWithNote("Push registration removed.");
    done.status = CommandResponse::Status::CompleteV1;
    return done;
  }
};

}  // namespace

std::unique_ptr<Command> makeAppServerRegister() { return std::make_unique<AppServerRegister>(); }
std::unique_ptr<Command> makeAppServerUnregister() {
  return std::make_unique<AppServerUnregister>();
}

}  // namespace vapush

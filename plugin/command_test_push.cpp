// SPDX-License-Identifier: Apache-2.0
// `test-push` (see test_push.h): the caller picks some or all of their own devices; a
// node of another user's device is answered exactly like one that does not exist.
#include <algorithm>

#include "plugin/command_base.h"
#include "plugin/preferences_commands.h"
#include "plugin/test_push.h"

namespace vapush {
namespace {

std::string label(const Device& d) {
  std::string out = d.app + " (" + (d.platform == Platform::Apns ? "APNs" : "FCM") + "), ";
  out += d.resource.empty() ? std::string("unknown client") : d.resource;
  if (!d.enabled) out += ", disabled";
  return out;
}

class TestPushCommand : public Command {
 public:
  std::string_view node() const override { return command_node::kTestPush; }
  std::string_view name() const override { return "Send a test notification to my devices"; }
  bool listed() const override { return true; }

  CommandResponse start(CommandContext& ctx, const Caller& caller) const override {
    std::vector<Device> mine;
    const Status s = ctx.devices.listByUser(caller.bare, mine);
    if (!s.ok()) return storageError(s, "listing your devices");
    if (mine.empty()) return completedWithNote("You have no registered devices.");
    Form f;
    f.type = "form";
    f.title = "Send a test notification";
    f.instructions =
        "A test notification goes to the devices you choose (all of them if you choose "
        "none). At most " +
        std::to_string(kTestPushesPerWindow) + " tests every " +
        std::to_string(kTestPushWindowMs / 60000) + " minutes.";
    f.add("FORM_TYPE", "hidden", "", {std::string(kDevicesFormType)});
    FormField& choice = f.add("device", "list-multi", "Devices");
    for (const auto& d : mine) {
      if (d.enabled) choice.options.push_back({label(d), d.node});
    }
    return executingWith(std::move(f));
  }

  CommandResponse submit(CommandContext& ctx, const Caller& caller,
                         const Form& form) const override {
    FormReader r(form);
    r.checkShape({kDevicesFormType});
    if (r.failed()) return r.error();
    std::vector<std::string> chosen;
    if (const FormField* f = form.field("device")) {
      for (const auto& v : f->values) {
        if (!v.empty()) chosen.push_back(v);
      }
    }
    if (ctx.test_pusher == nullptr) {
      return errorResponse(ErrorType::Cancel, "service-unavailable",
                           "test notifications are not available on this service");
    }
    std::vector<Device> mine;
    Status s = ctx.devices.listByUser(caller.bare, mine);
    if (!s.ok()) return storageError(s, "listing your devices");
    std::vector<const Device*> targets;
    for (const std::string& node : chosen) {
      const auto it =
          std::find_if(mine.begin(), mine.end(), [&](const Device& d) { return d.node == node; });
      // Another user's device looks exactly like one that does not exist.
      if (it == mine.end()) {
        return errorResponse(ErrorType::Cancel, "item-not-found", "you have no such device");
      }
      if (!it->enabled) {
        return errorResponse(ErrorType::Cancel, "item-not-found",
                             "that device is disabled (the push service rejected its token)");
      }
      if (std::find(targets.begin(), targets.end(), &*it) == targets.end()) {
        targets.push_back(&*it);
      }
    }
    if (chosen.empty()) {
      for (const Device& d : mine) {
        if (d.enabled) targets.push_back(&d);
      }
    }
    if (targets.empty()) return completedWithNote("You have no device that can receive pushes.");
    std::chrono::milliseconds retry_after{0};
    if (!ctx.test_pushes.tryAcquire(caller.bare, kTestPushesPerWindow, ctx.clock.steadyNow(),
                                    std::chrono::milliseconds(kTestPushWindowMs), retry_after)) {
      const auto seconds = std::max<int64_t>(1, (retry_after.count() + 999) / 1000);
      return errorResponse(ErrorType::Wait, "resource-constraint",
                           "too many test notifications: at most " +
                               std::to_string(kTestPushesPerWindow) + " every " +
                               std::to_string(kTestPushWindowMs / 60000) +
                               " minutes; try again in " + std::to_string(seconds) + " s");
    }
    Preferences prefs;
    s = ctx.preferences.load(caller.bare, prefs);
    if (!s.ok()) return storageError(s, "loading your preferences");
    std::string sent;
    int count = 0;
    for (const Device* d : targets) {
      if (!ctx.test_pusher->sendTest(*d, prefs.language)) continue;
      sent += (count++ == 0 ? "" : "; ") + label(*d);
    }
    if (count == 0) return completedWithNote("No test notification could be sent.");
    return completedWithNote("Test notification sent to " + std::to_string(count) +
                             (count == 1 ? " device: " : " devices: ") + sent + ".");
  }
};

}  // namespace

std::unique_ptr<Command> makeTestPushCommand() { return std::make_unique<TestPushCommand>(); }

}  // namespace vapush

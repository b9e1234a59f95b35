// SPDX-License-Identifier: Apache-2.0
// `list-devices` and `remove-device`: a user sees and removes only their own devices.
#include <vector>

#include "plugin/preferences_commands.h"
#include "plugin/preferences_parse.h"

namespace vapush {

namespace {

// One line about a device, without its token: "ios (APNs), Conversations.sAdA,
// registered 2026-11-24 11:35 UTC, last push never".
std::string describe(const Device& d) {
  std::string out = d.app + " (" + (d.platform == Platform::Apns ? "APNs" : "FCM") + "), ";
  out += d.resource.empty() ? std::string("unknown client") : d.resource;
  out += ", registered " + formatUtc(d.created);
  out += ", last push " + (d.last_publish == 0 ? std::string("never") : formatUtc(d.last_publish));
  if (!d.enabled) out += ", disabled (the push service rejected its token)";
  return out;
}

CommandResponse noDevices() { return completedWithNote("You have no registered devices."); }

class ListDevicesCommand : public Command {
 public:
  std::string_view node() const override { return command_node::kListDevices; }
  std::string_view name() const override { return "List my push devices"; }
  bool listed() const override { return true; }

  CommandResponse start(CommandContext& ctx, const Caller& caller) const override {
    std::vector<Device> mine;
    const Status s = ctx.devices.listByUser(caller.bare, mine);
    if (!s.ok()) return storageError(s, "listing your devices");
    if (mine.empty()) return noDevices();
    Form f;
    f.type = "result";
    f.title = "Your push devices";
    f.instructions = std::to_string(mine.size()) +
                     (mine.size() == 1 ? " device receives" : " devices receive") +
                     " push notifications for " + caller.bare + ".";
    f.add("FORM_TYPE", "hidden", "", {std::string(kDevicesFormType)});
    for (size_t i = 0; i < mine.size(); ++i) {
      f.add("device-" + std::to_string(i + 1), "text-single", "Device " + std::to_string(i + 1),
            {describe(mine[i])});
    }
    return completedWith(std::move(f));
  }

  // Nothing to submit; answer as for execute.
  CommandResponse submit(CommandContext& ctx, const Caller& caller, const Form&) const override {
    return start(ctx, caller);
  }
};

class RemoveDeviceCommand : public Command {
 public:
  std::string_view node() const override { return command_node::kRemoveDevice; }
  std::string_view name() const override { return "Remove one of my push devices"; }
  bool listed() const override { return true; }

  CommandResponse start(CommandContext& ctx, const Caller& caller) const override {
    std::vector<Device> mine;
    const Status s = ctx.devices.listByUser(caller.bare, mine);
    if (!s.ok()) return storageError(s, "listing your devices");
    if (mine.empty()) return noDevices();
    Form f;
    f.type = "form";
    f.title = "Remove a push device";
    f.instructions =
        "The device stops receiving push notifications. The app registers again the next "
        "time it connects, unless you turn push off in the app.";
    f.add("FORM_TYPE", "hidden", "", {std::string(kDevicesFormType)});
    FormField& choice = f.add("device", "list-single", "Device");
    choice.required = true;
    for (const auto& d : mine) choice.options.push_back({describe(d), d.node});
    return executingWith(std::move(f));
  }

  CommandResponse submit(CommandContext& ctx, const Caller& caller,
                         const Form& form) const override {
    FormReader r(form);
    r.checkShape({kDevicesFormType});
    const auto node = r.required("device", 256);
    if (r.failed()) return r.error();
    std::vector<Device> mine;
    Status s = ctx.devices.listByUser(caller.bare, mine);
    if (!s.ok()) return storageError(s, "listing your devices");
    for (const auto& d : mine) {
      if (d.node != *node) continue;
      s = ctx.devices.remove(d.id, ctx.clock.nowMs());
      if (!s.ok()) return storageError(s, "removing the device");
      return completedWithNote("Removed " + describe(d) + ".");
    }
    // Another user's node looks exactly like one that does not exist.
    return errorResponse(ErrorType::Cancel, "item-not-found", "you have no such device");
  }
};

}  // namespace

std::unique_ptr<Command> makeListDevicesCommand() { return std::make_unique<ListDevicesCommand>(); }
std::unique_ptr<Command> makeRemoveDeviceCommand() {
  return std::make_unique<RemoveDeviceCommand>();
}

}  // namespace vapush

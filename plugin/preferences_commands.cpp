// SPDX-License-Identifier: Apache-2.0
// `preferences` and `mute-conversation`: forms a generic XEP-0050 client can render.
#include "plugin/preferences_commands.h"

#include <vector>

#include "plugin/preferences_parse.h"
#include "plugin/registration.h"

namespace vapush {

namespace {

constexpr size_t kMaxMuted = 500;
constexpr size_t kMaxMutedShown = 20;

FormField& addBoolean(Form& form, std::string var, std::string label, bool value,
                      std::string desc) {
  FormField& f = form.add(std::move(var), "boolean", std::move(label), {value ? "1" : "0"});
  f.desc = std::move(desc);
  return f;
}

void addFormType(Form& form, std::string_view type) {
  form.add("FORM_TYPE", "hidden", "", {std::string(type)});
}

// Drops mutes that have ended.
void pruneMutes(Preferences& prefs, TimeMs now) {
  for (auto it = prefs.muted.begin(); it != prefs.muted.end();) {
    if (it->second <= now) {
      it = prefs.muted.erase(it);
    } else {
      ++it;
    }
  }
}

class PreferencesCommand : public Command {
 public:
  std::string_view node() const override { return command_node::kPreferences; }
  std::string_view name() const override { return "Push notification preferences"; }
  bool listed() const override { return true; }

  CommandResponse start(CommandContext& ctx, const Caller& caller) const override {
    Preferences prefs;
    const Status s = ctx.preferences.load(caller.bare, prefs);
    if (!s.ok()) return storageError(s, "loading your preferences");
    return executingWith(render(prefs));
  }

  CommandResponse submit(CommandContext& ctx, const Caller& caller,
                         const Form& form) const override {
    FormReader r(form);
    r.checkShape({kPreferencesFormType});
    const auto virtual_agent = r.boolean("virtual-agent");
    const auto live_agent = r.boolean("live-agent");
    const auto chat = r.boolean("chat");
    const auto preview = r.boolean("preview");
    const auto quiet = r.boolean("quiet-hours");
    const auto start = r.optional("quiet-start", 16);
    const auto end = r.optional("quiet-end", 16);
    const auto zone = r.optional("time-zone", 64);
    const auto language = r.optional("language", kMaxLanguageBytes);
    if (r.failed()) return r.error();
    if (language) {
      if (auto p = languageProblem(*language)) return badRequest("field 'language': " + *p);
    }

    std::optional<int> start_minute;
    std::optional<int> end_minute;
    if (start && !(start_minute = parseHhMm(*start))) {
      return badRequest("field 'quiet-start' must be a time HH:MM (00:00-23:59), got '" + *start +
                        "'");
    }
    if (end && !(end_minute = parseHhMm(*end))) {
      return badRequest("field 'quiet-end' must be a time HH:MM (00:00-23:59), got '" + *end + "'");
    }
    if (zone && !isTimeZoneName(*zone)) {
      return badRequest(
          "field 'time-zone' must be an IANA time zone name such as "
          "'Europe/Berlin' or 'UTC', got '" +
          *zone + "'");
    }
    // A well-formed name the time zone database does not know would silently be UTC.
    if (zone && ctx.zones != nullptr && !ctx.zones->utcOffsetMinutes(*zone, ctx.clock.nowMs())) {
      return badRequest("field 'time-zone': unknown time zone '" + *zone +
                        "' (not in the time zone database; use a name such as "
                        "'Europe/Berlin' or 'UTC')");
    }

    Preferences prefs;
    Status s = ctx.preferences.load(caller.bare, prefs);
    if (!s.ok()) return storageError(s, "loading your preferences");
    if (virtual_agent) prefs.virtual_agent = *virtual_agent;
    if (live_agent) prefs.live_agent = *live_agent;
    if (chat) prefs.chat = *chat;
    if (preview) prefs.preview = *preview;
    // An empty language field clears it (the server's default applies again).
    if (language) {
      prefs.language = *language;
    } else if (form.field("language") != nullptr) {
      prefs.language.clear();
    }
    const bool quiet_on = quiet.value_or(prefs.quiet_hours.has_value());
    if (quiet_on) {
      QuietHours q = prefs.quiet_hours.value_or(QuietHours{});
      if (start_minute) q.start_minute = *start_minute;
      if (end_minute) q.end_minute = *end_minute;
      if (zone) q.time_zone = *zone;
      if (q.start_minute == q.end_minute) {
        return badRequest("fields 'quiet-start' and 'quiet-end' must differ");
      }
      prefs.quiet_hours = q;
    } else {
      prefs.quiet_hours.reset();
    }
    pruneMutes(prefs, ctx.clock.nowMs());
    s = ctx.preferences.save(caller.bare, prefs);
    if (!s.ok()) return storageError(s, "saving your preferences");
    return completedWithNote("Preferences saved.");
  }

 private:
  static Form render(const Preferences& prefs) {
    const QuietHours q = prefs.quiet_hours.value_or(QuietHours{});
    Form f;
    f.type = "form";
    f.title = "Push notification preferences";
    f.instructions =
        "Choose which messages reach your phone while you are away. During quiet hours "
        "pushes wait until the quiet hours end.";
    addFormType(f, kPreferencesFormType);
    addBoolean(f, "virtual-agent", "Virtual Agent messages", prefs.virtual_agent,
               "Pushes for messages from the Virtual Agent");
    addBoolean(f, "live-agent", "Live agent messages", prefs.live_agent,
               "Pushes for messages from live agents");
    addBoolean(f, "chat", "Chat messages", prefs.chat, "Pushes for other chat messages");
    addBoolean(f, "preview", "Show message text", prefs.preview,
               "Off: notifications only say how many messages arrived");
    addBoolean(f, "quiet-hours", "Quiet hours", prefs.quiet_hours.has_value(),
               "Hold pushes between the start and end times below");
    f.add("quiet-start", "text-single", "Quiet hours start (HH:MM)", {formatHhMm(q.start_minute)})
        .desc = "24-hour time, e.g. 22:00";
    f.add("quiet-end", "text-single", "Quiet hours end (HH:MM)", {formatHhMm(q.end_minute)}).desc =
        "24-hour time, e.g. 07:00";
    f.add("time-zone", "text-single", "Time zone", {q.time_zone}).desc =
        "IANA name, e.g. Europe/Berlin or America/New_York";
    f.add("language", "text-single", "Language of notifications", {prefs.language}).desc =
        "e.g. de, pl or pt-BR; empty = the server's default. A device that registered with "
        "its own language keeps it.";
    return f;
  }
};

class MuteCommand : public Command {
 public:
  std::string_view node() const override { return command_node::kMuteConversation; }
  std::string_view name() const override { return "Mute or unmute a conversation"; }
  bool listed() const override { return true; }

  CommandResponse start(CommandContext& ctx, const Caller& caller) const override {
    Preferences prefs;
    const Status s = ctx.preferences.load(caller.bare, prefs);
    if (!s.ok()) return storageError(s, "loading your preferences");
    pruneMutes(prefs, ctx.clock.nowMs());
    Form f;
    f.type = "form";
    f.title = "Mute a conversation";
    f.instructions = "No pushes for this contact or room until the mute ends.";
    if (!prefs.muted.empty()) {
      f.instructions += " Muted now:";
      size_t shown = 0;
      for (const auto& [jid, until] : prefs.muted) {
        if (shown++ == kMaxMutedShown) {
          f.instructions += " ...";
          break;
        }
        f.instructions += " " + jid + " (" + formatUntil(until) + ");";
      }
    }
    addFormType(f, kMuteFormType);
    FormField& jid = f.add("jid", "jid-single", "Conversation");
    jid.desc = "Address of the contact or room";
    jid.required = true;
    FormField& action = f.add("action", "list-single", "Action", {"mute"});
    action.options = {{"Mute", "mute"}, {"Unmute", "unmute"}};
    f.add("until", "text-single", "Mute until", {"forever"}).desc =
        "'forever', a duration (30m, 8h, 2d, 1w) or a UTC time (2026-12-01T08:00Z)";
    return executingWith(std::move(f));
  }

  CommandResponse submit(CommandContext& ctx, const Caller& caller,
                         const Form& form) const override {
    FormReader r(form);
    r.checkShape({kMuteFormType});
    const auto jid_text = r.required("jid", 3071);
    const auto action = r.optional("action", 16);
    const auto until_text = r.optional("until", 64);
    if (r.failed()) return r.error();
    const auto peer = normalizePeerJid(*jid_text);
    if (!peer) return badRequest("field 'jid' must be a JID such as bob@example.com");
    const bool mute = action.value_or("mute") == "mute";
    if (!mute && *action != "unmute") {
      return badRequest("field 'action' must be 'mute' or 'unmute', got '" + *action + "'");
    }
    const TimeMs now = ctx.clock.nowMs();
    TimeMs until = Preferences::kForever;
    if (mute && until_text) {
      std::string problem;
      const auto parsed = parseUntil(*until_text, now, problem);
      if (!parsed) return badRequest("field 'until': " + problem);
      until = *parsed;
    }

    Preferences prefs;
    Status s = ctx.preferences.load(caller.bare, prefs);
    if (!s.ok()) return storageError(s, "loading your preferences");
    pruneMutes(prefs, now);
    std::string note;
    if (mute) {
      if (prefs.muted.count(*peer) == 0 && prefs.muted.size() >= kMaxMuted) {
        return errorResponse(
            ErrorType::Modify, "not-acceptable",
            "at most " + std::to_string(kMaxMuted) + " muted conversations; unmute some first");
      }
      prefs.muted[*peer] = until;
      note = until == Preferences::kForever ? "Muted " + *peer + " until you unmute it."
                                            : "Muted " + *peer + " until " + formatUtc(until) + ".";
    } else {
      note = prefs.muted.erase(*peer) != 0 ? "Unmuted " + *peer + "." : *peer + " was not muted.";
    }
    s = ctx.preferences.save(caller.bare, prefs);
    if (!s.ok()) return storageError(s, "saving your preferences");
    return completedWithNote(std::move(note));
  }
};

}  // namespace

std::unique_ptr<Command> makePreferencesCommand() { return std::make_unique<PreferencesCommand>(); }
std::unique_ptr<Command> makeMuteCommand() { return std::make_unique<MuteCommand>(); }

}  // namespace vapush

// SPDX-License-Identifier: Apache-2.0
// Building blocks shared by the ad-hoc commands: the Command interface, the context
// commands run in, the caller's identity, form reading with precise errors, and
// error/response constructors.
//
// Internal to plugin/ (xmpp/ uses plugin/commands.h). Not thread-safe: everything here
// runs on the thread that calls CommandHandler.
#pragma once

#include <chrono>
#include <deque>
#include <initializer_list>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "plugin/commands.h"
#include "plugin/test_push.h"
#include "plugin/text.h"
#include "plugin/time_zone.h"

namespace vapush {

// Who sent a command, from the stanza's full JID.
struct Caller {
  std::string full;      // as received
  std::string bare;      // lower-case local@domain: the owner of devices and preferences
  std::string domain;    // lower-case domain part
  std::string resource;  // may be empty
  // The request's xml:lang when it is a plausible BCP 47 tag, else empty: a registration
  // without a `language` field gives its device this language.
  std::string lang;
};

// Parses `from` as local@domain[/resource]. nullopt when there is no local part or
// domain, or when it is not valid UTF-8 or too long (RFC 7622: 1023 bytes per part).
std::optional<Caller> parseCaller(std::string_view from);

// Sliding one-minute window of events per key (registrations per user), driven by the
// injected clock's steady time. Memory is bounded: idle keys are swept.
class RateWindow {
 public:
  using TimePoint = std::chrono::steady_clock::time_point;
  // Counts an event for `key` and returns true when fewer than `limit` events happened in
  // the `window` before `now`; otherwise returns false, counts nothing and sets
  // `retry_after` to when the oldest event leaves the window. limit <= 0 = unlimited.
  bool tryAcquire(const std::string& key, int limit, TimePoint now,
                  std::chrono::milliseconds window, std::chrono::milliseconds& retry_after);

 private:
  void sweep(TimePoint now, std::chrono::milliseconds window);
  std::map<std::string, std::deque<TimePoint>> events_;
};

// What commands work with. Owned by CommandHandler.
struct CommandContext {
  const Config& config;
  DeviceRepository& devices;
  PreferencesRepository& preferences;
  Clock& clock;
  Crypto& crypto;
  // HMAC keys for publish secrets, current first, then older ones whose secrets are still
  // given back to their registrations (plugin/registration.h); empty = random, rotating.
  std::vector<std::string> secret_keys;
  RateWindow registrations;
  // The time zone database, to refuse zones it does not know (preferences); null = only
  // the name's shape is checked.
  TimeZones* zones = nullptr;
  // The self-service test push (plugin/test_push.h): the port, and test-push commands
  // per user. nullptr = the command answers service-unavailable.
  TestPusher* test_pusher = nullptr;
  RateWindow test_pushes;
};

// One command's logic. Implementations are stateless; per-request state lives in the
// request and the stores. Sessions are kept by CommandHandler.
class Command {
 public:
  virtual ~Command() = default;
  virtual std::string_view node() const = 0;
  virtual std::string_view name() const = 0;  // human-readable, for disco#items
  // Listed in disco#items (commands a person runs); registration commands are not.
  virtual bool listed() const { return false; }
  // First request without a form: an Executing response with the form to fill (the
  // handler adds the session), a Completed one, or an error.
  virtual CommandResponse start(CommandContext& ctx, const Caller& caller) const = 0;
  // A submitted form, either in one go (execute + form) or completing a session.
  virtual CommandResponse submit(CommandContext& ctx, const Caller& caller,
                                 const Form& form) const = 0;
};

// Response constructors.
CommandResponse errorResponse(ErrorType type, std::string condition, std::string text,
                              std::string specific = {});
// bad-request (modify), optionally with a XEP-0050 specific condition.
CommandResponse badRequest(std::string text, std::string specific = {});
// Maps a failed storage call: Transient -> internal-server-error (wait), so clients and
// servers retry; NotFound -> item-not-found (cancel); Failed -> internal-server-error
// (cancel). `what` says what was being done, e.g. "saving the device".
CommandResponse storageError(const Status& status, std::string_view what);
CommandResponse completedWith(Form form);
CommandResponse completedWithNote(std::string text,
                                  CommandNote::Type type = CommandNote::Type::Info);
// An Executing response offering `form` with the single action "complete".
CommandResponse executingWith(Form form);

// Reads a submitted form and remembers the first problem, with a message naming the field.
//   FormReader r(form);
//   r.checkShape({kMyFormType});
//   auto token = r.required("token", 4096);
//   if (r.failed()) return r.error();
class FormReader {
 public:
  static constexpr size_t kMaxFields = 64;
  static constexpr size_t kMaxValuesPerField = 64;
  static constexpr size_t kMaxValueBytes = 8192;  // for fields we don't read

  explicit FormReader(const Form& form) : form_(form) {}

  // Whole-form checks: field count, values per field, value sizes and UTF-8 of every
  // var and value, and FORM_TYPE (absent, or one of `form_types`).
  void checkShape(std::initializer_list<std::string_view> form_types);
  // The single value of `var`; nullopt when absent or empty. Fails on more than one
  // value, more than `max_bytes` bytes, or control characters.
  std::optional<std::string> optional(std::string_view var, size_t max_bytes);
  // As optional(), but a missing or empty field fails with bad-payload.
  std::optional<std::string> required(std::string_view var, size_t max_bytes);
  // XEP-0004 §3.3 boolean: 1/true/0/false; nullopt when absent.
  std::optional<bool> boolean(std::string_view var);
  // Fails with bad-request naming `var` (for checks done by the caller).
  void fail(std::string text, std::string specific = {});

  bool failed() const { return error_.has_value(); }
  const CommandResponse& error() const { return *error_; }

 private:
  const Form& form_;
  std::optional<CommandResponse> error_;
};

}  // namespace vapush

// SPDX-License-Identifier: Apache-2.0
// XEP-0050 command dispatch: authorisation, actions, sessions.
#include "plugin/commands.h"

#include <algorithm>

#include "plugin/command_base.h"
#include "plugin/preferences_commands.h"
#include "plugin/registration.h"

namespace vapush {

namespace {

constexpr size_t kSessionIdBytes = 8;

// The key of versions before 0.2 (and of tools and tests): the configured key, else
// one derived from the component secret.
std::vector<std::string> configuredSecretKeys(const Config& config, Crypto& crypto) {
  if (!config.component.publish_secret_key.empty()) return {config.component.publish_secret_key};
  if (!config.component.secret.empty()) return {legacyPublishSecretKey(config, crypto)};
  return {};
}

// config.component.domains, or the component JID minus its first label.
std::vector<std::string> servedDomains(const ComponentConfig& component) {
  std::vector<std::string> out;
  for (const auto& d : component.domains) out.push_back(lowerAscii(d));
  if (out.empty()) {
    const size_t dot = component.jid.find('.');
    if (dot != std::string::npos && dot + 1 < component.jid.size()) {
      out.push_back(lowerAscii(component.jid.substr(dot + 1)));
    }
  }
  return out;
}

bool knownAction(const std::string& a) {
  return a == "execute" || a == "next" || a == "complete" || a == "prev" || a == "cancel";
}

CommandResponse canceled() {
  CommandResponse r;
  r.status = CommandResponse::Status::Canceled;
  return r;
}

CommandResponse badSession() {
  return badRequest("unknown or foreign session id", "bad-sessionid");
}

}  // namespace

std::string_view toString(CommandNote::Type t) {
  switch (t) {
    case CommandNote::Type::Info:
      return "info";
    case CommandNote::Type::Warn:
      return "warn";
    case CommandNote::Type::Error:
      return "error";
  }
  return "info";
}

std::string_view toString(ErrorType t) {
  switch (t) {
    case ErrorType::Cancel:
      return "cancel";
    case ErrorType::Modify:
      return "modify";
    case ErrorType::Auth:
      return "auth";
    case ErrorType::Wait:
      return "wait";
  }
  return "cancel";
}

std::string_view toString(CommandResponse::Status s) {
  switch (s) {
    case CommandResponse::Status::Completed:
      return "completed";
    case CommandResponse::Status::CompleteV1:
      return "complete";
    case CommandResponse::Status::Executing:
      return "executing";
    case CommandResponse::Status::Canceled:
      return "canceled";
  }
  return "completed";
}

std::string legacyPublishSecretKey(const Config& config, Crypto& crypto) {
  return crypto.hmacSha256Hex(config.component.secret, "vapush publish secret key v1");
}

CommandHandler::CommandHandler(const Config& config, DeviceRepository& devices,
                               PreferencesRepository& preferences, Clock& clock, Crypto& crypto)
    : CommandHandler(config, devices, preferences, clock, crypto,
                     configuredSecretKeys(config, crypto)) {}

CommandHandler::CommandHandler(const Config& config, DeviceRepository& devices,
                               PreferencesRepository& preferences, Clock& clock, Crypto& crypto,
                               std::vector<std::string> secret_keys)
    : context_(new CommandContext{config,
                                  devices,
                                  preferences,
                                  clock,
                                  crypto,
                                  std::move(secret_keys),
                                  {},
                                  nullptr,
                                  nullptr,
                                  {}}),
      served_domains_(servedDomains(config.component)) {
  commands_.push_back(makeP2Register(Platform::Fcm));
  commands_.push_back(makeP2Register(Platform::Apns));
  commands_.push_back(makeP2Unregister(Platform::Fcm));
  commands_.push_back(makeP2Unregister(Platform::Apns));
  commands_.push_back(makeTigaseRegister());
  commands_.push_back(makeTigaseUnregister());
  commands_.push_back(makeAppServerRegister());
  commands_.push_back(makeAppServerUnregister());
  commands_.push_back(makePreferencesCommand());
  commands_.push_back(makeMuteCommand());
  commands_.push_back(makeListDevicesCommand());
  commands_.push_back(makeRemoveDeviceCommand());
  commands_.push_back(makeTestPushCommand());
}

void CommandHandler::setTestPusher(TestPusher* pusher) { context_->test_pusher = pusher; }

CommandHandler::~CommandHandler() = default;

void CommandHandler::setTimeZones(TimeZones* zones) { context_->zones = zones; }

const Command* CommandHandler::find(std::string_view node) const {
  for (const auto& c : commands_) {
    if (c->node() == node) return c.get();
  }
  return nullptr;
}

bool CommandHandler::exists(std::string_view node) const { return find(node) != nullptr; }

bool CommandHandler::servesDomain(const std::string& domain) const {
  if (context_->config.component.allow_foreign_users) return true;
  return std::find(served_domains_.begin(), served_domains_.end(), domain) != served_domains_.end();
}

std::vector<CommandInfo> CommandHandler::list(std::string_view from) const {
  std::vector<CommandInfo> out;
  const auto caller = parseCaller(from);
  if (!caller || !servesDomain(caller->domain)) return out;
  for (const auto& c : commands_) {
    if (c->listed()) out.push_back({std::string(c->node()), std::string(c->name())});
  }
  return out;
}

CommandResponse CommandHandler::handle(const CommandRequest& request) {
  purgeExpired();
  CommandResponse response;
  const Command* command = find(request.node);
  auto caller = parseCaller(request.from);
  if (caller && !request.lang.empty() && request.lang.size() <= kMaxLanguageBytes &&
      !languageProblem(request.lang)) {
    caller->lang = request.lang;
  }
  const std::string action = request.action.empty() ? "execute" : request.action;
  if (command == nullptr) {
    response = errorResponse(ErrorType::Cancel, "item-not-found",
                             "unknown command '" + request.node + "'");
  } else if (!caller) {
    response = errorResponse(ErrorType::Auth, "forbidden",
                             "commands must come from a user account (user@domain/resource)");
  } else if (!servesDomain(caller->domain)) {
    std::string domains;
    for (const auto& d : served_domains_) domains += (domains.empty() ? "" : ", ") + d;
    response =
        errorResponse(ErrorType::Auth, "forbidden",
                      "this push service only serves users of " +
                          (domains.empty() ? std::string("its configured domains") : domains));
  } else if (!knownAction(action)) {
    response = badRequest("unknown action '" + action + "'", "malformed-action");
  } else {
    response = dispatch(*command, *caller, request, action);
  }
  response.node = request.node;
  if (response.ok() && response.session_id.empty()) response.session_id = newId();
  return response;
}

CommandResponse CommandHandler::dispatch(const Command& command, const Caller& caller,
                                         const CommandRequest& request, const std::string& action) {
  if (!request.session_id.empty()) return continueSession(command, caller, request, action);
  if (action == "cancel") return canceled();
  // XEP-0050 §3.3: the first request executes; next/prev need a session.
  if (action == "next" || action == "prev") {
    return badRequest("action '" + action + "' needs a session", "bad-action");
  }
  if (request.form) {
    // Execute (or complete) with a form in one go, as registration clients do.
    if (request.form->type == "cancel") return canceled();
    return command.submit(*context_, caller, *request.form);
  }
  CommandResponse response = command.start(*context_, caller);
  if (response.ok() && response.status == CommandResponse::Status::Executing) {
    if (auto e = openSession(command, caller, response)) return *e;
  }
  return response;
}

CommandResponse CommandHandler::continueSession(const Command& command, const Caller& caller,
                                                const CommandRequest& request,
                                                const std::string& action) {
  const auto it = sessions_.find(request.session_id);
  // A session of another requester or command looks exactly like an unknown one.
  if (it == sessions_.end() || it->second.owner != caller.full ||
      it->second.node != command.node()) {
    return badSession();
  }
  if (it->second.expires <= context_->clock.steadyNow()) {
    sessions_.erase(it);
    return errorResponse(ErrorType::Cancel, "not-allowed", "the session expired; start again",
                         "session-expired");
  }
  if (action == "cancel" || (request.form && request.form->type == "cancel")) {
    sessions_.erase(it);
    CommandResponse r = canceled();
    r.session_id = request.session_id;
    return r;
  }
  if (action == "prev") return badRequest("this command has a single stage", "bad-action");
  if (!request.form) {
    return badRequest("submit the form to complete this command", "bad-payload");
  }
  CommandResponse response = command.submit(*context_, caller, *request.form);
  // A correctable mistake keeps the session so the user can fix the form and resubmit.
  const bool keep = !response.ok() && response.error->type == ErrorType::Modify;
  if (keep) {
    it->second.expires = context_->clock.steadyNow() + std::chrono::milliseconds(kSessionTtlMs);
  } else {
    sessions_.erase(it);
  }
  response.session_id = request.session_id;
  return response;
}

std::optional<CommandResponse> CommandHandler::openSession(const Command& command,
                                                           const Caller& caller,
                                                           CommandResponse& response) {
  // One user may hold a few open forms; opening another drops their oldest.
  std::vector<std::map<std::string, Session>::iterator> mine;
  for (auto it = sessions_.begin(); it != sessions_.end(); ++it) {
    if (it->second.bare == caller.bare) mine.push_back(it);
  }
  if (mine.size() >= kMaxSessionsPerUser) {
    auto oldest = *std::min_element(mine.begin(), mine.end(), [](auto a, auto b) {
      return a->second.expires < b->second.expires;
    });
    sessions_.erase(oldest);
  }
  if (sessions_.size() >= kMaxSessions) {
    return errorResponse(ErrorType::Wait, "resource-constraint",
                         "too many open command sessions; try again later");
  }
  std::string id = newId();
  while (sessions_.count(id) != 0) id = newId();
  const auto expires = context_->clock.steadyNow() + std::chrono::milliseconds(kSessionTtlMs);
  sessions_[id] = Session{std::string(command.node()), caller.full, caller.bare, expires};
  response.session_id = id;
  return std::nullopt;
}

std::string CommandHandler::newId() { return context_->crypto.randomHex(kSessionIdBytes); }

void CommandHandler::purgeExpired() {
  // Expired sessions linger one more TTL so a late request gets session-expired rather
  // than bad-sessionid.
  const auto cutoff = context_->clock.steadyNow() - std::chrono::milliseconds(kSessionTtlMs);
  for (auto it = sessions_.begin(); it != sessions_.end();) {
    if (it->second.expires <= cutoff) {
      it = sessions_.erase(it);
    } else {
      ++it;
    }
  }
}

}  // namespace vapush

// SPDX-License-Identifier: Apache-2.0
// XEP-0050 wire format for the command handler.
#include "xmpp/command_adapter.h"

#include "plugin/log.h"
#include "plugin/log_throttle.h"
#include "plugin/metrics.h"

namespace vapush::xmpp {
namespace {

constexpr const char* kNsCommands = "http://jabber.org/protocol/commands";

// The stanza's xml:lang: gloox's parser keeps it as attribute `lang` with prefix `xml`.
std::string xmlLang(const gloox::Tag& tag) {
  for (const gloox::Tag::Attribute* a : tag.attributes()) {
    if ((a->name() == "lang" && a->prefix() == "xml") || a->name() == "xml:lang") {
      return a->value();
    }
  }
  return std::string();
}

}  // namespace

std::optional<CommandRequest> parseCommand(const gloox::Tag& iq, StanzaError& error) {
  const gloox::Tag* cmd = child(&iq, "command", kNsCommands);
  if (cmd == nullptr) {
    error = {"modify", "bad-request", "expected <command/>"};
    return std::nullopt;
  }
  CommandRequest r;
  r.from = iq.findAttribute("from");
  r.node = cmd->findAttribute("node");
  r.action = cmd->findAttribute("action");
  r.session_id = cmd->findAttribute("sessionid");
  r.lang = xmlLang(iq);
  if (r.node.empty()) {
    error = {"modify", "bad-request", "command without node"};
    return std::nullopt;
  }
  if (const gloox::Tag* x = child(cmd, "x", kNsData)) {
    std::string why;
    r.form = parseForm(x, why);
    if (!r.form) {
      // XEP-0050 §4.6: bad-payload for an unusable form.
      error = {"modify", "bad-request", why, "bad-payload", kNsCommands};
      return std::nullopt;
    }
  }
  return r;
}

gloox::Tag* commandToTag(const CommandResponse& r) {
  auto* cmd = new gloox::Tag("command");
  cmd->setXmlns(kNsCommands);
  cmd->addAttribute("node", r.node);
  cmd->addAttribute("sessionid", r.session_id);
  cmd->addAttribute("status", std::string(toString(r.status)));
  if (r.status == CommandResponse::Status::Executing && !r.actions.empty()) {
    auto* actions = new gloox::Tag(cmd, "actions");
    if (!r.default_action.empty()) actions->addAttribute("execute", r.default_action);
    for (const auto& a : r.actions) new gloox::Tag(actions, a);
  }
  for (const auto& n : r.notes) {
    auto* note = new gloox::Tag(cmd, "note", n.text);
    note->addAttribute("type", std::string(toString(n.type)));
  }
  if (r.form) cmd->addChild(formToTag(*r.form));
  return cmd;
}

gloox::Tag* CommandAdapter::handle(const gloox::Tag& iq) {
  StanzaError error;
  auto request = parseCommand(iq, error);
  if (!request) return errorReply(&iq, error);
  const CommandResponse response = handler_.handle(*request);
  // Label values are bounded: unknown nodes (any string a client sends) count as one.
  const std::string node_label = handler_.exists(request->node) ? request->node : "unknown";
  if (!response.ok()) {
    const CommandError& e = *response.error;
    metrics().inc("vapush_commands_total", {{"node", node_label}, {"result", e.condition}});
    // One line per refusal at most 10 times a minute at info (plugin/log_throttle.h).
    std::string held;
    const log::Level level = throttledLevel("command.refused", held);
    log::write(level, "command.refused",
               {{"node", request->node},
                {"from", request->from.substr(0, request->from.find('/'))},
                {"condition", e.condition},
                {"suppressed", held}});
    return errorReply(&iq, {std::string(toString(e.type)), e.condition, e.text, e.specific,
                            e.specific.empty() ? std::string() : kNsCommands});
  }
  metrics().inc("vapush_commands_total", {{"node", node_label}, {"result", "ok"}});
  // Per user action: debug only (vapush_commands_total counts them).
  log::debug("command.done", {{"node", request->node},
                              {"from", request->from.substr(0, request->from.find('/'))},
                              {"status", std::string(toString(response.status))}});
  return resultReply(&iq, commandToTag(response));
}

std::vector<std::pair<std::string, std::string>> CommandAdapter::list(const std::string& from) {
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& c : handler_.list(from)) out.emplace_back(c.node, c.name);
  return out;
}

bool CommandAdapter::exists(const std::string& node) { return handler_.exists(node); }

}  // namespace vapush::xmpp

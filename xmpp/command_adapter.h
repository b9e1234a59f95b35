// SPDX-License-Identifier: Apache-2.0
// XEP-0050 adapter: <iq><command/></iq> <-> CommandRequest/CommandResponse.
// XMPP thread only.
#pragma once

#include "plugin/commands.h"
#include "xmpp/service.h"

namespace vapush::xmpp {

class CommandAdapter : public CommandPort {
 public:
  explicit CommandAdapter(CommandHandler& handler) : handler_(handler) {}

  // CommandPort
  gloox::Tag* handle(const gloox::Tag& iq) override;
  std::vector<std::pair<std::string, std::string>> list(const std::string& from) override;
  bool exists(const std::string& node) override;

 private:
  CommandHandler& handler_;
};

// Exposed for unit tests: parse the <command/> payload of `iq`.
std::optional<CommandRequest> parseCommand(const gloox::Tag& iq, StanzaError& error);
// Builds the <command/> payload of a successful response. Caller owns it.
gloox::Tag* commandToTag(const CommandResponse& response);

}  // namespace vapush::xmpp

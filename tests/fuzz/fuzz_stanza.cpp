// SPDX-License-Identifier: Apache-2.0
// Fuzz target: every stanza parser (publish + summary form, presence, privilege,
// forwarded messages, XEP-0082 times) on whatever XML the bytes make.
#include <memory>

#include "xml_feed.h"
#include "xmpp/parse.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  vapush::fuzz::feed(data, size, [](const gloox::Tag& tag) {
    vapush::xmpp::StanzaError error;
    (void)vapush::xmpp::parsePublish(tag, error);
    (void)vapush::xmpp::parsePresence(tag);
    std::string ns;
    (void)vapush::xmpp::parsePrivilege(tag, ns);
    (void)vapush::xmpp::parseForwarded(tag);
    std::unique_ptr<gloox::Tag> reply(vapush::xmpp::errorReply(&tag, error));
    (void)reply->xml();
  });
  (void)vapush::xmpp::parseXmppTime(std::string(reinterpret_cast<const char*>(data), size));
  return 0;
}

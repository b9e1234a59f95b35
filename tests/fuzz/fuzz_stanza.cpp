// SPDX-License-Identifier: Apache-2.0
// Fuzz target: every stanza parser (publish + summary form, presence, privilege,
// forwarded messages, XEP-0082 times) on whatever XML the bytes make, and the StanzaGuard
// in front of gloox (the same verdict and output however the bytes are split).
#include <memory>
#include <string_view>
#include <vector>

#include "xml_feed.h"
#include "xmpp/parse.h"
#include "xmpp/stanza_guard.h"

namespace {

void checkGuard(const uint8_t* data, size_t size) {
  using vapush::xmpp::SkippedStanza;
  using vapush::xmpp::StanzaGuard;
  const std::string_view in(reinterpret_cast<const char*>(data), size);
  const size_t limit = 64 + (size > 0 ? data[0] : 0);
  const size_t step = 1 + (size > 1 ? data[1] % 13 : 0);
  StanzaGuard whole(limit), split(limit);
  std::string out_whole, out_split;
  std::vector<SkippedStanza> skipped_whole, skipped_split;
  const bool ok_whole = whole.feed(in, out_whole, skipped_whole);
  bool ok_split = true;
  for (size_t i = 0; i < size && ok_split; i += step) {
    ok_split = split.feed(in.substr(i, step), out_split, skipped_split);
  }
  if (ok_whole != ok_split || out_whole != out_split ||
      skipped_whole.size() != skipped_split.size() || out_whole.size() > size) {
    __builtin_trap();
  }
}

}  // namespace

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
  checkGuard(data, size);
  return 0;
}

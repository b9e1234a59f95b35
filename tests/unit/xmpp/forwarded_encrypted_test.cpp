// SPDX-License-Identifier: Apache-2.0
// Forwarded copies of end-to-end encrypted messages are recognised by their encryption
// element (OMEMO legacy and :2, OpenPGP XEP-0373 and XEP-0027, XEP-0380 hints).
#include <gtest/gtest.h>

#include "tag_loader.h"
#include "xmpp/parse.h"

namespace vapush::xmpp {
namespace {

std::string copyWith(const std::string& payload) {
  return "<message from='localhost'><forwarded xmlns='urn:xmpp:forward:0'><message "
         "xmlns='jabber:client' type='chat' from='b@localhost/r' to='a@localhost'>"
         "<body>I sent you an encrypted message</body>" +
         payload + "</message></forwarded></message>";
}

TEST(ParseForwarded, EncryptedPayloadsAreFlagged) {
  for (const char* payload :
       {"<encrypted xmlns='eu.siacs.conversations.axolotl'><header sid='1'/></encrypted>",
        "<encrypted xmlns='urn:xmpp:omemo:2'><header sid='1'/></encrypted>",
        "<openpgp xmlns='urn:xmpp:openpgp:0'>BASE64</openpgp>",
        "<x xmlns='jabber:x:encrypted'>BASE64</x>",
        "<encryption xmlns='urn:xmpp:eme:0' namespace='urn:xmpp:otr:0'/>"}) {
    auto tag = vapush::testing::parseXml(copyWith(payload));
    ASSERT_TRUE(tag);
    auto f = parseForwarded(*tag);
    ASSERT_TRUE(f) << payload;
    EXPECT_TRUE(f->encrypted) << payload;
  }
  auto plain = vapush::testing::parseXml(copyWith(""));
  auto f = parseForwarded(*plain);
  ASSERT_TRUE(f);
  EXPECT_FALSE(f->encrypted);
}

}  // namespace
}  // namespace vapush::xmpp

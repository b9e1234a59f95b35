// SPDX-License-Identifier: Apache-2.0
// The registering IQ's xml:lang reaches the command handler (the device's language when
// the registration form has no `language` field).
#include <gtest/gtest.h>

#include "tag_loader.h"
#include "xmpp/command_adapter.h"

namespace vapush::xmpp {
namespace {

TEST(ParseCommand, CarriesXmlLang) {
  auto iq = testing::parseXml(
      "<iq type='set' id='r1' from='a@example.com/phone' to='push.example.com' xml:lang='de'>"
      "<command xmlns='http://jabber.org/protocol/commands' node='register-push-fcm'/></iq>");
  ASSERT_TRUE(iq);
  StanzaError error;
  const auto r = parseCommand(*iq, error);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->lang, "de");
}

TEST(ParseCommand, NoXmlLangIsEmpty) {
  auto iq = testing::parseXml(
      "<iq type='set' id='r1' from='a@example.com/phone' to='push.example.com'>"
      "<command xmlns='http://jabber.org/protocol/commands' node='preferences'/></iq>");
  ASSERT_TRUE(iq);
  StanzaError error;
  const auto r = parseCommand(*iq, error);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->lang, "");
}

}  // namespace
}  // namespace vapush::xmpp

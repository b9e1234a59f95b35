// SPDX-License-Identifier: Apache-2.0
// Tests for xmpp/parse: captured ejabberd and Prosody stanzas and malformed variants.
#include "xmpp/parse.h"

#include <gtest/gtest.h>

#include "tag_loader.h"

namespace vapush::xmpp {
namespace {

using vapush::testing::loadXml;
using vapush::testing::parseXml;

TEST(ParsePublish, EjabberdSubmitFormWithoutMessageCount) {
  auto iq = loadXml("xmpp/ejabberd_publish.xml");
  ASSERT_TRUE(iq);
  StanzaError err;
  auto p = parsePublish(*iq, err);
  ASSERT_TRUE(p) << err.text;
  EXPECT_EQ(p->from, "localhost");
  EXPECT_EQ(p->node, "testnode");
  EXPECT_TRUE(p->has_summary);
  EXPECT_EQ(p->message_count, 0);
  EXPECT_EQ(p->last_sender, "userb@localhost/7763534577981959288819");
  EXPECT_EQ(p->last_body, "Hello A, from B");
  EXPECT_EQ(p->option("secret"), "s3cr3t");
}

TEST(ParsePublish, ProsodyFormWithMessageCount) {
  auto iq = loadXml("xmpp/prosody_publish.xml");
  ASSERT_TRUE(iq);
  StanzaError err;
  auto p = parsePublish(*iq, err);
  ASSERT_TRUE(p) << err.text;
  EXPECT_EQ(p->message_count, 1);
  EXPECT_EQ(p->last_sender, "userb@localhost/3fNdY_HC6CZH");
  EXPECT_EQ(p->last_body, "Hello A, from B");
  EXPECT_EQ(p->option("secret"), "s3cr3t");
}

TEST(ParsePublish, WakeUpHasNoSummary) {
  auto iq = loadXml("xmpp/ejabberd_wakeup.xml");
  ASSERT_TRUE(iq);
  StanzaError err;
  auto p = parsePublish(*iq, err);
  ASSERT_TRUE(p) << err.text;
  EXPECT_FALSE(p->has_summary);
  EXPECT_EQ(p->option("secret"), "s3cr3t");
}

struct Malformed {
  const char* name;
  const char* xml;
};

class ParsePublishMalformed : public ::testing::TestWithParam<Malformed> {};

TEST_P(ParsePublishMalformed, IsBadRequest) {
  auto iq = parseXml(GetParam().xml);
  ASSERT_TRUE(iq) << "test XML must itself be well-formed";
  StanzaError err;
  EXPECT_FALSE(parsePublish(*iq, err));
  EXPECT_EQ(err.type, "modify");
  EXPECT_EQ(err.condition, "bad-request");
  EXPECT_FALSE(err.text.empty());
}

INSTANTIATE_TEST_SUITE_P(
    All, ParsePublishMalformed,
    ::testing::Values(
        Malformed{"NoPublish",
                  "<iq type='set'><pubsub xmlns='http://jabber.org/protocol/pubsub'/></iq>"},
        Malformed{"NoNode",
                  "<iq type='set'><pubsub xmlns='http://jabber.org/protocol/pubsub'><publish>"
                  "<item><notification xmlns='urn:xmpp:push:0'/></item></publish></pubsub></iq>"},
        Malformed{"NoNotification",
                  "<iq type='set'><pubsub xmlns='http://jabber.org/protocol/pubsub'>"
                  "<publish node='n'><item/></publish></pubsub></iq>"},
        Malformed{"WrongFormType",
                  "<iq type='set'><pubsub xmlns='http://jabber.org/protocol/pubsub'>"
                  "<publish node='n'><item><notification xmlns='urn:xmpp:push:0'>"
                  "<x xmlns='jabber:x:data' type='submit'><field var='FORM_TYPE'>"
                  "<value>urn:example</value></field></x></notification></item></publish>"
                  "</pubsub></iq>"},
        Malformed{"BadFormTypeAttr",
                  "<iq type='set'><pubsub xmlns='http://jabber.org/protocol/pubsub'>"
                  "<publish node='n'><item><notification xmlns='urn:xmpp:push:0'>"
                  "<x xmlns='jabber:x:data' type='bogus'/></notification></item></publish>"
                  "</pubsub></iq>"},
        Malformed{"BadCount",
                  "<iq type='set'><pubsub xmlns='http://jabber.org/protocol/pubsub'>"
                  "<publish node='n'><item><notification xmlns='urn:xmpp:push:0'>"
                  "<x xmlns='jabber:x:data' type='form'><field var='FORM_TYPE'>"
                  "<value>urn:xmpp:push:summary</value></field><field var='message-count'>"
                  "<value>many</value></field></x></notification></item></publish>"
                  "</pubsub></iq>"},
        Malformed{"InvalidUtf8Body",
                  "<iq type='set'><pubsub xmlns='http://jabber.org/protocol/pubsub'>"
                  "<publish node='n'><item><notification xmlns='urn:xmpp:push:0'>"
                  "<x xmlns='jabber:x:data' type='form'><field var='FORM_TYPE'>"
                  "<value>urn:xmpp:push:summary</value></field><field var='last-message-body'>"
                  "<value>\xc3\x28</value></field></x></notification></item></publish>"
                  "</pubsub></iq>"}),
    [](const auto& info) { return std::string(info.param.name); });

TEST(ParsePresence, AwayWithShow) {
  auto p = loadXml("xmpp/presence_away.xml");
  ASSERT_TRUE(p);
  auto e = parsePresence(*p);
  ASSERT_TRUE(e);
  EXPECT_EQ(e->bare, "userc@localhost");
  EXPECT_EQ(e->resource, "6119197440355548495978");
  EXPECT_EQ(e->show, Show::Away);
  EXPECT_FALSE(e->delay);
}

TEST(ParsePresence, ProsodyReplayCarriesDelay) {
  auto p = loadXml("xmpp/prosody_presence_replay.xml");
  ASSERT_TRUE(p);
  auto e = parsePresence(*p);
  ASSERT_TRUE(e);
  EXPECT_EQ(e->show, Show::Available);
  ASSERT_TRUE(e->delay);
  EXPECT_EQ(*e->delay, *parseXmppTime("2026-11-23T19:09:02Z"));
}

TEST(ParsePresence, UnavailableIdleAndSubscriptions) {
  auto un = parseXml("<presence from='A@Example.com/r1' type='unavailable'/>");
  auto e = parsePresence(*un);
  ASSERT_TRUE(e);
  EXPECT_EQ(e->bare, "a@example.com");
  EXPECT_EQ(e->show, Show::Unavailable);
  auto idle = parseXml(
      "<presence from='a@example.com/r1'><idle xmlns='urn:xmpp:idle:1' "
      "since='2026-11-23T19:00:00.500+01:00'/></presence>");
  e = parsePresence(*idle);
  ASSERT_TRUE(e && e->idle_since);
  EXPECT_EQ(*e->idle_since, *parseXmppTime("2026-11-23T18:00:00Z") + 500);
  EXPECT_FALSE(parsePresence(*parseXml("<presence from='a@x/r' type='subscribe'/>")));
  EXPECT_FALSE(parsePresence(*parseXml("<presence from='server.example'/>")));
}

TEST(ParsePrivilege, BothNamespaces) {
  std::string ns;
  auto ej = parsePrivilege(*loadXml("xmpp/ejabberd_privilege.xml"), ns);
  ASSERT_TRUE(ej);
  EXPECT_EQ(ns, "urn:xmpp:privilege:1");
  EXPECT_EQ(ej->size(), 3u);
  EXPECT_EQ((*ej)[2], "presence=managed_entity");
  auto pr = parsePrivilege(*loadXml("xmpp/prosody_privilege.xml"), ns);
  ASSERT_TRUE(pr);
  EXPECT_EQ(ns, "urn:xmpp:privilege:2");
}

TEST(ParseTime, RejectsGarbage) {
  EXPECT_FALSE(parseXmppTime("yesterday"));
  EXPECT_FALSE(parseXmppTime("2026-13-01T00:00:00Z"));
  EXPECT_FALSE(parseXmppTime("2026-11-01T00:00:00"));
  EXPECT_EQ(*parseXmppTime("1970-01-01T00:00:01Z"), 1000);
}

TEST(XmlUtil, ValidUtf8) {
  EXPECT_TRUE(validUtf8("plain"));
  EXPECT_TRUE(validUtf8("\xc3\xa9t\xc3\xa9 \xf0\x9f\x98\x80"));
  EXPECT_FALSE(validUtf8("\xc3"));
  EXPECT_FALSE(validUtf8("\xc0\xaf"));          // overlong
  EXPECT_FALSE(validUtf8("\xed\xa0\x80"));      // surrogate
  EXPECT_FALSE(validUtf8("\xf4\x90\x80\x80"));  // > U+10FFFF
}

TEST(XmlUtil, ErrorReplySwapsAddressesAndKeepsId) {
  auto req = parseXml("<iq from='localhost' to='push.localhost' id='x1' type='set'><a/></iq>");
  std::unique_ptr<gloox::Tag> r(
      errorReply(req.get(), {"wait", "internal-server-error", "retry later"}));
  EXPECT_EQ(r->findAttribute("to"), "localhost");
  EXPECT_EQ(r->findAttribute("from"), "push.localhost");
  EXPECT_EQ(r->findAttribute("id"), "x1");
  EXPECT_EQ(r->findAttribute("type"), "error");
  const gloox::Tag* e = r->findChild("error");
  ASSERT_TRUE(e);
  EXPECT_EQ(e->findAttribute("type"), "wait");
  EXPECT_TRUE(child(e, "internal-server-error", kNsStanzas));
}

}  // namespace
}  // namespace vapush::xmpp

namespace vapush::xmpp {
namespace {

TEST(ParseForwarded, ProsodyCopyOfChatMessage) {
  auto m = vapush::testing::loadXml("xmpp/prosody_forwarded.xml");
  ASSERT_TRUE(m);
  auto f = parseForwarded(*m);
  ASSERT_TRUE(f);
  EXPECT_EQ(f->from_bare, "dave@localhost");
  EXPECT_EQ(f->from, "dave@localhost/res1");
  EXPECT_EQ(f->to_bare, "carol@localhost");
  EXPECT_EQ(f->id, "d1");
  EXPECT_EQ(f->body, "hi carol");
  EXPECT_TRUE(f->displayed_id.empty());
}

TEST(ParseForwarded, MarkersReceiptsAndRejects) {
  auto displayed = vapush::testing::parseXml(
      "<message from='localhost'><forwarded xmlns='urn:xmpp:forward:0'><message "
      "xmlns='jabber:client' type='chat' from='carol@localhost/r' to='dave@localhost'>"
      "<displayed xmlns='urn:xmpp:chat-markers:0' id='d1'/></message></forwarded></message>");
  auto f = parseForwarded(*displayed);
  ASSERT_TRUE(f);
  EXPECT_EQ(f->displayed_id, "d1");
  EXPECT_TRUE(f->body.empty());
  auto groupchat = vapush::testing::parseXml(
      "<message><forwarded xmlns='urn:xmpp:forward:0'><message type='groupchat' "
      "from='room@muc/x' to='a@localhost'><body>x</body></message></forwarded></message>");
  EXPECT_FALSE(parseForwarded(*groupchat));
  auto nofrom = vapush::testing::parseXml(
      "<message><forwarded xmlns='urn:xmpp:forward:0'><message type='chat' to='a@localhost'>"
      "<body>x</body></message></forwarded></message>");
  EXPECT_FALSE(parseForwarded(*nofrom));
  auto plain = vapush::testing::parseXml("<message from='a@localhost'><body>x</body></message>");
  EXPECT_FALSE(parseForwarded(*plain));
}

}  // namespace
}  // namespace vapush::xmpp

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

// Only a publish without a node at all is bad-request (modify).
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
                  "<item><notification xmlns='urn:xmpp:push:0'/></item></publish></pubsub></iq>"}),
    [](const auto& info) { return std::string(info.param.name); });

TEST(ParsePublish, NodeThatCannotBeOursIsUnknown) {
  for (const std::string& node : {std::string(1025, 'n'), std::string("\xc3\x28")}) {
    auto iq = parseXml(
        "<iq type='set'><pubsub xmlns='http://jabber.org/protocol/pubsub'><publish node='" + node +
        "'/></pubsub></iq>");
    ASSERT_TRUE(iq);
    StanzaError err;
    EXPECT_FALSE(parsePublish(*iq, err));
    EXPECT_EQ(err.type, "cancel");
    EXPECT_EQ(err.condition, "item-not-found");
  }
}

// A publish with something optional we cannot read: accepted, that part left out.
struct Lenient {
  const char* name;
  std::string summary;  // the <x/> inside <notification/> ("-" = no notification)
  std::string options;  // fields of publish-options after FORM_TYPE
  std::vector<std::string> dropped;
  bool has_summary;
  int count;
  std::string sender, body, secret;
};

std::string field(const std::string& var, const std::string& value) {
  return "<field var='" + var + "'><value>" + value + "</value></field>";
}

std::string lenientXml(const Lenient& c) {
  std::string xml =
      "<iq type='set' from='localhost'><pubsub xmlns='http://jabber.org/protocol/pubsub'>"
      "<publish node='n'>";
  if (c.summary != "-") {
    xml += "<item><notification xmlns='urn:xmpp:push:0'>" + c.summary + "</notification></item>";
  }
  xml += "</publish><publish-options><x xmlns='jabber:x:data' type='submit'>" +
         field("FORM_TYPE", "http://jabber.org/protocol/pubsub#publish-options") + c.options +
         "</x></publish-options></pubsub></iq>";
  return xml;
}

std::string summary(const std::string& fields, const std::string& type = "submit") {
  return "<x xmlns='jabber:x:data' type='" + type + "'>" +
         field("FORM_TYPE", "urn:xmpp:push:summary") + fields + "</x>";
}

class ParsePublishLenient : public ::testing::TestWithParam<Lenient> {};

TEST_P(ParsePublishLenient, AcceptsAndDropsThePart) {
  const Lenient& c = GetParam();
  auto iq = parseXml(lenientXml(c));
  ASSERT_TRUE(iq) << "test XML must itself be well-formed";
  StanzaError err;
  auto p = parsePublish(*iq, err);
  ASSERT_TRUE(p) << err.condition << ": " << err.text;
  EXPECT_EQ(p->node, "n");
  EXPECT_EQ(p->dropped, c.dropped);
  EXPECT_EQ(p->has_summary, c.has_summary);
  EXPECT_EQ(p->message_count, c.count);
  EXPECT_EQ(p->last_sender, c.sender);
  EXPECT_EQ(p->last_body, c.body);
  EXPECT_EQ(p->option("secret"), c.secret);
}

const std::string kSender = field("last-message-sender", "b@localhost/r");
const std::string kSecret = field("secret", "s3");

std::string manyOptions(int n) {
  std::string out;
  for (int i = 0; i < n; ++i) out += field("opt" + std::to_string(i), "v");
  return out;
}

INSTANTIATE_TEST_SUITE_P(
    All, ParsePublishLenient,
    ::testing::Values(
        Lenient{"InvalidUtf8Body",
                summary(kSender + field("last-message-body", "\xc3\x28")),
                kSecret,
                {"summary-field"},
                true,
                0,
                "b@localhost/r",
                "",
                "s3"},
        Lenient{
            "InvalidUtf8Sender",
            summary(field("last-message-sender", "\xc3\x28@x") + field("last-message-body", "hi")),
            kSecret,
            {"summary-field"},
            true,
            0,
            "",
            "hi",
            "s3"},
        Lenient{"FieldWithoutVar",
                summary("<field><value>x</value></field>" + field("last-message-body", "hi")),
                kSecret,
                {"summary-field"},
                true,
                0,
                "",
                "hi",
                "s3"},
        Lenient{"HugeCount",
                summary(field("message-count", "99999999999999999999") + kSender),
                kSecret,
                {"message-count"},
                true,
                0,
                "b@localhost/r",
                "",
                "s3"},
        Lenient{"NegativeCount",
                summary(field("message-count", "-3") + kSender),
                kSecret,
                {"message-count"},
                true,
                0,
                "b@localhost/r",
                "",
                "s3"},
        Lenient{"TextCount",
                summary(field("message-count", "many") + kSender),
                kSecret,
                {"message-count"},
                true,
                0,
                "b@localhost/r",
                "",
                "s3"},
        Lenient{"GoodCount",
                summary(field("message-count", "7"), "form"),
                kSecret,
                {},
                true,
                7,
                "",
                "",
                "s3"},
        Lenient{"BogusFormTypeAttribute",
                summary(kSender, "bogus"),
                kSecret,
                {},
                true,
                0,
                "b@localhost/r",
                "",
                "s3"},
        Lenient{"ForeignFormType",
                "<x xmlns='jabber:x:data' type='submit'>" + field("FORM_TYPE", "urn:example") +
                    kSender + "</x>",
                kSecret,
                {"summary-form"},
                false,
                0,
                "",
                "",
                "s3"},
        Lenient{"NoNotification", "-", kSecret, {"notification"}, false, 0, "", "", "s3"},
        Lenient{"OptionWithoutVar",
                summary(kSender),
                "<field><value>v</value></field>" + kSecret,
                {"options-field"},
                true,
                0,
                "b@localhost/r",
                "",
                "s3"},
        Lenient{"TooManyOptionsKeepsTheSecret", summary(kSender), manyOptions(40) + kSecret,
                std::vector<std::string>(8, "options-excess"), true, 0, "b@localhost/r", "", "s3"},
        // An unreadable secret is no secret: the intake answers forbidden (auth) for a
        // registration that has one, exactly as for a wrong one.
        Lenient{"UnreadableSecret",
                summary(kSender),
                field("secret", "\xc3\x28"),
                {"options-field"},
                true,
                0,
                "b@localhost/r",
                "",
                ""}),
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

// SPDX-License-Identifier: Apache-2.0
// Tests for xmpp/stanza_guard: depth tracking across chunk boundaries, oversized stanzas
// skipped alone (with their opening tag's addresses), broken streams detected.
#include "xmpp/stanza_guard.h"

#include <gtest/gtest.h>

#include <random>

namespace vapush::xmpp {
namespace {

const std::string kHeader =
    "<?xml version='1.0'?><stream:stream xmlns:stream='http://etherx.jabber.org/streams' "
    "xmlns='jabber:component:accept' from='push.localhost' id='s1'>";

struct Outcome {
  bool ok = true;
  std::string out;
  std::vector<SkippedStanza> skipped;
};

// Feeds `input` in pieces cut at `cuts` (offsets, ascending).
Outcome feedSplit(size_t limit, const std::string& input, const std::vector<size_t>& cuts) {
  StanzaGuard g(limit);
  Outcome r;
  size_t prev = 0;
  for (size_t cut : cuts) {
    if (r.ok) r.ok = g.feed(std::string_view(input).substr(prev, cut - prev), r.out, r.skipped);
    prev = cut;
  }
  if (r.ok) r.ok = g.feed(std::string_view(input).substr(prev), r.out, r.skipped);
  return r;
}

Outcome feedWhole(size_t limit, const std::string& input) { return feedSplit(limit, input, {}); }

Outcome feedBytes(size_t limit, const std::string& input) {
  std::vector<size_t> cuts;
  for (size_t i = 1; i < input.size(); ++i) cuts.push_back(i);
  return feedSplit(limit, input, cuts);
}

Outcome feedRandom(size_t limit, const std::string& input, unsigned seed) {
  std::mt19937 rng(seed);
  std::vector<size_t> cuts;
  std::uniform_int_distribution<size_t> step(1, 37);
  for (size_t i = step(rng); i < input.size(); i += step(rng)) cuts.push_back(i);
  return feedSplit(limit, input, cuts);
}

std::string bigMessage(size_t body) {
  return "<message from='u@localhost/r' to='push.localhost' id='m1'><body>" +
         std::string(body, 'x') + "</body></message>";
}

// Every way of cutting the input gives the same result as one chunk.
void expectSameInEveryChunking(size_t limit, const std::string& input, const Outcome& whole) {
  for (const Outcome& r : {feedBytes(limit, input), feedRandom(limit, input, 1),
                           feedRandom(limit, input, 2), feedRandom(limit, input, 3)}) {
    EXPECT_EQ(r.ok, whole.ok);
    EXPECT_EQ(r.out, whole.out);
    ASSERT_EQ(r.skipped.size(), whole.skipped.size());
    for (size_t i = 0; i < r.skipped.size(); ++i) {
      EXPECT_EQ(r.skipped[i].id, whole.skipped[i].id);
      EXPECT_EQ(r.skipped[i].bytes, whole.skipped[i].bytes);
    }
  }
}

TEST(StanzaGuard, SmallStanzasPassThroughUnchanged) {
  const std::string input =
      kHeader +
      "<handshake/> <iq type='get' id='a' from='localhost'><ping xmlns='urn:xmpp:ping'/>"
      "</iq>\n<message to='x' id=\"q'>\"><body><![CDATA[<not a tag> ]] ]]]></body>"
      "<x a='/>' b=\"</x>\"/></message><presence/></stream:stream>";
  const Outcome whole = feedWhole(1024, input);
  EXPECT_TRUE(whole.ok);
  EXPECT_EQ(whole.out, input);
  EXPECT_TRUE(whole.skipped.empty());
  expectSameInEveryChunking(1024, input, whole);
}

TEST(StanzaGuard, OversizedMessageIsSkippedAloneAndTheNextStanzaPasses) {
  const std::string before = "<presence from='a@localhost/r'/>";
  const std::string after = "<iq type='get' id='next'><ping xmlns='urn:xmpp:ping'/></iq>";
  const std::string input = kHeader + before + bigMessage(5000) + after;
  const Outcome whole = feedWhole(1024, input);
  ASSERT_TRUE(whole.ok);
  EXPECT_EQ(whole.out, kHeader + before + after);
  ASSERT_EQ(whole.skipped.size(), 1u);
  EXPECT_TRUE(whole.skipped[0].head_known);
  EXPECT_EQ(whole.skipped[0].name, "message");
  EXPECT_EQ(whole.skipped[0].id, "m1");
  EXPECT_EQ(whole.skipped[0].from, "u@localhost/r");
  EXPECT_EQ(whole.skipped[0].bytes, bigMessage(5000).size());
  expectSameInEveryChunking(1024, input, whole);
}

TEST(StanzaGuard, LimitIsInclusive) {
  const std::string stanza = bigMessage(100);
  EXPECT_TRUE(feedWhole(stanza.size(), kHeader + stanza).skipped.empty());
  EXPECT_EQ(feedWhole(stanza.size() - 1, kHeader + stanza).skipped.size(), 1u);
}

TEST(StanzaGuard, OversizedIqKeepsAddressesWithEntitiesDecoded) {
  const std::string iq =
      "<iq type='set' id='a&amp;b&#x41;&#66;' from=\"localhost\" to='push.localhost'>"
      "<pubsub xmlns='http://jabber.org/protocol/pubsub'><publish node='n'><item>" +
      std::string(3000, 'y') + "</item></publish></pubsub></iq>";
  const Outcome whole = feedWhole(2048, kHeader + iq + "<presence/>");
  ASSERT_TRUE(whole.ok);
  EXPECT_EQ(whole.out, kHeader + "<presence/>");
  ASSERT_EQ(whole.skipped.size(), 1u);
  const SkippedStanza& s = whole.skipped[0];
  EXPECT_EQ(s.name, "iq");
  EXPECT_EQ(s.type, "set");
  EXPECT_EQ(s.id, "a&bAB");
  EXPECT_EQ(s.from, "localhost");
  EXPECT_EQ(s.to, "push.localhost");
  expectSameInEveryChunking(2048, kHeader + iq + "<presence/>", whole);
}

TEST(StanzaGuard, HugeOpeningTagIsSkippedWithoutAddresses) {
  const std::string iq = "<iq type='get' id='i' x='" + std::string(20000, 'z') + "'/>";
  const Outcome whole = feedWhole(8192, kHeader + iq + "<presence/>");
  ASSERT_TRUE(whole.ok);
  EXPECT_EQ(whole.out, kHeader + "<presence/>");
  ASSERT_EQ(whole.skipped.size(), 1u);
  EXPECT_FALSE(whole.skipped[0].head_known);
  EXPECT_EQ(whole.skipped[0].bytes, iq.size());
}

TEST(StanzaGuard, SelfClosingOversizedStanza) {
  const std::string iq = "<iq type='get' id='sc' pad='" + std::string(3000, 'p') + "'/>";
  const Outcome whole = feedWhole(8192 / 4, kHeader + iq + "<presence/>");
  ASSERT_TRUE(whole.ok);
  ASSERT_EQ(whole.skipped.size(), 1u);
  EXPECT_EQ(whole.out, kHeader + "<presence/>");
}

TEST(StanzaGuard, ManyOversizedStanzasInARowKeepTheLinkUsable) {
  std::string input = kHeader;
  std::string expected = kHeader;
  for (int i = 0; i < 5; ++i) {
    input += bigMessage(10000) + "<presence id='p" + std::to_string(i) + "'/>";
    expected += "<presence id='p" + std::to_string(i) + "'/>";
  }
  const Outcome whole = feedWhole(4096, input);
  ASSERT_TRUE(whole.ok);
  EXPECT_EQ(whole.out, expected);
  EXPECT_EQ(whole.skipped.size(), 5u);
  expectSameInEveryChunking(4096, input, whole);
}

TEST(StanzaGuard, AngleBracketsInAttributesAndCdataDoNotChangeDepth) {
  // Oversized because of CDATA that looks like markup: still one stanza.
  const std::string msg = "<message id='c' a='<' b=\"></message>\"><body><![CDATA[</message>" +
                          std::string(3000, '<') + "]]></body></message>";
  const Outcome whole = feedWhole(1024, kHeader + msg + "<presence/>");
  ASSERT_TRUE(whole.ok) << "";
  EXPECT_EQ(whole.out, kHeader + "<presence/>");
  ASSERT_EQ(whole.skipped.size(), 1u);
  EXPECT_EQ(whole.skipped[0].bytes, msg.size());
}

TEST(StanzaGuard, StreamEndTagIsNotAStanza) {
  const Outcome r = feedWhole(1024, kHeader + "<a/></stream:stream>");
  EXPECT_TRUE(r.ok);
  EXPECT_EQ(r.out, kHeader + "<a/></stream:stream>");
}

TEST(StanzaGuard, BrokenStreamsAreReported) {
  for (const std::string& bad :
       {kHeader + "<message><!-- comment --></message>", kHeader + "<!DOCTYPE x>",
        kHeader + "<message><?pi x?></message>", kHeader + "< message/>", "junk" + kHeader,
        kHeader + "<a b='1' / c>", kHeader + "<a <b/>", kHeader + "<a></a </a>",
        std::string("</stream:stream>")}) {
    SCOPED_TRACE(bad);
    StanzaGuard g(1 << 20);
    std::string out;
    std::vector<SkippedStanza> skipped;
    EXPECT_FALSE(g.feed(bad, out, skipped));
    EXPECT_TRUE(g.broken());
    EXPECT_FALSE(g.error().empty());
    EXPECT_FALSE(g.feed("<presence/>", out, skipped)) << "stays broken until reset";
    g.reset();
    EXPECT_TRUE(g.feed(kHeader + "<presence/>", out, skipped));
  }
}

TEST(StanzaGuard, ResetStartsANewStream) {
  StanzaGuard g(1024);
  std::string out;
  std::vector<SkippedStanza> skipped;
  ASSERT_TRUE(g.feed(kHeader + "<message><body>half", out, skipped));
  EXPECT_EQ(g.depth(), 3u);
  g.reset();
  out.clear();
  ASSERT_TRUE(g.feed(kHeader + "<presence/>", out, skipped));
  EXPECT_EQ(out, kHeader + "<presence/>");
  EXPECT_EQ(g.depth(), 1u);
}

TEST(StanzaGuard, StreamHeaderLargerThanTheLimitIsBroken) {
  StanzaGuard g(64);
  std::string out;
  std::vector<SkippedStanza> skipped;
  EXPECT_FALSE(g.feed(kHeader, out, skipped));
}

TEST(ParseOpeningTag, RejectsValuesThatCannotGoIntoAReply) {
  SkippedStanza s;
  EXPECT_FALSE(parseOpeningTag("<iq id='&#1;'>", s));
  EXPECT_FALSE(parseOpeningTag("<iq id='\xff'>", s));
  EXPECT_FALSE(parseOpeningTag("<iq id='&bogus;'>", s));
  EXPECT_FALSE(parseOpeningTag("<iq id=x>", s));
  EXPECT_FALSE(parseOpeningTag("<iq id='x' other='&#xD800;'/>", s));
  SkippedStanza t;
  EXPECT_TRUE(parseOpeningTag("<iq\n id = \"x&#233;\" type='get'/>", t));
  EXPECT_EQ(t.id, "x\xc3\xa9");
  EXPECT_EQ(t.type, "get");
}

}  // namespace
}  // namespace vapush::xmpp

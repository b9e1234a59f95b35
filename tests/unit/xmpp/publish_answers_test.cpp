// SPDX-License-Identifier: Apache-2.0
// Every answer vapushd gives to a publish, one row each, through the real parser, intake
// and error mapping (the table "Every answer to a publish" in docs/registration.md), and
// the fpush rules: served domains only, a cap on new devices, no takeover of a token.
#include <gtest/gtest.h>

#include <functional>

#include "tag_loader.h"
#include "tests/fakes/fake_clock.h"
#include "tests/fakes/fake_crypto.h"
#include "tests/fakes/memory_repositories.h"
#include "xmpp/parse.h"
#include "xmpp/service.h"

namespace vapush::xmpp {
namespace {

const std::string kToken = std::string(64, 'a');  // an APNs token owned via example.com

std::string publishXml(const std::string& from, const std::string& node, const std::string& options,
                       const std::string& summary_fields =
                           "<field var='last-message-body'>"
                           "<value>hi</value></field>") {
  std::string xml = "<iq type='set' id='p' to='push.example.com'";
  if (!from.empty()) xml += " from='" + from + "'";
  xml += "><pubsub xmlns='http://jabber.org/protocol/pubsub'><publish node='" + node +
         "'><item><notification xmlns='urn:xmpp:push:0'><x xmlns='jabber:x:data' type='submit'>"
         "<field var='FORM_TYPE'><value>urn:xmpp:push:summary</value></field>" +
         summary_fields +
         "</x></notification></item></publish><publish-options><x xmlns='jabber:x:data' "
         "type='submit'><field var='FORM_TYPE'><value>"
         "http://jabber.org/protocol/pubsub#publish-options</value></field>" +
         options + "</x></publish-options></pubsub></iq>";
  return xml;
}

std::string opt(const std::string& var, const std::string& value) {
  return "<field var='" + var + "'><value>" + value + "</value></field>";
}

class PublishAnswers : public ::testing::Test {
 protected:
  PublishAnswers() {
    config_.component.jid = "push.example.com";
    config_.component.domains = {"example.com", "example.org"};
    config_.component.fpush_domains = config_.component.domains;
    AppConfig ios;
    ios.name = "ios";
    ios.platform = Platform::Apns;
    ios.push_modules = {"exampleProdiOS"};
    config_.apps = {ios};
    add("alice@example.com", "n-alice", "s3cret", true);
    add("dave@example.com", "n-dead", "", false);
    add("fpush-1@example.com", kToken, "", true);
    rebuild();
  }
  void rebuild() {
    intake_ = std::make_unique<PublishIntake>(config_, devices_, crypto_, clock_,
                                              [](const std::string&) { return Category::Chat; });
  }
  void add(const std::string& user, const std::string& node, const std::string& secret,
           bool enabled) {
    Device d;
    d.user = user;
    d.app = "ios";
    d.node = node;
    d.token = node == kToken ? kToken : std::string(64, 'c');
    d.secret_hash = secret.empty() ? "" : crypto_.sha256Hex(secret);
    d.enabled = enabled;
    ASSERT_TRUE(devices_.add(d).ok());
  }
  // "result", or "type/condition" of the error the publish is answered with.
  std::string answer(const std::string& xml) {
    auto iq = vapush::testing::parseXml(xml);
    if (!iq) return "test XML is not well-formed";
    StanzaError error;
    auto request = parsePublish(*iq, error);
    if (!request) return error.type + "/" + error.condition;
    const PublishDecision d = intake_->decide(*request);
    if (d.verdict == PublishDecision::Verdict::Accept) return "result";
    error = publishError(d);
    return error.type + "/" + error.condition;
  }

  Config config_;
  FakeClock clock_;
  FakeCrypto crypto_;
  MemoryDeviceRepository devices_;
  std::unique_ptr<PublishIntake> intake_;
};

struct Row {
  const char* name;
  std::function<std::string()> xml;
  const char* expected;
  std::function<void(MemoryDeviceRepository&)> before = nullptr;
};

TEST_F(PublishAnswers, EveryRowOfTheTable) {
  const std::string secret = opt("secret", "s3cret");
  const std::string fpush = opt("pushModule", "exampleProdiOS");
  const std::vector<Row> rows = {
      {"accepted", [&] { return publishXml("example.com", "n-alice", secret); }, "result"},
      {"garbage optional parts accepted",
       [&] {
         return publishXml("example.com", "n-alice", secret + "<field><value>x</value></field>",
                           "<field var='message-count'><value>9999999999999</value></field>"
                           "<field><value>no var</value></field>");
       },
       "result"},
      {"no publish element",
       [] {
         return std::string(
             "<iq type='set' from='example.com' id='p'><pubsub "
             "xmlns='http://jabber.org/protocol/pubsub'/></iq>");
       },
       "modify/bad-request"},
      {"publish without node", [&] { return publishXml("example.com", "", secret); },
       "modify/bad-request"},
      {"node too long", [&] { return publishXml("example.com", std::string(1025, 'n'), secret); },
       "cancel/item-not-found"},
      {"from is not a server", [&] { return publishXml("alice@example.com", "n-alice", secret); },
       "cancel/item-not-found"},
      {"unknown node", [&] { return publishXml("example.com", "n-nobody", secret); },
       "cancel/item-not-found"},
      {"node of another server's user",
       [&] { return publishXml("example.org", "n-alice", secret); }, "cancel/item-not-found"},
      {"disabled device", [&] { return publishXml("example.com", "n-dead", ""); },
       "cancel/item-not-found"},
      {"wrong secret", [&] { return publishXml("example.com", "n-alice", opt("secret", "guess")); },
       "auth/forbidden"},
      {"missing secret", [&] { return publishXml("example.com", "n-alice", ""); },
       "auth/forbidden"},
      {"unreadable secret",
       [&] { return publishXml("example.com", "n-alice", opt("secret", "\xc3\x28")); },
       "auth/forbidden"},
      {"pushModule of no app",
       [&] { return publishXml("example.com", kToken, opt("pushModule", "other")); },
       "cancel/item-not-found"},
      {"fpush from a domain not served",
       [&] { return publishXml("evil.example", std::string(64, 'b'), fpush); },
       "cancel/item-not-found"},
      {"fpush node is not a token", [&] { return publishXml("example.com", "not-hex", fpush); },
       "cancel/item-not-found"},
      {"fpush new token", [&] { return publishXml("example.com", std::string(64, 'b'), fpush); },
       "result"},
      {"fpush token of the same domain", [&] { return publishXml("example.com", kToken, fpush); },
       "result"},
      {"fpush token owned through another domain",
       [&] { return publishXml("example.org", kToken, fpush); }, "wait/conflict"},
      {"storage unavailable", [&] { return publishXml("example.com", "n-alice", secret); },
       "wait/internal-server-error",
       [](MemoryDeviceRepository& d) { d.failNext(Status::transient("locked")); }},
  };
  for (const Row& row : rows) {
    SCOPED_TRACE(row.name);
    if (row.before) row.before(devices_);
    EXPECT_EQ(answer(row.xml()), row.expected);
  }
}

TEST_F(PublishAnswers, FpushTakeoverLeavesTheOwnersDeviceAlone) {
  Device before;
  ASSERT_TRUE(devices_.findByNode(kToken, before).ok());
  EXPECT_EQ(answer(publishXml("example.org", kToken, opt("pushModule", "exampleProdiOS"))),
            "wait/conflict");
  Device after;
  ASSERT_TRUE(devices_.findByNode(kToken, after).ok());
  EXPECT_EQ(after.user, before.user);
  EXPECT_TRUE(after.enabled);
  EXPECT_EQ(after.updated, before.updated);
}

TEST_F(PublishAnswers, FpushDomainsCanBeNarrowed) {
  config_.component.fpush_domains = {"example.com"};
  rebuild();
  const std::string fpush = opt("pushModule", "exampleProdiOS");
  EXPECT_EQ(answer(publishXml("example.org", std::string(64, 'b'), fpush)),
            "cancel/item-not-found");
  EXPECT_EQ(answer(publishXml("example.com", std::string(64, 'b'), fpush)), "result");
  // Registrations made by command are not fpush: example.org's users still get pushes.
  add("olga@example.org", "n-olga", "", true);
  EXPECT_EQ(answer(publishXml("example.org", "n-olga", "")), "result");
}

TEST_F(PublishAnswers, NewFpushDevicesAreCappedPerDomainAndMinute) {
  config_.limits.new_fpush_devices_per_minute = 2;
  rebuild();
  const std::string fpush = opt("pushModule", "exampleProdiOS");
  auto token = [](int i) { return std::string(62, 'b') + std::to_string(10 + i); };
  EXPECT_EQ(answer(publishXml("example.com", token(1), fpush)), "result");
  EXPECT_EQ(answer(publishXml("example.com", token(2), fpush)), "result");
  EXPECT_EQ(answer(publishXml("example.com", token(3), fpush)), "wait/resource-constraint");
  EXPECT_EQ(answer(publishXml("example.org", token(4), fpush)), "result") << "per domain";
  // Known devices are never capped.
  EXPECT_EQ(answer(publishXml("example.com", kToken, fpush)), "result");
  clock_.advance(std::chrono::seconds(61));
  EXPECT_EQ(answer(publishXml("example.com", token(3), fpush)), "result");
}

}  // namespace
}  // namespace vapush::xmpp

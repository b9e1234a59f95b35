// SPDX-License-Identifier: Apache-2.0
// Domains compare case-insensitively (RFC 7622 §3.2): a served server that writes its
// domain in another case, or a config that does, still has its stanzas handled.
#include <gtest/gtest.h>

#include <memory>

#include "storage/database.h"
#include "storage/intake_store.h"
#include "tag_loader.h"
#include "tests/fakes/fake_clock.h"
#include "tests/fakes/fake_crypto.h"
#include "tests/fakes/memory_repositories.h"
#include "xmpp/service.h"

namespace vapush::xmpp {
namespace {

class Recorder : public Observer {
 public:
  void onLinkState(bool) override {}
  void onPresence(const PresenceEvent&) override { ++presences; }
  void onPublishStored(const PublishRecord&) override {}
  void onPublishRefused(const std::string&) override {}
  void onForwarded(const ForwardedMessage&) override { ++forwarded; }
  int presences = 0;
  int forwarded = 0;
};

class ServiceDomains : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string error;
    db_ = Database::open(":memory:", error);
    ASSERT_TRUE(db_) << error;
    store_ = std::make_unique<IntakeStore>(*db_);
  }
  std::unique_ptr<Service> service(std::vector<std::string> domains) {
    config_.component.jid = "push.localhost";
    config_.component.domains = std::move(domains);
    intake_ = std::make_unique<PublishIntake>(config_, devices_, crypto_, clock_,
                                              [](const std::string&) { return Category::Chat; });
    return std::make_unique<Service>(config_, *intake_, *store_, recorder_);
  }
  void feed(Service& s, const std::string& xml) {
    auto tag = vapush::testing::parseXml(xml);
    ASSERT_TRUE(tag) << xml;
    s.onStanza(*tag);
  }

  Config config_;
  FakeClock clock_;
  FakeCrypto crypto_;
  MemoryDeviceRepository devices_;
  std::unique_ptr<Database> db_;
  std::unique_ptr<IntakeStore> store_;
  std::unique_ptr<PublishIntake> intake_;
  Recorder recorder_;
};

std::string forwarded(const std::string& server, const std::string& to, const std::string& from) {
  return "<message from='" + server +
         "' to='push.localhost'><forwarded xmlns='urn:xmpp:forward:0'><message "
         "xmlns='jabber:client' type='chat' id='d1' to='" +
         to + "' from='" + from + "'><body>hi</body></message></forwarded></message>";
}

TEST_F(ServiceDomains, ForwardedCopyFromServerWritingItsDomainInCapitals) {
  auto s = service({"localhost"});
  feed(*s, forwarded("LocalHost", "carol@LOCALHOST", "dave@localhost/res1"));
  EXPECT_EQ(recorder_.forwarded, 1);
}

TEST_F(ServiceDomains, ConfiguredDomainInCapitalsStillMatches) {
  auto s = service({"LocalHost"});
  feed(*s, "<presence from='alice@localhost/phone'/>");
  EXPECT_EQ(recorder_.presences, 1);
  feed(*s, forwarded("localhost", "carol@localhost", "dave@localhost/res1"));
  EXPECT_EQ(recorder_.forwarded, 1);
}

TEST_F(ServiceDomains, OtherDomainsStayIgnored) {
  auto s = service({"localhost"});
  feed(*s, "<presence from='alice@localhost.evil/phone'/>");
  feed(*s, forwarded("evil.example", "carol@localhost", "dave@localhost/res1"));
  EXPECT_EQ(recorder_.presences, 0);
  EXPECT_EQ(recorder_.forwarded, 0);
}

}  // namespace
}  // namespace vapush::xmpp

// SPDX-License-Identifier: Apache-2.0
// PublishIntake (plugin/publish_intake.h): what an XEP-0357 publish becomes, decided over
// the in-memory device repository. An accepted publish yields the record the receive
// pass's group commit stores (decide() itself writes nothing); refusals carry the verdict
// the XMPP layer maps onto the error type: cancel only for dead nodes, auth for a bad
// secret, modify for a malformed publish, wait for everything that should live on
// (storage trouble, throttling, conflict). Fake clock and crypto; no sleeps.
#include "plugin/publish_intake.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "fakes/fake_clock.h"
#include "fakes/fake_crypto.h"
#include "fakes/memory_repositories.h"
#include "plugin/text.h"

namespace vapush {
namespace {

using Verdict = PublishDecision::Verdict;

const std::string kToken = std::string(64, 'a');

class PublishIntakeTest : public ::testing::Test {
 protected:
  PublishIntakeTest() {
    config_.component.domains = {"example.com", "example.org"};
    config_.component.fpush_domains = config_.component.domains;
    config_.agents.virtual_agents = {"va@example.com"};
    AppConfig ios;
    ios.name = "ios";
    ios.platform = Platform::Apns;
    ios.push_modules = {"exampleProdiOS"};
    config_.apps = {ios};
    alice_ = add("alice@example.com", "n-alice", "s3cret", true);
    add("bob@example.com", "n-bob", "", true);
    add("dave@example.com", "n-dead", "", false);
    rebuild();
  }
  void rebuild() {
    intake_ = std::make_unique<PublishIntake>(
        config_, devices_, crypto_, clock_, [this](const std::string& bare) {
          const auto& va = config_.agents.virtual_agents;
          return std::find(va.begin(), va.end(), bare) != va.end() ? Category::VirtualAgent
                                                                   : Category::Chat;
        });
  }
  Device add(const std::string& user, const std::string& node, const std::string& secret,
             bool enabled) {
    Device d;
    d.user = user;
    d.app = "ios";
    d.node = node;
    d.token = node == kToken ? kToken : std::string(64, 'c');
    d.secret_hash = secret.empty() ? "" : crypto_.sha256Hex(secret);
    d.enabled = enabled;
    d.created = d.updated = clock_.nowMs() - 1000;
    EXPECT_TRUE(devices_.add(d).ok());
    return d;
  }
  // A publish from `from` for `node` with a summary (sender, body) and options.
  static PublishRequest publish(const std::string& from, const std::string& node,
                                const std::string& secret = "") {
    PublishRequest r;
    r.from = from;
    r.node = node;
    r.has_summary = true;
    r.message_count = 1;
    r.last_sender = "carol@example.com/phone";
    r.last_body = "See you at 5";
    if (!secret.empty()) r.options.emplace_back("secret", secret);
    return r;
  }
  PublishDecision decide(const PublishRequest& r) { return intake_->decide(r); }

  Config config_;
  FakeClock clock_;
  FakeCrypto crypto_;
  MemoryDeviceRepository devices_;
  std::unique_ptr<PublishIntake> intake_;
  Device alice_;
};

TEST_F(PublishIntakeTest, AcceptedPublishCarriesTheMessageAndTheDevice) {
  clock_.advance(std::chrono::seconds(5));
  const PublishDecision d = decide(publish("example.com", "n-alice", "s3cret"));
  ASSERT_EQ(d.verdict, Verdict::Accept) << d.text;
  EXPECT_EQ(d.record.device.id, alice_.id);
  EXPECT_EQ(d.record.device.user, "alice@example.com");
  EXPECT_EQ(d.record.device.last_publish, clock_.nowMs());
  ASSERT_TRUE(d.record.has_message);
  const UnreadMessage& m = d.record.message;
  EXPECT_EQ(m.user, "alice@example.com");
  EXPECT_EQ(m.conversation, "carol@example.com") << "bare JID of the sender";
  EXPECT_EQ(m.sender, "carol@example.com/phone");
  EXPECT_EQ(m.body, "See you at 5");
  EXPECT_EQ(m.category, Category::Chat);
  EXPECT_EQ(m.message_time, clock_.nowMs());
  EXPECT_EQ(m.received, clock_.nowMs());
  EXPECT_EQ(m.device_id, alice_.id) << "a publish, not a forwarded copy";
}

TEST_F(PublishIntakeTest, SenderIsCategorised) {
  PublishRequest r = publish("example.com", "n-bob");
  r.last_sender = "va@example.com/bot";
  const PublishDecision d = decide(r);
  ASSERT_EQ(d.verdict, Verdict::Accept);
  EXPECT_EQ(d.record.message.category, Category::VirtualAgent);
}

TEST_F(PublishIntakeTest, WakeUpIsAcceptedWithoutAMessage) {
  PublishRequest r = publish("example.com", "n-bob");
  r.has_summary = false;  // <notification/> without a summary (mod_push_keepalive)
  const PublishDecision d = decide(r);
  ASSERT_EQ(d.verdict, Verdict::Accept);
  EXPECT_FALSE(d.record.has_message);
  EXPECT_EQ(d.record.device.last_publish, clock_.nowMs()) << "still marks the device away";
  r = publish("example.com", "n-bob");
  r.last_sender.clear();
  r.last_body.clear();
  r.message_count = 0;  // an empty summary
  EXPECT_FALSE(decide(r).record.has_message);
}

// decide() stores nothing: every publish of a receive pass is decided first and the
// accepted records are stored in one transaction, then answered (storage/intake_store.h).
TEST_F(PublishIntakeTest, DecidingWritesNothingForTheGroupCommit) {
  const std::vector<Device> before = devices_.rows();
  clock_.advance(std::chrono::seconds(1));
  std::vector<PublishRecord> pass;
  for (const PublishRequest& r :
       {publish("example.com", "n-alice", "s3cret"), publish("example.com", "n-bob"),
        publish("example.com", "n-nobody"), publish("example.com", "n-alice", "s3cret")}) {
    PublishDecision d = decide(r);
    if (d.verdict == Verdict::Accept) pass.push_back(std::move(d.record));
  }
  ASSERT_EQ(pass.size(), 3u) << "a refused publish does not affect the others of the pass";
  EXPECT_EQ(pass[0].device.id, alice_.id);
  EXPECT_EQ(pass[2].device.id, alice_.id) << "two messages for one device: two records";
  EXPECT_NE(pass[0].message.body, "");
  ASSERT_EQ(devices_.rows().size(), before.size());
  for (size_t i = 0; i < before.size(); ++i) {
    EXPECT_EQ(devices_.rows()[i].last_publish, before[i].last_publish) << "not written";
    EXPECT_EQ(devices_.rows()[i].updated, before[i].updated);
  }
}

TEST_F(PublishIntakeTest, MalformedPublishIsModify) {
  const PublishDecision d = decide(publish("example.com", ""));
  EXPECT_EQ(d.verdict, Verdict::BadRequest);
  EXPECT_EQ(d.text, "publish without node");
}

TEST_F(PublishIntakeTest, DeadOrForeignNodesAreUnknownAndLookTheSame) {
  EXPECT_EQ(decide(publish("example.com", "n-nobody")).verdict, Verdict::UnknownNode);
  // Published by another server than the owner's, or by a user instead of a server:
  // indistinguishable from an unknown node.
  const PublishDecision foreign = decide(publish("example.org", "n-alice", "s3cret"));
  EXPECT_EQ(foreign.verdict, Verdict::UnknownNode);
  EXPECT_EQ(foreign.text, "no such push node");
  EXPECT_EQ(decide(publish("alice@example.com", "n-alice", "s3cret")).verdict,
            Verdict::UnknownNode);
  EXPECT_EQ(decide(publish("example.com/res", "n-alice", "s3cret")).verdict, Verdict::UnknownNode);
  EXPECT_EQ(decide(publish("", "n-alice", "s3cret")).verdict, Verdict::UnknownNode);
  const PublishDecision dead = decide(publish("example.com", "n-dead"));
  EXPECT_EQ(dead.verdict, Verdict::UnknownNode) << "XEP-0357 §7: drop the registration";
  EXPECT_EQ(dead.text, "device token is no longer valid");
}

TEST_F(PublishIntakeTest, BadSecretIsForbiddenAndLosesNothing) {
  for (const std::string& secret : {std::string(), std::string("guess"), std::string("S3CRET")}) {
    SCOPED_TRACE(secret);
    const PublishDecision d = decide(publish("example.com", "n-alice", secret));
    EXPECT_EQ(d.verdict, Verdict::Forbidden);
    EXPECT_EQ(d.text, "wrong or missing secret");
  }
  Device stored;
  ASSERT_TRUE(devices_.findById(alice_.id, stored).ok());
  EXPECT_TRUE(stored.enabled) << "a bad secret does not touch the registration";
  EXPECT_EQ(decide(publish("example.com", "n-alice", "s3cret")).verdict, Verdict::Accept);
}

TEST_F(PublishIntakeTest, StorageFailureIsWait) {
  devices_.failNext(Status::transient("database is locked"));
  PublishDecision d = decide(publish("example.com", "n-alice", "s3cret"));
  EXPECT_EQ(d.verdict, Verdict::Transient) << "wait: the server keeps the registration";
  EXPECT_EQ(d.text, "storage unavailable, retry later");
  devices_.failNext(Status::failed("disk I/O error"));
  EXPECT_EQ(decide(publish("example.com", "n-alice", "s3cret")).verdict, Verdict::Transient);
  // fpush publishes look their token up too.
  devices_.failNext(Status::transient("database is locked"));
  PublishRequest r = publish("example.com", kToken);
  r.options.emplace_back("pushModule", "exampleProdiOS");
  EXPECT_EQ(decide(r).verdict, Verdict::Transient);
  // Storage back: the same publish is accepted, nothing was lost.
  EXPECT_EQ(decide(publish("example.com", "n-alice", "s3cret")).verdict, Verdict::Accept);
}

TEST_F(PublishIntakeTest, FpushNewTokenCreatesADeviceRecordOnly) {
  PublishRequest r = publish("Example.COM", kToken);
  r.options.emplace_back("pushModule", "exampleProdiOS");
  const PublishDecision d = decide(r);
  ASSERT_EQ(d.verdict, Verdict::Accept) << d.text;
  EXPECT_EQ(d.record.device.id, 0) << "created by the group commit";
  EXPECT_EQ(d.record.device.node, kToken);
  EXPECT_EQ(d.record.device.token, kToken);
  EXPECT_EQ(d.record.device.app, "ios");
  EXPECT_EQ(d.record.device.protocol, Protocol::Fpush);
  EXPECT_EQ(d.record.device.user.substr(0, 6), "fpush-");
  EXPECT_EQ(domainOfJid(d.record.device.user), "example.com");
  EXPECT_TRUE(devices_.rowsOf(d.record.device.user).empty()) << "decide() wrote nothing";
}

TEST_F(PublishIntakeTest, FpushRefusals) {
  auto fpush = [](const std::string& from, const std::string& node,
                  const std::string& module = "exampleProdiOS") {
    PublishRequest r = publish(from, node);
    r.options.emplace_back("pushModule", module);
    return r;
  };
  EXPECT_EQ(decide(fpush("evil.example", kToken)).verdict, Verdict::UnknownNode)
      << "only served domains create devices";
  EXPECT_EQ(decide(fpush("example.com", kToken, "other")).verdict, Verdict::UnknownNode);
  EXPECT_EQ(decide(fpush("example.com", "not-a-token")).verdict, Verdict::UnknownNode);
  // The token is registered through example.com; example.org publishing for it must not
  // take it over, and keeps its own registration (wait, not cancel).
  add("eve@example.com", kToken, "", true);
  EXPECT_EQ(decide(fpush("example.org", kToken)).verdict, Verdict::Conflict);
  EXPECT_EQ(decide(fpush("example.com", kToken)).verdict, Verdict::Accept);
}

TEST_F(PublishIntakeTest, TooManyNewFpushDevicesIsWaitUntilTheMinuteIsOver) {
  config_.limits.new_fpush_devices_per_minute = 1;
  rebuild();
  auto fpush = [](int i) {
    PublishRequest r = publish("example.com", std::string(62, 'b') + std::to_string(10 + i));
    r.options.emplace_back("pushModule", "exampleProdiOS");
    return r;
  };
  EXPECT_EQ(decide(fpush(1)).verdict, Verdict::Accept);
  EXPECT_EQ(decide(fpush(2)).verdict, Verdict::Throttled);
  clock_.advance(std::chrono::seconds(61));
  EXPECT_EQ(decide(fpush(2)).verdict, Verdict::Accept);
}

}  // namespace
}  // namespace vapush

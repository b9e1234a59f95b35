// SPDX-License-Identifier: Apache-2.0
// The receive pass's group commit of publishes (xmpp/service.h, storage/intake_store.h):
// accepted publishes are stored together at the end of the pass and only then answered;
// when the database refuses the commit, every one of them is answered `wait` (the server
// keeps the registration and retries) and nothing of the pass is stored. Real SQLite in a
// temp dir, the real PublishIntake; no link (answers are seen through the Observer).
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

#include "storage/sqlite_repositories.h"
#include "tag_loader.h"
#include "tests/fakes/fake_clock.h"
#include "tests/fakes/fake_crypto.h"
#include "xmpp/service.h"

namespace vapush::xmpp {
namespace {

class RecordingObserver : public Observer {
 public:
  void onLinkState(bool) override {}
  void onPresence(const PresenceEvent&) override {}
  void onPublishStored(const PublishRecord& r) override { stored.push_back(r.message.body); }
  void onPublishRefused(const std::string& condition) override { refused.push_back(condition); }
  void onForwarded(const ForwardedMessage&) override {}
  std::vector<std::string> stored;   // bodies, in answer order
  std::vector<std::string> refused;  // conditions, in answer order
};

std::string publishXml(const std::string& node, const std::string& body) {
  return "<iq type='set' id='p' from='example.com' to='push.example.com'><pubsub "
         "xmlns='http://jabber.org/protocol/pubsub'><publish node='" +
         node +
         "'><item><notification xmlns='urn:xmpp:push:0'><x xmlns='jabber:x:data' "
         "type='submit'><field var='FORM_TYPE'><value>urn:xmpp:push:summary</value></field>"
         "<field var='last-message-sender'><value>carol@example.com/r</value></field>"
         "<field var='last-message-body'><value>" +
         body + "</value></field></x></notification></item></publish></pubsub></iq>";
}

class PublishGroupCommit : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("vapush-gc-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::create_directories(dir_);
    std::string error;
    db_ = Database::open((dir_ / "v.db").string(), error);
    ASSERT_TRUE(db_) << error;
    config_.component.jid = "push.example.com";
    config_.component.domains = {"example.com"};
    AppConfig ios;
    ios.name = "ios";
    config_.apps = {ios};
    devices_ = std::make_unique<SqliteDeviceRepository>(*db_);
    for (const char* user : {"alice", "bob"}) {
      Device d;
      d.user = std::string(user) + "@example.com";
      d.app = "ios";
      d.node = std::string("n-") + user;
      d.token = std::string(64, user[0]);
      ASSERT_TRUE(devices_->add(d).ok());
    }
    store_ = std::make_unique<IntakeStore>(*db_);
    intake_ = std::make_unique<PublishIntake>(config_, *devices_, crypto_, clock_,
                                              [](const std::string&) { return Category::Chat; });
    service_ = std::make_unique<Service>(config_, *intake_, *store_, observer_);
  }
  void TearDown() override {
    service_.reset();
    intake_.reset();
    store_.reset();
    devices_.reset();
    db_.reset();
    std::filesystem::remove_all(dir_);
  }
  void feed(const std::string& xml) {
    auto tag = vapush::testing::parseXml(xml);
    ASSERT_TRUE(tag);
    service_->onStanza(*tag);
  }
  int64_t count(const char* sql) {
    Statement& st = db_->prepare(sql);
    st.reset();
    const int64_t n = st.step() ? st.int64(0) : -1;
    st.reset();
    return n;
  }
  int64_t unread() { return count("SELECT count(*) FROM unread_message"); }
  // One receive pass: alice twice, bob once, and a publish for an unknown node.
  void pass(const std::string& tag) {
    feed(publishXml("n-alice", tag + "1"));
    feed(publishXml("n-nobody", tag + "x"));
    feed(publishXml("n-bob", tag + "2"));
    feed(publishXml("n-alice", tag + "3"));
  }

  std::filesystem::path dir_;
  std::unique_ptr<Database> db_;
  Config config_;
  FakeClock clock_;
  FakeCrypto crypto_;
  std::unique_ptr<SqliteDeviceRepository> devices_;
  std::unique_ptr<IntakeStore> store_;
  std::unique_ptr<PublishIntake> intake_;
  RecordingObserver observer_;
  std::unique_ptr<Service> service_;
};

TEST_F(PublishGroupCommit, PassIsStoredTogetherThenAnswered) {
  pass("a");
  EXPECT_EQ(observer_.refused, std::vector<std::string>{"item-not-found"})
      << "a dead node is answered at once";
  EXPECT_TRUE(observer_.stored.empty()) << "accepted ones wait for the commit";
  EXPECT_EQ(unread(), 0);
  service_->afterReceive();
  EXPECT_EQ(unread(), 3);
  EXPECT_EQ(observer_.stored, (std::vector<std::string>{"a1", "a2", "a3"}));
  EXPECT_EQ(count("SELECT count(*) FROM device WHERE last_publish>0"), 2);
}

TEST_F(PublishGroupCommit, RefusedCommitIsWaitForEveryPublishAndStoresNothing) {
  ASSERT_TRUE(db_->exec("PRAGMA query_only=1").ok());  // as a read-only or full disk
  pass("a");
  service_->afterReceive();
  EXPECT_TRUE(observer_.stored.empty());
  EXPECT_EQ(observer_.refused,
            (std::vector<std::string>{"item-not-found", "resource-constraint",
                                      "resource-constraint", "resource-constraint"}))
      << "resource-constraint is answered with type wait: the registrations stay";
  ASSERT_TRUE(db_->exec("PRAGMA query_only=0").ok());
  EXPECT_EQ(unread(), 0);
  EXPECT_EQ(count("SELECT count(*) FROM device WHERE last_publish>0"), 0) << "all or nothing";
  EXPECT_EQ(count("SELECT count(*) FROM device WHERE enabled=1"), 2) << "nothing lost";
  // The servers publish again later: stored.
  observer_.refused.clear();
  pass("b");
  service_->afterReceive();
  EXPECT_EQ(unread(), 3);
  EXPECT_EQ(observer_.stored, (std::vector<std::string>{"b1", "b2", "b3"}));
}

}  // namespace
}  // namespace vapush::xmpp

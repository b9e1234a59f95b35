// SPDX-License-Identifier: Apache-2.0
// Tests for storage/: migrations, repositories and the publish group commit, on real
// SQLite files in a temp dir.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "storage/database.h"
#include "storage/intake_store.h"
#include "storage/openssl_crypto.h"
#include "storage/sqlite_repositories.h"

namespace vapush {
namespace {

namespace fs = std::filesystem;

int64_t count(Database& db, const char* sql) {
  Statement& st = db.prepare(sql);
  const int64_t n = st.reset().step() ? st.int64(0) : -1;
  st.reset();
  return n;
}

class StorageTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("vapush-storage-test-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::create_directories(dir_);
    path_ = (dir_ / "vapush.db").string();
    std::string error;
    db_ = Database::open(path_, error);
    ASSERT_TRUE(db_) << error;
  }
  void TearDown() override {
    db_.reset();
    fs::permissions(dir_, fs::perms::owner_all, fs::perm_options::add);
    fs::remove_all(dir_);
  }
  Device device(const std::string& user, const std::string& node) {
    Device d;
    d.user = user;
    d.app = "ios";
    d.platform = Platform::Apns;
    d.token = std::string(64, 'a');
    d.node = node;
    d.secret_hash = crypto_.sha256Hex("secret-" + node);
    d.resource = "phone";
    d.device_id = "dev-" + node;
    d.protocol = Protocol::P2;
    d.created = d.updated = 1000;
    return d;
  }
  fs::path dir_;
  std::string path_;
  std::unique_ptr<Database> db_;
  OpenSslCrypto crypto_;
};

TEST_F(StorageTest, FreshDatabaseIsAtCurrentVersionAndReopens) {
  EXPECT_EQ(db_->schemaVersion(), Database::kSchemaVersion);
  db_.reset();
  std::string error;
  db_ = Database::open(path_, error);
  ASSERT_TRUE(db_) << error;
  EXPECT_EQ(db_->schemaVersion(), Database::kSchemaVersion);
}

TEST_F(StorageTest, NewerSchemaIsRefusedUntouched) {
  ASSERT_TRUE(db_->exec("PRAGMA user_version = 99").ok());
  db_.reset();
  std::string error;
  auto db = Database::open(path_, error);
  EXPECT_FALSE(db);
  EXPECT_NE(error.find("newer"), std::string::npos);
  EXPECT_NE(error.find(path_), std::string::npos);
}

TEST_F(StorageTest, OlderSchemaUpgradesInPlace) {
  // A version-0 database with foreign content (e.g. created by hand) gets the schema.
  db_.reset();
  fs::remove(path_);
  {
    sqlite3* raw = nullptr;
    ASSERT_EQ(sqlite3_open(path_.c_str(), &raw), SQLITE_OK);
    sqlite3_exec(raw, "CREATE TABLE keepme(x); INSERT INTO keepme VALUES (42);", nullptr, nullptr,
                 nullptr);
    sqlite3_close(raw);
  }
  std::string error;
  db_ = Database::open(path_, error);
  ASSERT_TRUE(db_) << error;
  EXPECT_EQ(db_->schemaVersion(), Database::kSchemaVersion);
  Statement& st = db_->prepare("SELECT x FROM keepme");
  ASSERT_TRUE(st.reset().step());
  EXPECT_EQ(st.int64(0), 42);
}

TEST_F(StorageTest, Version1DatabaseUpgradesToCurrentKeepingData) {
  db_.reset();
  fs::remove(path_);
  std::string error;
  {
    auto v1 = Database::open(path_, error, 1);
    ASSERT_TRUE(v1) << error;
    ASSERT_EQ(v1->schemaVersion(), 1);
    SqliteDeviceRepository repo(*v1);
    Device d = device("a@example.com", "node-v1");
    ASSERT_TRUE(repo.add(d).ok());
  }
  db_ = Database::open(path_, error);
  ASSERT_TRUE(db_) << error;
  EXPECT_EQ(db_->schemaVersion(), Database::kSchemaVersion);
  SqliteDeviceRepository repo(*db_);
  Device got;
  EXPECT_TRUE(repo.findByNode("node-v1", got).ok());
  EXPECT_EQ(count(*db_, "SELECT count(*) FROM push"), 0) << "v2 table exists";
}

TEST_F(StorageTest, NotADatabaseIsAClearError) {
  db_.reset();
  fs::remove(path_);
  std::ofstream(path_) << "this is not sqlite, just text that is long enough to have a header";
  std::string error;
  EXPECT_FALSE(Database::open(path_, error));
  EXPECT_NE(error.find(path_), std::string::npos);
}

TEST_F(StorageTest, DeviceRepositoryRoundTrip) {
  SqliteDeviceRepository repo(*db_);
  Device a = device("a@example.com", "node-a");
  ASSERT_TRUE(repo.add(a).ok());
  EXPECT_GT(a.id, 0);
  Device dup = device("b@example.com", "node-a");
  EXPECT_FALSE(repo.add(dup).ok()) << "node must be unique";

  Device got;
  ASSERT_TRUE(repo.findByNode("node-a", got).ok());
  EXPECT_EQ(got.user, "a@example.com");
  EXPECT_EQ(got.secret_hash, a.secret_hash);
  EXPECT_EQ(got.protocol, Protocol::P2);
  EXPECT_TRUE(repo.findByNode("nope", got).notFound());
  ASSERT_TRUE(repo.findByDeviceId("a@example.com", "ios", "dev-node-a", got).ok());
  ASSERT_TRUE(repo.findByToken("ios", std::string(64, 'a'), got).ok());

  got.token = std::string(64, 'b');
  got.updated = 2000;
  ASSERT_TRUE(repo.update(got).ok());
  ASSERT_TRUE(repo.findById(a.id, got).ok());
  EXPECT_EQ(got.token, std::string(64, 'b'));

  ASSERT_TRUE(repo.setEnabled(a.id, false, 3000).ok());
  ASSERT_TRUE(repo.findById(a.id, got).ok());
  EXPECT_FALSE(got.enabled);

  Device b = device("a@example.com", "node-b");
  b.created = 500;
  ASSERT_TRUE(repo.add(b).ok());
  std::vector<Device> list;
  ASSERT_TRUE(repo.listByUser("a@example.com", list).ok());
  ASSERT_EQ(list.size(), 2u);
  EXPECT_EQ(list[0].node, "node-b") << "oldest first";

  ASSERT_TRUE(repo.remove(a.id, 4000).ok());
  EXPECT_TRUE(repo.remove(a.id, 4000).notFound());
}

TEST_F(StorageTest, PreferencesDefaultAndRoundTrip) {
  SqlitePreferencesRepository repo(*db_);
  Preferences p;
  ASSERT_TRUE(repo.load("a@example.com", p).ok());
  EXPECT_TRUE(p.virtual_agent);
  EXPECT_TRUE(p.chat);
  EXPECT_TRUE(p.preview);
  EXPECT_FALSE(p.quiet_hours);

  p.chat = false;
  p.preview = false;
  p.quiet_hours = QuietHours{22 * 60, 7 * 60, "Europe/Paris"};
  p.muted["b@example.com"] = Preferences::kForever;
  p.muted["c@example.com"] = 5000;
  ASSERT_TRUE(repo.save("a@example.com", p).ok());
  p.muted.erase("c@example.com");
  ASSERT_TRUE(repo.save("a@example.com", p).ok());

  Preferences q;
  ASSERT_TRUE(repo.load("a@example.com", q).ok());
  EXPECT_FALSE(q.chat);
  EXPECT_FALSE(q.preview);
  EXPECT_TRUE(q.virtual_agent);
  ASSERT_TRUE(q.quiet_hours);
  EXPECT_EQ(q.quiet_hours->time_zone, "Europe/Paris");
  EXPECT_EQ(q.quiet_hours->start_minute, 22 * 60);
  ASSERT_EQ(q.muted.size(), 1u);
  EXPECT_EQ(q.muted.at("b@example.com"), Preferences::kForever);
  Preferences other;
  ASSERT_TRUE(repo.load("b@example.com", other).ok());
  EXPECT_TRUE(other.chat) << "one user's preferences never leak to another";
}

PublishRecord record(const Device& d, const std::string& sender, const std::string& body,
                     TimeMs at) {
  PublishRecord r;
  r.device = d;
  r.device.last_publish = at;
  r.has_message = true;
  r.message.user = d.user;
  r.message.conversation = sender.substr(0, sender.find('/'));
  r.message.sender = sender;
  r.message.body = body;
  r.message.message_time = r.message.received = at;
  return r;
}

TEST_F(StorageTest, IntakeStoresMessagesAndDedupesFanOut) {
  SqliteDeviceRepository repo(*db_);
  Device phone = device("a@example.com", "node-phone");
  Device tablet = device("a@example.com", "node-tablet");
  ASSERT_TRUE(repo.add(phone).ok());
  ASSERT_TRUE(repo.add(tablet).ok());
  IntakeStore store(*db_);
  std::vector<PublishRecord> batch = {
      record(phone, "b@example.com/x", "hello", 10'000),
      record(phone, "b@example.com/x", "hello", 10'100),   // a second, identical message
      record(tablet, "b@example.com/x", "hello", 10'200),  // fan-out of one of them
  };
  ASSERT_TRUE(store.store(batch).ok());
  EXPECT_EQ(count(*db_, "SELECT count(*) FROM unread_message"), 2);
  EXPECT_EQ(batch[2].message.id, batch[0].message.id);
  Device got;
  ASSERT_TRUE(repo.findById(tablet.id, got).ok());
  EXPECT_EQ(got.last_publish, 10'200);

  // A wake-up only touches last_publish.
  PublishRecord wake;
  wake.device = phone;
  wake.device.last_publish = 20'000;
  std::vector<PublishRecord> wakes = {wake};
  ASSERT_TRUE(store.store(wakes).ok());
  EXPECT_EQ(count(*db_, "SELECT count(*) FROM unread_message"), 2);
  ASSERT_TRUE(repo.findById(phone.id, got).ok());
  EXPECT_EQ(got.last_publish, 20'000);
}

TEST_F(StorageTest, IntakeCreatesFpushDeviceOnce) {
  IntakeStore store(*db_);
  Device fresh = device("fpush-1@example.com", std::string(64, 'c'));
  fresh.protocol = Protocol::Fpush;
  std::vector<PublishRecord> batch = {record(fresh, "b@example.com", "one", 1000),
                                      record(fresh, "b@example.com", "two", 1001)};
  ASSERT_TRUE(store.store(batch).ok());
  EXPECT_EQ(count(*db_, "SELECT count(*) FROM device"), 1);
  EXPECT_EQ(count(*db_, "SELECT count(*) FROM unread_message"), 2);
}

TEST_F(StorageTest, PurgeDisabledDeletesOnlyLongDisabledDevicesWithoutPendingPushes) {
  SqliteDeviceRepository repo(*db_);
  const TimeMs day = 24LL * 3600 * 1000, now = 100 * day;
  auto add = [&](const char* node, bool enabled, TimeMs updated) {
    Device d = device("u@example.com", node);
    d.enabled = enabled;
    d.updated = updated;
    EXPECT_TRUE(repo.add(d).ok());
    return d.id;
  };
  add("old-disabled", false, now - 40 * day);
  add("new-disabled", false, now - 2 * day);
  add("old-enabled", true, now - 40 * day);
  const int64_t queued = add("old-disabled-queued", false, now - 40 * day);
  Statement& st = db_->prepare(
      "INSERT INTO push(id, device, user, app, platform, token, conversation, category, "
      "title, body, badge, unread, oldest_message_time, batch, created, updated) "
      "VALUES ('0123456789abcdef0123456789abcdef', ?, 'u@example.com', 'ios', 'apns', 't', "
      "'c@example.com', 'chat', 't', "
      "'b', 1, 1, 0, 1, 0, 0)");
  st.reset().bind(1, queued).step();
  ASSERT_TRUE(st.status("insert push").ok()) << st.status("insert push").message;
  int n = -1;
  ASSERT_TRUE(repo.purgeDisabled(now - 30 * day, n).ok());
  EXPECT_EQ(n, 1);
  Device d;
  EXPECT_TRUE(repo.findByNode("old-disabled", d).notFound());
  for (const char* kept : {"new-disabled", "old-enabled", "old-disabled-queued"}) {
    EXPECT_TRUE(repo.findByNode(kept, d).ok()) << kept;
  }
}

TEST(OpenSslCryptoTest, KnownVectors) {
  OpenSslCrypto c;
  EXPECT_EQ(c.sha256Hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  // RFC 4231 test case 2.
  EXPECT_EQ(c.hmacSha256Hex("Jefe", "what do ya want for nothing?"),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
  const std::string r1 = c.randomHex(16), r2 = c.randomHex(16);
  EXPECT_EQ(r1.size(), 32u);
  EXPECT_NE(r1, r2);
}

}  // namespace
}  // namespace vapush

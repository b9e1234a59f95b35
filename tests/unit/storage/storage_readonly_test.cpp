// SPDX-License-Identifier: Apache-2.0
// Tests for storage/ on a database vapush may not write: refused at open, untouched; and
// writes refused while running fail Transient (publishes answered `wait`), losing nothing.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

#include "storage/database.h"
#include "storage/intake_store.h"
#include "storage/sqlite_repositories.h"

namespace vapush {
namespace {

namespace fs = std::filesystem;

std::string bytesOf(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

class ReadOnlyDatabaseTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("vapush-ro-test-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::create_directories(dir_);
    path_ = (dir_ / "vapush.db").string();
    std::string error;
    auto db = Database::open(path_, error);
    ASSERT_TRUE(db) << error;
    ASSERT_TRUE(db->exec("INSERT INTO unread_message(user, conversation, category, body, "
                         "message_time, received) VALUES ('a@example.com', 'b@example.com', "
                         "'chat', 'kept', 1, 1)")
                    .ok());
  }
  void TearDown() override {
    fs::permissions(dir_, fs::perms::owner_all, fs::perm_options::add);
    fs::remove_all(dir_);
  }
  // Opens the database in a child process that really cannot write it: root ignores
  // file modes, so as root the child drops to nobody (65534) first. Exits 0 when open
  // was refused with an error that names the file and says why; prints the error.
  static void openAsWhoCannotWrite(const std::string& path) {
    if (::geteuid() == 0 && (::setgid(65534) != 0 || ::setuid(65534) != 0)) std::_Exit(3);
    std::string error;
    auto db = Database::open(path, error);
    std::fprintf(stderr, "error: %s\n", error.c_str());
    std::_Exit(!db && error.find(path) != std::string::npos &&
                       error.find("read-only") != std::string::npos
                   ? 0
                   : 1);
  }
  fs::path dir_;
  std::string path_;
};

TEST_F(ReadOnlyDatabaseTest, WriteProtectedFileAndDirectoryAreRefusedAtOpenUntouched) {
  const std::string before = bytesOf(path_);
  ASSERT_FALSE(before.empty());
  ASSERT_FALSE(fs::exists(path_ + "-wal")) << "closed cleanly: the file holds everything";
  ASSERT_EQ(::chmod(path_.c_str(), 0444), 0);
  ASSERT_EQ(::chmod(dir_.c_str(), 0555), 0);
  EXPECT_EXIT(openAsWhoCannotWrite(path_), ::testing::ExitedWithCode(0), "database is read-only");
  EXPECT_EQ(bytesOf(path_), before) << "not a byte changed";
}

TEST_F(ReadOnlyDatabaseTest, WriteProtectedFileInAWritableDirectoryIsRefusedAtOpen) {
  // SQLite would open this one read-only (it can make its WAL index next to it), and
  // every write would fail later: the open says so instead.
  const std::string before = bytesOf(path_);
  ASSERT_EQ(::chmod(path_.c_str(), 0444), 0);
  ASSERT_EQ(::chmod(dir_.c_str(), 0777), 0);
  EXPECT_EXIT(openAsWhoCannotWrite(path_), ::testing::ExitedWithCode(0), "database is read-only");
  EXPECT_EQ(bytesOf(path_), before);
  // Writable again: it opens, and what was stored is there.
  ASSERT_EQ(::chmod(path_.c_str(), 0644), 0);
  std::string error;
  auto db = Database::open(path_, error);
  ASSERT_TRUE(db) << error;
  Statement& st = db->prepare("SELECT body FROM unread_message");
  ASSERT_TRUE(st.reset().step());
  EXPECT_EQ(st.text(0), "kept");
  st.reset();
}

TEST_F(ReadOnlyDatabaseTest, WritesRefusedWhileRunningAreTransientAndLoseNothing) {
  // As when the disk is remounted read-only under a running vapushd: SQLite refuses
  // every write with SQLITE_READONLY, which query_only produces on the same connection.
  std::string error;
  auto db = Database::open(path_, error);
  ASSERT_TRUE(db) << error;
  Device phone;
  phone.user = "a@example.com";
  phone.app = "ios";
  phone.token = std::string(64, 'a');
  phone.node = "n1";
  phone.protocol = Protocol::P2;
  ASSERT_TRUE(SqliteDeviceRepository(*db).add(phone).ok());
  PublishRecord r;
  r.device = phone;
  r.has_message = true;
  r.message.conversation = "c@example.com";
  r.message.body = "while read-only";
  r.message.message_time = r.message.received = 2;
  std::vector<PublishRecord> v{r};
  IntakeStore intake(*db);

  ASSERT_TRUE(db->exec("PRAGMA query_only=1").ok());
  const Status s = intake.store(v);
  EXPECT_EQ(s.code, Status::Code::Transient) << "answered `wait`, never `cancel`: " << s.message;
  EXPECT_NE(s.message.find("readonly"), std::string::npos) << s.message;

  ASSERT_TRUE(db->exec("PRAGMA query_only=0").ok());
  Statement& count = db->prepare("SELECT count(*) FROM unread_message");
  ASSERT_TRUE(count.reset().step());
  EXPECT_EQ(count.int64(0), 1) << "the refused publish left nothing half-written";
  count.reset();
  ASSERT_TRUE(intake.store(v).ok()) << "writable again: the same publish is stored";
  ASSERT_TRUE(count.reset().step());
  EXPECT_EQ(count.int64(0), 2);
  count.reset();
}

}  // namespace
}  // namespace vapush

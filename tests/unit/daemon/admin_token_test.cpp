// SPDX-License-Identifier: Apache-2.0
// The admin token file: created owner-only, reused, tightened when others may read it,
// refused when unusable; only the hash comes back.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "plugin/daemon_admin.h"
#include "tests/fakes/fake_crypto.h"

namespace vapush {
namespace {

namespace fs = std::filesystem;

class AdminToken : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("vapush-admin-token-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::create_directories(dir_);
    path_ = (dir_ / "vapush.db.admin-token").string();
  }
  void TearDown() override { fs::remove_all(dir_); }
  mode_t mode() const {
    struct stat st {};
    EXPECT_EQ(::stat(path_.c_str(), &st), 0);
    return st.st_mode & 0777;
  }
  std::string content() const {
    std::ifstream in(path_);
    std::string line;
    std::getline(in, line);
    return line;
  }
  fs::path dir_;
  std::string path_;
  FakeCrypto crypto_;
  bool created_ = false;
  std::string error_;
};

TEST_F(AdminToken, CreatedOwnerOnlyThenReused) {
  const mode_t old_umask = ::umask(0);  // a lax umask must not loosen the file
  const std::string hash = loadAdminTokenHash(path_, crypto_, created_, error_);
  ::umask(old_umask);
  ASSERT_FALSE(hash.empty()) << error_;
  EXPECT_TRUE(created_);
  EXPECT_EQ(mode(), 0600u);
  EXPECT_EQ(content().size(), 64u);
  EXPECT_EQ(hash, crypto_.sha256Hex(content()));
  EXPECT_NE(hash, content()) << "only the hash is returned";
  EXPECT_EQ(loadAdminTokenHash(path_, crypto_, created_, error_), hash);
  EXPECT_FALSE(created_);
}

TEST_F(AdminToken, ReadableByOthersIsTightened) {
  std::ofstream(path_) << "an-operator-chosen-token-0123456789\n";
  ::chmod(path_.c_str(), 0644);
  const std::string hash = loadAdminTokenHash(path_, crypto_, created_, error_);
  EXPECT_EQ(hash, crypto_.sha256Hex("an-operator-chosen-token-0123456789")) << error_;
  EXPECT_EQ(mode(), 0600u);
}

TEST_F(AdminToken, ShortOrMissingPathIsRefused) {
  std::ofstream(path_) << "short\n";
  EXPECT_EQ(loadAdminTokenHash(path_, crypto_, created_, error_), "");
  EXPECT_NE(error_.find("shorter than 16"), std::string::npos) << error_;
  EXPECT_EQ(loadAdminTokenHash("", crypto_, created_, error_), "");
  EXPECT_FALSE(error_.empty());
}

}  // namespace
}  // namespace vapush

// SPDX-License-Identifier: Apache-2.0
// The managed publish-secret key file: created once (0600) with a random key and the
// legacy one, read back unchanged, independent of the component secret.
#include "storage/publish_key.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "plugin/commands.h"
#include "storage/openssl_crypto.h"

namespace vapush {
namespace {

namespace fs = std::filesystem;

class PublishKeyTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("vapush-pk-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::create_directories(dir_);
    config_.component.secret = "component-secret";
    config_.storage.sqlite = (dir_ / "vapush.db").string();
  }
  void TearDown() override { fs::remove_all(dir_); }
  PublishKeys load() {
    PublishKeys k;
    std::string error;
    EXPECT_TRUE(loadPublishKeys(config_, crypto_, k, error)) << error;
    return k;
  }

  fs::path dir_;
  Config config_;
  OpenSslCrypto crypto_;
};

TEST_F(PublishKeyTest, CreatedOnceWithMode0600AndKeptAcrossComponentSecretRotation) {
  const std::string legacy = legacyPublishSecretKey(config_, crypto_);
  const PublishKeys first = load();
  EXPECT_TRUE(first.created);
  EXPECT_EQ(first.file, config_.storage.sqlite + ".publish-key");
  ASSERT_EQ(first.keys.size(), 2u);
  EXPECT_EQ(first.keys[0].size(), 64u);
  EXPECT_NE(first.keys[0], legacy) << "the new key is random, not derived";
  EXPECT_EQ(first.keys[1], legacy) << "registrations of earlier versions keep their secret";
  struct stat st {};
  ASSERT_EQ(::stat(first.file.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);

  const PublishKeys second = load();
  EXPECT_FALSE(second.created);
  EXPECT_EQ(second.keys, first.keys);

  config_.component.secret = "rotated";
  const PublishKeys rotated = load();
  ASSERT_EQ(rotated.keys.size(), 3u);
  EXPECT_EQ(rotated.keys[0], first.keys[0]) << "rotation does not touch the key";
  EXPECT_EQ(rotated.keys[1], legacy);
  EXPECT_EQ(rotated.keys[2], legacyPublishSecretKey(config_, crypto_));
}

TEST_F(PublishKeyTest, MalformedFileIsAnErrorNotReplaced) {
  const std::string path = config_.storage.sqlite + ".publish-key";
  std::ofstream(path) << "# keys\nnot-a-key\n";
  PublishKeys k;
  std::string error;
  EXPECT_FALSE(loadPublishKeys(config_, crypto_, k, error));
  EXPECT_NE(error.find(":2:"), std::string::npos) << error;
  std::ofstream(path, std::ios::trunc) << "# only comments\n";
  EXPECT_FALSE(loadPublishKeys(config_, crypto_, k, error));
}

TEST_F(PublishKeyTest, ConfiguredKeyIsUsedAloneAndNoFileIsMade) {
  config_.component.publish_secret_key = "operator-key";
  const PublishKeys k = load();
  EXPECT_EQ(k.keys, std::vector<std::string>{"operator-key"});
  EXPECT_FALSE(fs::exists(config_.storage.sqlite + ".publish-key"));
}

TEST_F(PublishKeyTest, ConstantTimeEqualsWithOpenSsl) {
  EXPECT_TRUE(crypto_.equals("abc", "abc"));
  EXPECT_FALSE(crypto_.equals("abc", "abd"));
  EXPECT_FALSE(crypto_.equals("abc", "abcd"));
  EXPECT_TRUE(crypto_.equals("", ""));
}

}  // namespace
}  // namespace vapush

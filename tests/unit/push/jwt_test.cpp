// SPDX-License-Identifier: Apache-2.0
// The provider token caches (push/jwt.h): APNs JWT age and FCM access-token expiry are
// measured on the steady clock; the JWT's iat is wall time. Fake clock jumping; no sleeps.
#include "push/jwt.h"

#include <gtest/gtest.h>
#include <openssl/ec.h>
#include <openssl/evp.h>

#include <nlohmann/json.hpp>

#include "fakes/fake_clock.h"

namespace vapush::push {
namespace {

using std::chrono::hours;
using std::chrono::minutes;
using std::chrono::seconds;

int64_t iatOf(const std::string& jwt) {
  const auto dot1 = jwt.find('.'), dot2 = jwt.rfind('.');
  return nlohmann::json::parse(base64UrlDecode(jwt.substr(dot1 + 1, dot2 - dot1 - 1)))["iat"];
}

class ApnsTokenCacheTest : public ::testing::Test {
 protected:
  Pkey key_{EVP_EC_gen("P-256")};
  ApnsTokenCache cache_{key_.get(), "K", "T"};
  FakeClock clock_;
};

TEST_F(ApnsTokenCacheTest, ReusedThenRefreshedAt50Minutes) {
  const int64_t t0 = clock_.nowMs();
  const std::string first = cache_.get(clock_);
  EXPECT_EQ(iatOf(first), t0 / 1000);
  clock_.advance(minutes(19));
  EXPECT_EQ(cache_.get(clock_), first) << "reused within 20 min";
  clock_.advance(minutes(30));
  EXPECT_EQ(cache_.get(clock_), first);
  clock_.advance(minutes(1));
  const std::string second = cache_.get(clock_);
  EXPECT_NE(second, first) << "refreshed at 50 min";
  EXPECT_EQ(cache_.issuedAtMs(), t0 + 50 * 60'000);
  EXPECT_EQ(cache_.generation(), 2u);
  // Apple said ExpiredProviderToken/InvalidProviderToken: a new token, but one per
  // minute at most, so the answers of a whole burst share it.
  clock_.advance(seconds(59));
  EXPECT_EQ(cache_.get(clock_, true), second);
  clock_.advance(seconds(1));
  const std::string third = cache_.get(clock_, true);
  EXPECT_NE(third, second) << "forced refresh after a minute";
}

// The step back is shorter than the token's age: measured on the wall clock, the token
// would look 20 min old when it is 50, and be used until it is 80 min old (Apple refuses
// tokens older than an hour: ExpiredProviderToken on every push).
TEST_F(ApnsTokenCacheTest, WallClockStepBackDoesNotKeepAnOldToken) {
  const std::string first = cache_.get(clock_);
  clock_.advance(minutes(40));
  clock_.stepWall(-minutes(30));
  clock_.advance(minutes(9));
  EXPECT_EQ(cache_.get(clock_), first) << "49 min old";
  clock_.advance(minutes(1));
  const std::string second = cache_.get(clock_);
  EXPECT_NE(second, first) << "50 min old, whatever the wall clock says";
  EXPECT_EQ(iatOf(second), clock_.nowMs() / 1000) << "iat is the wall time";
}

TEST_F(ApnsTokenCacheTest, WallClockStepBackAnHourRefreshesAtFiftyMinutes) {
  const std::string first = cache_.get(clock_);
  clock_.advance(minutes(10));
  clock_.stepWall(-hours(1));
  clock_.advance(minutes(39));
  EXPECT_EQ(cache_.get(clock_), first);
  clock_.advance(minutes(1));
  EXPECT_NE(cache_.get(clock_), first);
  EXPECT_EQ(cache_.generation(), 2u) << "one new token, not one at the step as well";
}

TEST_F(ApnsTokenCacheTest, WallClockStepForwardDoesNotThrash) {
  const std::string first = cache_.get(clock_);
  clock_.advance(minutes(1));
  clock_.stepWall(hours(24));
  for (int i = 0; i < 100; ++i) {
    clock_.advance(seconds(1));
    ASSERT_EQ(cache_.get(clock_), first) << i;
  }
  // A burst of forced refreshes right after the step shares one new token.
  const std::string second = cache_.get(clock_, true);
  EXPECT_NE(second, first);
  for (int i = 0; i < 10; ++i) EXPECT_EQ(cache_.get(clock_, true), second);
  EXPECT_EQ(cache_.generation(), 2u);
}

TEST(AccessToken, UsableUntilAMinuteBeforeExpiry) {
  FakeClock clock;
  AccessToken token;
  EXPECT_FALSE(token.usable(clock)) << "none yet";
  token.set("ya29.a", 3600, clock);
  EXPECT_TRUE(token.usable(clock));
  EXPECT_EQ(token.value(), "ya29.a");
  clock.advance(seconds(3539));
  EXPECT_TRUE(token.usable(clock));
  clock.advance(seconds(1));
  EXPECT_FALSE(token.usable(clock)) << "refreshed a minute before Google's expiry";
  token.set("ya29.b", 3600, clock);
  token.clear();  // Google answered 401
  EXPECT_FALSE(token.usable(clock));
}

TEST(AccessToken, ShortLivedTokenServesTheWaitingPushes) {
  FakeClock clock;
  AccessToken token;
  token.set("ya29.a", 30, clock);
  EXPECT_TRUE(token.usable(clock)) << "else every fetch would start another";
  clock.advance(seconds(1));
  EXPECT_FALSE(token.usable(clock));
}

TEST(AccessToken, WallClockStepBackDoesNotKeepAnExpiredToken) {
  FakeClock clock;
  AccessToken token;
  token.set("ya29.a", 3600, clock);
  clock.stepWall(-hours(1));
  clock.advance(minutes(59));
  EXPECT_FALSE(token.usable(clock)) << "Google's token expires an hour after it was issued";
}

TEST(AccessToken, WallClockStepForwardKeepsAGoodToken) {
  FakeClock clock;
  AccessToken token;
  token.set("ya29.a", 3600, clock);
  clock.advance(minutes(1));
  clock.stepWall(hours(24));
  EXPECT_TRUE(token.usable(clock)) << "no refetch for every push after the step";
}

}  // namespace
}  // namespace vapush::push

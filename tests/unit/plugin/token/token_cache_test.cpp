// The token cache of design.md section 7: reuse, the refresh margin
// min(5 min, half the lifetime), one request for concurrent callers,
// Refresh after a rejection, Retry-After.
#include "token/token_cache.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>
#include <vector>

#include "notify/test_support/wait_until.hpp"

namespace m365 {
namespace {

using std::chrono::minutes;
using std::chrono::seconds;

class TokenCacheTest : public ::testing::Test {
 protected:
  // A fetcher that hands out "t1", "t2", ... living `lifetime`.
  TokenFetcher Counting(seconds lifetime) {
    return [this, lifetime] {
      FetchedToken f;
      f.result.ok = true;
      f.result.access_token = "t" + std::to_string(++issued_);
      f.expires_in = lifetime;
      return f;
    };
  }
  const ManualClock& Clock() const { return clock_; }
  void Advance(seconds s) { clock_.Advance(s); }

  std::atomic<int> issued_{0};
  ManualClock clock_;
};

TEST_F(TokenCacheTest, RefreshMarginIsTheSmallerOfFiveMinutesAndHalfTheLifetime) {
  EXPECT_EQ(TokenCache::RefreshMargin(seconds(3599)), minutes(5));
  EXPECT_EQ(TokenCache::RefreshMargin(seconds(5400)), minutes(5));
  EXPECT_EQ(TokenCache::RefreshMargin(seconds(60)), seconds(30));
  EXPECT_EQ(TokenCache::RefreshMargin(seconds(0)), seconds(0));
}

TEST_F(TokenCacheTest, ReusesATokenUntilItsRemainingLifeFallsBelowTheMargin) {
  TokenCache cache(Counting(seconds(3599)), Clock());
  EXPECT_EQ(cache.Get().access_token, "t1");
  Advance(seconds(3599 - 300 - 1));
  EXPECT_EQ(cache.Get().access_token, "t1");
  Advance(seconds(1));
  EXPECT_EQ(cache.Get().access_token, "t2");
  EXPECT_EQ(cache.fetch_count(), 2);
}

TEST_F(TokenCacheTest, ShortLivedTokensRefreshAtHalfTheirLife) {
  TokenCache cache(Counting(seconds(60)), Clock());
  EXPECT_EQ(cache.Get().access_token, "t1");
  Advance(seconds(29));
  EXPECT_EQ(cache.Get().access_token, "t1");
  Advance(seconds(1));
  EXPECT_EQ(cache.Get().access_token, "t2");
}

TEST_F(TokenCacheTest, RefreshReplacesTheRejectedTokenOnce) {
  TokenCache cache(Counting(seconds(3599)), Clock());
  std::string first = cache.Get().access_token;
  EXPECT_EQ(cache.Refresh(first).access_token, "t2");
  // A second caller that also held t1 gets t2, without another request.
  EXPECT_EQ(cache.Refresh(first).access_token, "t2");
  EXPECT_EQ(cache.fetch_count(), 2);
}

// The request does not end before every caller has started its call, so the
// callers overlap it however the threads are scheduled; one that reaches the
// cache only after the request ended finds the token cached: one request too.
TEST_F(TokenCacheTest, ConcurrentCallersShareOneRequest) {
  constexpr int kCallers = 8;
  std::atomic<int> callers{0};
  std::atomic<int> in_flight{0};
  std::atomic<int> max_in_flight{0};
  std::atomic<bool> all_came{false};
  TokenCache cache([&] {
    int now = ++in_flight;
    max_in_flight = std::max(max_in_flight.load(), now);
    all_came = notify::test_support::WaitUntil([&] { return callers == kCallers; }, seconds(30));
    --in_flight;
    FetchedToken f;
    f.result.ok = true;
    f.result.access_token = "shared";
    f.expires_in = seconds(3599);
    return f;
  });
  std::vector<std::thread> threads;
  std::atomic<int> got{0};
  for (int i = 0; i < kCallers; ++i) {
    threads.emplace_back([&] {
      ++callers;
      if (cache.Get().access_token == "shared") ++got;
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_TRUE(all_came) << "the callers never all started";
  EXPECT_EQ(got, kCallers);
  EXPECT_EQ(cache.fetch_count(), 1);
  EXPECT_EQ(max_in_flight, 1);
}

TEST_F(TokenCacheTest, ErrorsAreNotCachedButThrottlingIsHonoured) {
  int calls = 0;
  TokenCache cache(
      [&] {
        ++calls;
        FetchedToken f;
        f.result.error = "throttled";
        f.result.transient = true;
        f.result.retry_after_s = calls == 1 ? 60 : 0;
        return f;
      },
      Clock());
  EXPECT_FALSE(cache.Get().ok);
  auto second = cache.Get();  // within Retry-After: no new request
  EXPECT_FALSE(second.ok);
  EXPECT_TRUE(second.transient);
  EXPECT_GT(second.retry_after_s, 0);
  EXPECT_EQ(calls, 1);
  Advance(seconds(61));
  EXPECT_FALSE(cache.Get().ok);
  EXPECT_EQ(calls, 2);
  EXPECT_FALSE(cache.Get().ok);  // no Retry-After this time: asks again
  EXPECT_EQ(calls, 3);
}

TEST_F(TokenCacheTest, AThrowingFetcherBecomesATransientError) {
  TokenCache cache([]() -> FetchedToken { throw std::runtime_error("boom"); });
  auto r = cache.Get();
  EXPECT_FALSE(r.ok);
  EXPECT_TRUE(r.transient);
  EXPECT_FALSE(r.remedy.empty());
}

TEST_F(TokenCacheTest, SharedCachePerAuthorityTenantClientAndScope) {
  TokenKey key{"https://a", "t", "c", "s"};
  auto one = SharedTokenCache(key, Counting(seconds(3599)));
  auto same = SharedTokenCache(key, Counting(seconds(3599)));
  auto other = SharedTokenCache({"https://a", "t", "c", "other-scope"}, Counting(seconds(3599)));
  EXPECT_EQ(one, same);
  EXPECT_NE(one, other);
  EXPECT_EQ(one->Get().access_token, same->Get().access_token);
  EXPECT_EQ(one->fetch_count(), 1);
}

}  // namespace
}  // namespace m365

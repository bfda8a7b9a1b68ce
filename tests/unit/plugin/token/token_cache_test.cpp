// The token cache of docs/delivery.md, Tokens: reuse, the refresh margin
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

using notify::sdk::Status;
using notify::sdk::StatusOr;
using std::chrono::minutes;
using std::chrono::seconds;

// The token, or the error's message: what a test compares.
std::string TokenOf(const StatusOr<std::string>& got) {
  return got.ok() ? got.value() : "error: " + got.status().message();
}

class TokenCacheTest : public ::testing::Test {
 protected:
  // A fetcher that hands out "t1", "t2", ... living `lifetime`.
  TokenFetcher Counting(seconds lifetime) {
    return [this, lifetime]() -> StatusOr<IssuedToken> {
      return IssuedToken{"t" + std::to_string(++issued_), lifetime};
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
  EXPECT_EQ(TokenOf(cache.Get()), "t1");
  Advance(seconds(3599 - 300 - 1));
  EXPECT_EQ(TokenOf(cache.Get()), "t1");
  Advance(seconds(1));
  EXPECT_EQ(TokenOf(cache.Get()), "t2");
  EXPECT_EQ(cache.fetch_count(), 2);
}

TEST_F(TokenCacheTest, ShortLivedTokensRefreshAtHalfTheirLife) {
  TokenCache cache(Counting(seconds(60)), Clock());
  EXPECT_EQ(TokenOf(cache.Get()), "t1");
  Advance(seconds(29));
  EXPECT_EQ(TokenOf(cache.Get()), "t1");
  Advance(seconds(1));
  EXPECT_EQ(TokenOf(cache.Get()), "t2");
}

TEST_F(TokenCacheTest, RefreshReplacesTheRejectedTokenOnce) {
  TokenCache cache(Counting(seconds(3599)), Clock());
  std::string first = TokenOf(cache.Get());
  EXPECT_EQ(TokenOf(cache.Refresh(first)), "t2");
  // A second caller that also held t1 gets t2, without another request.
  EXPECT_EQ(TokenOf(cache.Refresh(first)), "t2");
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
    return StatusOr<IssuedToken>(IssuedToken{"shared", seconds(3599)});
  });
  std::vector<std::thread> threads;
  std::atomic<int> got{0};
  for (int i = 0; i < kCallers; ++i) {
    threads.emplace_back([&] {
      ++callers;
      if (TokenOf(cache.Get()) == "shared") ++got;
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
      [&]() -> StatusOr<IssuedToken> {
        ++calls;
        return Status::ResourceExhausted("throttled", "", seconds(calls == 1 ? 60 : 0));
      },
      Clock());
  EXPECT_FALSE(cache.Get().ok());
  auto second = cache.Get();  // within Retry-After: no new request
  EXPECT_FALSE(second.ok());
  EXPECT_TRUE(second.status().IsTransient());
  EXPECT_GT(second.status().retry_after(), seconds(0));
  EXPECT_EQ(calls, 1);
  Advance(seconds(61));
  EXPECT_FALSE(cache.Get().ok());
  EXPECT_EQ(calls, 2);
  EXPECT_FALSE(cache.Get().ok());  // no Retry-After this time: asks again
  EXPECT_EQ(calls, 3);
}

TEST_F(TokenCacheTest, APermanentRefusalIsNotAskedAgainUntilTheCoolDownPasses) {
  int calls = 0;
  TokenCache cache(
      [&]() -> StatusOr<IssuedToken> {
        ++calls;
        return Status::Unauthenticated("AADSTS7000215: Invalid client secret provided.",
                                       "Copy the secret's Value.");
      },
      Clock());
  EXPECT_EQ(TokenOf(cache.Get()), "error: AADSTS7000215: Invalid client secret provided.");
  Advance(TokenCache::kRefusalCoolDown - seconds(1));
  auto again = cache.Get();  // the same cause, with its remedy, and no request
  EXPECT_EQ(TokenOf(again), "error: AADSTS7000215: Invalid client secret provided.");
  EXPECT_FALSE(again.status().IsTransient());
  EXPECT_EQ(again.status().remedy(), "Copy the secret's Value.");
  EXPECT_FALSE(cache.Refresh("t0").ok());
  EXPECT_EQ(calls, 1);
  Advance(seconds(1));
  EXPECT_FALSE(cache.Get().ok());
  EXPECT_EQ(calls, 2);
}

TEST_F(TokenCacheTest, ANewCredentialIsAskedForAtOnceTheSameOneIsNot) {
  TokenCache cache(
      []() -> StatusOr<IssuedToken> { return Status::Unauthenticated("AADSTS7000215"); }, Clock());
  cache.SetFetcher(
      []() -> StatusOr<IssuedToken> { return Status::Unauthenticated("AADSTS7000215"); },
      "digest-of-the-wrong-secret");
  EXPECT_FALSE(cache.Get().ok());
  // Opened again with the same credential: still refused, not asked again.
  cache.SetFetcher(Counting(seconds(3599)), "digest-of-the-wrong-secret");
  EXPECT_FALSE(cache.Get().ok());
  EXPECT_EQ(cache.fetch_count(), 1);
  // A new secret (a settings change) is tried at once.
  cache.SetFetcher(Counting(seconds(3599)), "digest-of-the-right-secret");
  EXPECT_EQ(TokenOf(cache.Get()), "t1");
  EXPECT_EQ(cache.fetch_count(), 2);
}

TEST_F(TokenCacheTest, AThrowingFetcherBecomesATransientError) {
  TokenCache cache([]() -> StatusOr<IssuedToken> { throw std::runtime_error("boom"); });
  auto r = cache.Get();
  EXPECT_FALSE(r.ok());
  EXPECT_TRUE(r.status().IsTransient());
  EXPECT_FALSE(r.status().remedy().empty());
}

TEST_F(TokenCacheTest, SharedCachePerAuthorityTenantClientAndScope) {
  TokenKey key{"https://a", "t", "c", "s"};
  auto one = SharedTokenCache(key, Counting(seconds(3599)));
  auto same = SharedTokenCache(key, Counting(seconds(3599)));
  auto other = SharedTokenCache({"https://a", "t", "c", "other-scope"}, Counting(seconds(3599)));
  EXPECT_EQ(one, same);
  EXPECT_NE(one, other);
  EXPECT_EQ(TokenOf(one->Get()), TokenOf(same->Get()));
  EXPECT_EQ(one->fetch_count(), 1);
}

// Each sender's view of a shared cache counts the requests its own calls
// sent: a token from the cache is no request, and the views' counts add up
// to the requests the cache sent (docs/delivery.md, Tokens).
TEST_F(TokenCacheTest, EachSendersViewCountsTheRequestsItsOwnCallsSent) {
  auto cache = std::make_shared<TokenCache>(Counting(seconds(3599)), Clock());
  CountedTokenSource first(cache);
  CountedTokenSource second(cache);
  EXPECT_EQ(TokenOf(first.Get()), "t1");
  for (int i = 0; i < 50; ++i) {
    EXPECT_EQ(TokenOf(first.Get()), "t1");
    EXPECT_EQ(TokenOf(second.Get()), "t1");
  }
  EXPECT_EQ(first.Requests().granted, 1u);
  EXPECT_EQ(second.Requests().granted, 0u) << "the warm cache answered";
  EXPECT_EQ(TokenOf(second.Refresh("t1")), "t2");  // Exchange refused t1
  EXPECT_EQ(second.Requests().granted, 1u);
  Advance(seconds(3599));
  EXPECT_EQ(TokenOf(second.Get()), "t3");
  EXPECT_EQ(first.Requests().granted + second.Requests().granted,
            static_cast<std::uint64_t>(cache->fetch_count()));
  EXPECT_EQ(first.Requests().refused + first.Requests().failed, 0u);
}

TEST_F(TokenCacheTest, ARefusalAndAFailureAreCountedByTheirOutcome) {
  Status next = Status::Unauthenticated("AADSTS7000222: the secret has expired");
  auto cache =
      std::make_shared<TokenCache>([&]() -> StatusOr<IssuedToken> { return next; }, Clock());
  CountedTokenSource view(cache);
  EXPECT_FALSE(view.Get().ok());
  EXPECT_FALSE(view.Get().ok());  // the standing refusal: no request
  EXPECT_EQ(view.Requests().refused, 1u);
  Advance(TokenCache::kRefusalCoolDown);
  next = Status::Unavailable("connection refused");
  EXPECT_FALSE(view.Get().ok());
  EXPECT_EQ(view.Requests().failed, 1u);
  EXPECT_EQ(view.Requests().refused, 1u);
  EXPECT_EQ(view.Requests().granted, 0u);
}

TEST_F(TokenCacheTest, ConcurrentViewsOfOneCacheCountOneRequest) {
  auto cache = std::make_shared<TokenCache>(Counting(seconds(3599)));
  std::vector<std::unique_ptr<CountedTokenSource>> views;
  for (int i = 0; i < 4; ++i) views.push_back(std::make_unique<CountedTokenSource>(cache));
  std::vector<std::thread> threads;
  for (auto& view : views)
    threads.emplace_back([&view] {
      for (int i = 0; i < 20; ++i) (void)view->Get();
    });
  for (auto& t : threads) t.join();
  std::uint64_t granted = 0;
  for (auto& view : views) granted += view->Requests().granted;
  EXPECT_EQ(granted, 1u);
  EXPECT_EQ(cache->fetch_count(), 1);
}

}  // namespace
}  // namespace m365

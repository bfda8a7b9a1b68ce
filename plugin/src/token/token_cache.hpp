#pragma once
// The token cache of docs/delivery.md, Tokens: one token per (authority,
// tenant, client, scope), reused until its remaining life falls below
// min(5 minutes, half its lifetime), one request shared by concurrent callers,
// and a permanent refusal kept until the credential changes or a cool-down
// passes.
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <string>

#include "common/clock.hpp"
#include "notify/sdk/status.hpp"
#include "token/token_source.hpp"

namespace m365 {

// A token as the endpoint issued it.
struct IssuedToken {
  std::string access_token;            // never logged
  std::chrono::seconds expires_in{0};  // its lifetime as the endpoint gave it; never assumed 3600
};

// Fetches a new token (the network request), or says why there is none as
// TokenSource::Get does; called without locks held. May throw: the cache
// then answers kUnavailable.
using TokenFetcher = std::function<notify::sdk::StatusOr<IssuedToken>()>;

// Counts the token requests made on one caller's behalf, by outcome.
// Thread-safe.
class TokenRequestTally {
 public:
  void Count(const notify::sdk::Status& outcome);  // OK: granted
  TokenRequestCounts Totals() const;

 private:
  std::atomic<std::uint64_t> granted_{0};
  std::atomic<std::uint64_t> refused_{0};
  std::atomic<std::uint64_t> failed_{0};
};

// A TokenSource that caches one token and refreshes it ahead of expiry.
// Thread-safe; concurrent callers share one request.
class TokenCache : public TokenSource {
 public:
  // `fetch` makes the requests; `clock` (which must outlive the cache) says
  // when a token is due for refresh and when a Retry-After is over.
  explicit TokenCache(TokenFetcher fetch, const Clock& clock = SteadyClock());
  ~TokenCache() override;

  // How long a permanent refusal (not IsTransient(): a wrong or expired
  // secret, an unknown app or tenant) is answered without a new request,
  // unless the credential changes first (docs/delivery.md, Tokens).
  static constexpr std::chrono::minutes kRefusalCoolDown{5};

  // See TokenSource. After a transient failure with a retry_after (a 429's
  // Retry-After), returns that failure without a new request until the wait
  // is over, its retry_after then the time left. After a permanent refusal,
  // returns it unchanged without a new request for kRefusalCoolDown.
  notify::sdk::StatusOr<std::string> Get() override;
  notify::sdk::StatusOr<std::string> Refresh(const std::string& rejected) override;
  // The last permanent refusal while its cool-down lasts, else OK.
  notify::sdk::Status StandingRefusal() override;
  // Get and Refresh that count a request this call sends in `tally`
  // (nullptr: not counted). Requests() stays zero for the cache itself:
  // its callers count through CountedTokenSource.
  notify::sdk::StatusOr<std::string> Get(TokenRequestTally* tally);
  notify::sdk::StatusOr<std::string> Refresh(const std::string& rejected, TokenRequestTally* tally);

  // Replaces the fetcher (newer credentials for the same app); the cached
  // token stays valid. `credential` identifies the credential the fetcher
  // sends (a digest, never the secret itself): when it differs from the
  // last one, a standing permanent refusal is forgotten, since it was about
  // the old credential. Thread-safe.
  void SetFetcher(TokenFetcher fetch, const std::string& credential = "");
  // How many fetches were started (for tests and statistics).
  int fetch_count() const;

  // The refresh margin for a token of `lifetime`: min(5 min, lifetime / 2).
  static std::chrono::seconds RefreshMargin(std::chrono::seconds lifetime);

 private:
  notify::sdk::StatusOr<std::string> Obtain(std::unique_lock<std::mutex>& lock,
                                            const std::string* rejected, TokenRequestTally* tally);
  bool Fresh(Clock::TimePoint now) const;

  mutable std::mutex mutex_;
  std::condition_variable fetched_;
  TokenFetcher fetch_;
  const Clock& clock_;
  std::string token_;  // never logged
  Clock::TimePoint refresh_at_{};
  // No fetch before this: the Retry-After of a throttled fetch, or the end
  // of a permanent refusal's cool-down.
  Clock::TimePoint not_before_{};
  std::string credential_;  // SetFetcher's `credential`; never a secret
  // The outcome of the last fetch, shared with the callers that waited for it.
  notify::sdk::StatusOr<std::string> last_{
      notify::sdk::Status::Unavailable("no token was requested yet")};
  bool fetching_ = false;
  unsigned long generation_ = 0;  // completed fetches
  int fetch_count_ = 0;
};

// One sender's view of a shared cache: the same tokens, and Requests() are
// the requests this view's calls sent, so each sender counts its own and the
// counts of all senders add up to the requests sent (docs/delivery.md, Tokens).
class CountedTokenSource : public TokenSource {
 public:
  explicit CountedTokenSource(std::shared_ptr<TokenCache> cache);
  notify::sdk::StatusOr<std::string> Get() override;
  notify::sdk::StatusOr<std::string> Refresh(const std::string& rejected) override;
  notify::sdk::Status StandingRefusal() override;
  TokenRequestCounts Requests() const override;

 private:
  std::shared_ptr<TokenCache> cache_;
  TokenRequestTally tally_;
};

// What a token is cached under (docs/delivery.md, Tokens).
struct TokenKey {
  std::string authority;
  std::string tenant;
  std::string client_id;
  std::string scope;
  bool operator<(const TokenKey& other) const;
};

// The process-wide cache for `key`, created on first use and shared by every
// sender of the same app while any holds it. `fetch` becomes the cache's
// fetcher (the newest credentials win), `credential` as for SetFetcher.
// `clock` (which must outlive the cache) is the one a new cache gets; an
// existing cache keeps its own. Thread-safe.
std::shared_ptr<TokenCache> SharedTokenCache(const TokenKey& key, TokenFetcher fetch,
                                             const std::string& credential = "",
                                             const Clock& clock = SteadyClock());

}  // namespace m365

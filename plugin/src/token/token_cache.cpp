// Token caching with a single in-flight request per cache.
#include "token/token_cache.hpp"

#include <algorithm>
#include <map>
#include <tuple>

namespace m365 {

using notify::sdk::Status;
using notify::sdk::StatusOr;

TokenCache::TokenCache(TokenFetcher fetch, const Clock& clock)
    : fetch_(std::move(fetch)), clock_(clock) {}

std::chrono::seconds TokenCache::RefreshMargin(std::chrono::seconds lifetime) {
  return std::min<std::chrono::seconds>(std::chrono::minutes(5), lifetime / 2);
}

TokenCache::~TokenCache() = default;

bool TokenCache::Fresh(Clock::TimePoint now) const { return !token_.empty() && now < refresh_at_; }

void TokenRequestTally::Count(const Status& outcome) {
  if (outcome.ok()) {
    ++granted_;
  } else if (!outcome.IsTransient()) {
    ++refused_;
  } else {
    ++failed_;
  }
}

TokenRequestCounts TokenRequestTally::Totals() const {
  return {granted_.load(), refused_.load(), failed_.load()};
}

StatusOr<std::string> TokenCache::Get() { return Get(nullptr); }

StatusOr<std::string> TokenCache::Refresh(const std::string& rejected) {
  return Refresh(rejected, nullptr);
}

StatusOr<std::string> TokenCache::Get(TokenRequestTally* tally) {
  std::unique_lock<std::mutex> lock(mutex_);
  return Obtain(lock, nullptr, tally);
}

StatusOr<std::string> TokenCache::Refresh(const std::string& rejected, TokenRequestTally* tally) {
  std::unique_lock<std::mutex> lock(mutex_);
  return Obtain(lock, &rejected, tally);
}

StatusOr<std::string> TokenCache::Obtain(std::unique_lock<std::mutex>& lock,
                                         const std::string* rejected, TokenRequestTally* tally) {
  if (fetching_) {
    // Someone is already asking: share that request's outcome.
    unsigned long seen = generation_;
    fetched_.wait(lock, [&] { return generation_ != seen; });
    return last_;  // a new token (also for a Refresh), or why there is none
  }
  if (rejected != nullptr && !token_.empty() && token_ == *rejected) token_.clear();
  Clock::TimePoint now = clock_.Now();
  if (Fresh(now)) return token_;
  if (now < not_before_ && !last_.ok()) {
    // A permanent refusal is the same answer for every caller until the
    // credential changes or the cool-down passes: asking again would only
    // load the sign-in service (docs/delivery.md, Tokens).
    if (!last_.status().IsTransient()) return last_;
    return last_.status().WithRetryAfter(
        std::chrono::duration_cast<std::chrono::seconds>(not_before_ - now) +
        std::chrono::seconds(1));
  }

  fetching_ = true;
  ++fetch_count_;
  TokenFetcher fetch = fetch_;
  lock.unlock();
  StatusOr<IssuedToken> fetched = [&]() -> StatusOr<IssuedToken> {
    try {
      return fetch();
    } catch (...) {
      return Status::Unavailable("the token request failed unexpectedly",
                                 "Try again; if it persists, report it with the host's log.");
    }
  }();
  if (tally != nullptr) tally->Count(fetched.ok() ? Status::Ok() : fetched.status());
  lock.lock();
  now = clock_.Now();
  fetching_ = false;
  ++generation_;
  if (fetched.ok()) {
    token_ = fetched->access_token;
    refresh_at_ = now + fetched->expires_in - RefreshMargin(fetched->expires_in);
    not_before_ = Clock::TimePoint{};
    last_ = token_;
  } else {
    const Status& why = fetched.status();
    token_.clear();
    last_ = why;
    if (!why.IsTransient()) {
      // The cool-down bounds the harm of a refusal that was wrong: Entra
      // may refuse a secret created minutes ago until it has replicated.
      not_before_ = now + kRefusalCoolDown;
    } else if (why.retry_after() > std::chrono::seconds(0)) {
      not_before_ = now + why.retry_after();
    } else {
      not_before_ = Clock::TimePoint{};
    }
  }
  fetched_.notify_all();
  return last_;
}

Status TokenCache::StandingRefusal() {
  std::lock_guard<std::mutex> lock(mutex_);
  if (fetching_ || last_.ok() || last_.status().IsTransient()) return Status::Ok();
  return clock_.Now() < not_before_ ? last_.status() : Status::Ok();
}

void TokenCache::SetFetcher(TokenFetcher fetch, const std::string& credential) {
  std::lock_guard<std::mutex> lock(mutex_);
  fetch_ = std::move(fetch);
  if (credential == credential_) return;
  credential_ = credential;
  // A new credential deserves its own answer; a throttling wait stays, as
  // it concerns the app, not the credential.
  if (!last_.ok() && !last_.status().IsTransient()) not_before_ = Clock::TimePoint{};
}

int TokenCache::fetch_count() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return fetch_count_;
}

CountedTokenSource::CountedTokenSource(std::shared_ptr<TokenCache> cache)
    : cache_(std::move(cache)) {}

StatusOr<std::string> CountedTokenSource::Get() { return cache_->Get(&tally_); }

StatusOr<std::string> CountedTokenSource::Refresh(const std::string& rejected) {
  return cache_->Refresh(rejected, &tally_);
}

Status CountedTokenSource::StandingRefusal() { return cache_->StandingRefusal(); }

TokenRequestCounts CountedTokenSource::Requests() const { return tally_.Totals(); }

bool TokenKey::operator<(const TokenKey& o) const {
  return std::tie(authority, tenant, client_id, scope) <
         std::tie(o.authority, o.tenant, o.client_id, o.scope);
}

std::shared_ptr<TokenCache> SharedTokenCache(const TokenKey& key, TokenFetcher fetch,
                                             const std::string& credential, const Clock& clock) {
  static std::mutex registry_mutex;
  static std::map<TokenKey, std::weak_ptr<TokenCache>> registry;
  std::lock_guard<std::mutex> lock(registry_mutex);
  for (auto it = registry.begin(); it != registry.end();) {
    it = it->second.expired() ? registry.erase(it) : std::next(it);
  }
  if (auto existing = registry[key].lock()) {
    existing->SetFetcher(std::move(fetch), credential);
    return existing;
  }
  auto cache = std::make_shared<TokenCache>(TokenFetcher(), clock);
  cache->SetFetcher(std::move(fetch), credential);
  registry[key] = cache;
  return cache;
}

}  // namespace m365

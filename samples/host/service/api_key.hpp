#pragma once
// API keys of the HTTP API (docs/service.md, "API keys"). A key is shown once,
// when it is made; only its hash is kept. Keys are 256 random bits, so a
// plain SHA-256 hash is enough to keep a stolen database from giving them
// away (no password stretching is needed for a secret nobody chose), and the
// hash of a presented key is compared with the stored one in constant time.
#include <optional>
#include <string>

namespace notify_host {

struct NewApiKey {
  std::string id;    // 16 hex digits; names the key in the store and in logs
  std::string key;   // "nhk_<id>_<secret>": shown to the administrator once
  std::string hash;  // SHA-256 of `key`, 64 hex digits: what is stored
};

// A fresh key from OpenSSL's RAND_bytes. Throws std::runtime_error when the
// system has no randomness to give.
NewApiKey MakeApiKey();

// The SHA-256 of `key` as 64 lower-case hex digits.
std::string HashApiKey(const std::string& key);

// The id part of a key "nhk_<id>_<secret>", or nullopt when `key` is not of
// that shape. Says nothing about whether the key is valid.
std::optional<std::string> ApiKeyId(const std::string& key);

// True when `key` hashes to `stored_hash`. The comparison takes the same
// time wherever the hashes differ (CRYPTO_memcmp).
bool ApiKeyMatches(const std::string& key, const std::string& stored_hash);

// The token of an "Authorization: Bearer <token>" header value, or nullopt.
std::optional<std::string> BearerToken(const std::string& authorization);

}  // namespace notify_host

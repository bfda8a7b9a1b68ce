#include "service/api_key.hpp"

#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <openssl/sha.h>

#include <stdexcept>

namespace notify_host {
namespace {

constexpr char kPrefix[] = "nhk_";

std::string Hex(const unsigned char* bytes, std::size_t n) {
  static const char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(n * 2);
  for (std::size_t i = 0; i < n; ++i) {
    out += kHex[bytes[i] >> 4];
    out += kHex[bytes[i] & 0x0F];
  }
  return out;
}

std::string RandomHex(std::size_t bytes) {
  unsigned char buf[64];
  if (bytes > sizeof buf || RAND_bytes(buf, static_cast<int>(bytes)) != 1)
    throw std::runtime_error("no randomness available for a new API key");
  std::string hex = Hex(buf, bytes);
  OPENSSL_cleanse(buf, sizeof buf);
  return hex;
}

bool IsHex(const std::string& s) {
  return !s.empty() && s.find_first_not_of("0123456789abcdef") == std::string::npos;
}

}  // namespace

NewApiKey MakeApiKey() {
  NewApiKey k;
  k.id = RandomHex(8);
  k.key = kPrefix + k.id + "_" + RandomHex(32);
  k.hash = HashApiKey(k.key);
  return k;
}

std::string HashApiKey(const std::string& key) {
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(key.data()), key.size(), digest);
  return Hex(digest, sizeof digest);
}

std::optional<std::string> ApiKeyId(const std::string& key) {
  const std::string prefix = kPrefix;
  if (key.size() != prefix.size() + 16 + 1 + 64 || key.compare(0, prefix.size(), prefix) != 0)
    return std::nullopt;
  std::string id = key.substr(prefix.size(), 16);
  if (key[prefix.size() + 16] != '_' || !IsHex(id) || !IsHex(key.substr(prefix.size() + 17)))
    return std::nullopt;
  return id;
}

bool ApiKeyMatches(const std::string& key, const std::string& stored_hash) {
  const std::string presented = HashApiKey(key);
  if (stored_hash.size() != presented.size()) return false;
  return CRYPTO_memcmp(presented.data(), stored_hash.data(), presented.size()) == 0;
}

std::optional<std::string> BearerToken(const std::string& authorization) {
  const std::string scheme = "bearer ";
  if (authorization.size() <= scheme.size()) return std::nullopt;
  for (std::size_t i = 0; i < scheme.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(authorization[i])) != scheme[i])
      return std::nullopt;
  }
  std::string token = authorization.substr(scheme.size());
  auto first = token.find_first_not_of(' ');
  if (first == std::string::npos) return std::nullopt;
  token = token.substr(first);
  while (!token.empty() && token.back() == ' ') token.pop_back();
  return token;
}

}  // namespace notify_host

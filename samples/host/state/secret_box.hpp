#pragma once
// Secrets at rest (docs/security.md, "The host key"): AES-256-GCM with the
// host key, a random 96-bit nonce per value, and the row the value belongs to
// (ruleset name and field key) as associated data, so a value copied into
// another row does not decrypt.
#include <array>
#include <cstdint>
#include <optional>
#include <string>

namespace notify_host::state {

constexpr std::size_t kHostKeyBytes = 32;
using HostKey = std::array<unsigned char, kHostKeyBytes>;

class SecretBox {
 public:
  explicit SecretBox(const HostKey& key) : key_(key) {}
  ~SecretBox();
  SecretBox(const SecretBox&) = delete;
  SecretBox& operator=(const SecretBox&) = delete;

  // "gcm1:" + base64(nonce | ciphertext | tag). Throws std::runtime_error only
  // when OpenSSL fails (no randomness).
  std::string Seal(const std::string& plaintext, const std::string& associated) const;
  // The plaintext, or nullopt when `sealed` is not ours, was made with another
  // key or for another row, or was changed.
  std::optional<std::string> Open(const std::string& sealed, const std::string& associated) const;

  // The associated data of a ruleset's setting.
  static std::string SettingContext(const std::string& ruleset, const std::string& key);

 private:
  HostKey key_;
};

}  // namespace notify_host::state

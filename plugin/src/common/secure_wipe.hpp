#pragma once
// Overwrites memory that held a secret (the client secret in a form body,
// an access token, its XOAUTH2 form) before it is freed, so that it does not
// linger in freed heap for a core dump or a later read to find. Only what the
// plugin owns can be wiped: copies inside Poco's stream buffers, OpenSSL's
// record buffers and the kernel's socket buffers are out of reach.
#include <openssl/crypto.h>

#include <cstddef>
#include <string>

namespace m365 {

// Overwrites every byte of `text`'s buffer (up to its capacity) and empties it.
inline void SecureWipe(std::string& text) noexcept {
  if (text.capacity() > 0) {
    text.resize(text.capacity());
    OPENSSL_cleanse(&text[0], text.size());
  }
  text.clear();
}

inline void SecureWipe(void* bytes, std::size_t size) noexcept { OPENSSL_cleanse(bytes, size); }

// Wipes a string or a buffer when the scope ends, also on an exception.
class ScopedWipe {
 public:
  explicit ScopedWipe(std::string& text) : text_(&text) {}
  ScopedWipe(void* bytes, std::size_t size) : bytes_(bytes), size_(size) {}
  ~ScopedWipe() {
    if (text_ != nullptr) SecureWipe(*text_);
    if (bytes_ != nullptr) SecureWipe(bytes_, size_);
  }
  ScopedWipe(const ScopedWipe&) = delete;
  ScopedWipe& operator=(const ScopedWipe&) = delete;

 private:
  std::string* text_ = nullptr;
  void* bytes_ = nullptr;
  std::size_t size_ = 0;
};

}  // namespace m365

// AES-256-GCM through OpenSSL's EVP interface directly: Poco::Crypto's Cipher
// has no associated-data input in Poco 1.11, and the associated data is what
// binds a value to its row.
#include "state/secret_box.hpp"

#include <Poco/Base64Decoder.h>
#include <Poco/Base64Encoder.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include <memory>
#include <sstream>
#include <stdexcept>

namespace notify_host::state {
namespace {

constexpr char kPrefix[] = "gcm1:";
constexpr std::size_t kNonceBytes = 12;
constexpr std::size_t kTagBytes = 16;

using CipherContext = std::unique_ptr<EVP_CIPHER_CTX, decltype(&EVP_CIPHER_CTX_free)>;

std::string Base64(const std::string& bytes) {
  std::ostringstream out;
  Poco::Base64Encoder encoder(out);
  encoder.rdbuf()->setLineLength(0);
  encoder << bytes;
  encoder.close();
  return out.str();
}

std::optional<std::string> FromBase64(const std::string& text) {
  try {
    std::istringstream in(text);
    Poco::Base64Decoder decoder(in);
    std::string bytes((std::istreambuf_iterator<char>(decoder)), std::istreambuf_iterator<char>());
    return bytes;
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

const unsigned char* Bytes(const std::string& s) {
  return reinterpret_cast<const unsigned char*>(s.data());
}

}  // namespace

SecretBox::~SecretBox() { OPENSSL_cleanse(key_.data(), key_.size()); }

std::string SecretBox::SettingContext(const std::string& ruleset, const std::string& key) {
  std::string context = "notify-host setting";
  context.push_back('\0');
  context += ruleset;
  context.push_back('\0');
  context += key;
  return context;
}

std::string SecretBox::Seal(const std::string& plaintext, const std::string& associated) const {
  std::string nonce(kNonceBytes, '\0');
  if (RAND_bytes(reinterpret_cast<unsigned char*>(nonce.data()), kNonceBytes) != 1)
    throw std::runtime_error("no random bytes for a nonce");
  CipherContext ctx(EVP_CIPHER_CTX_new(), EVP_CIPHER_CTX_free);
  std::string out(plaintext.size() + kTagBytes, '\0');
  auto* o = reinterpret_cast<unsigned char*>(out.data());
  int len = 0;
  bool ok =
      ctx && EVP_EncryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, nullptr, nullptr) == 1 &&
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_IVLEN, kNonceBytes, nullptr) == 1 &&
      EVP_EncryptInit_ex(ctx.get(), nullptr, nullptr, key_.data(), Bytes(nonce)) == 1 &&
      EVP_EncryptUpdate(ctx.get(), nullptr, &len, Bytes(associated),
                        static_cast<int>(associated.size())) == 1 &&
      EVP_EncryptUpdate(ctx.get(), o, &len, Bytes(plaintext), static_cast<int>(plaintext.size())) ==
          1;
  int total = len;
  ok = ok && EVP_EncryptFinal_ex(ctx.get(), o + total, &len) == 1;
  total += len;
  ok = ok && EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_GET_TAG, kTagBytes, o + total) == 1;
  if (!ok) throw std::runtime_error("AES-256-GCM encryption failed");
  out.resize(static_cast<std::size_t>(total) + kTagBytes);
  return kPrefix + Base64(nonce + out);
}

std::optional<std::string> SecretBox::Open(const std::string& sealed,
                                           const std::string& associated) const {
  if (sealed.rfind(kPrefix, 0) != 0) return std::nullopt;
  auto raw = FromBase64(sealed.substr(sizeof kPrefix - 1));
  if (!raw || raw->size() < kNonceBytes + kTagBytes) return std::nullopt;
  const std::string nonce = raw->substr(0, kNonceBytes);
  std::string tag = raw->substr(raw->size() - kTagBytes);
  const std::string cipher = raw->substr(kNonceBytes, raw->size() - kNonceBytes - kTagBytes);
  CipherContext ctx(EVP_CIPHER_CTX_new(), EVP_CIPHER_CTX_free);
  std::string plain(cipher.size(), '\0');
  auto* p = reinterpret_cast<unsigned char*>(plain.data());
  int len = 0;
  bool ok =
      ctx && EVP_DecryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, nullptr, nullptr) == 1 &&
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_IVLEN, kNonceBytes, nullptr) == 1 &&
      EVP_DecryptInit_ex(ctx.get(), nullptr, nullptr, key_.data(), Bytes(nonce)) == 1 &&
      EVP_DecryptUpdate(ctx.get(), nullptr, &len, Bytes(associated),
                        static_cast<int>(associated.size())) == 1 &&
      EVP_DecryptUpdate(ctx.get(), p, &len, Bytes(cipher), static_cast<int>(cipher.size())) == 1 &&
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_TAG, kTagBytes, tag.data()) == 1;
  int total = len;
  ok = ok && EVP_DecryptFinal_ex(ctx.get(), p + total, &len) == 1;
  if (!ok) {
    OPENSSL_cleanse(plain.data(), plain.size());
    return std::nullopt;
  }
  plain.resize(static_cast<std::size_t>(total + len));
  return plain;
}

}  // namespace notify_host::state

// OpenSSL's EVP API directly, not Poco::Crypto: checking that the key belongs
// to the certificate, refusing an encrypted key without a passphrase prompt,
// the DER thumbprints and RSA-PSS signing (JWS PS256) are not offered by
// Poco 1.11's Crypto classes, and one library per file keeps the key in one
// place.
#include "credential/client_certificate.hpp"

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>
#include <sys/stat.h>

#include <cstdio>
#include <ctime>
#include <filesystem>
#include <fstream>

#include "token/jwt_claims.hpp"

namespace m365 {
namespace {

using notify::sdk::Status;

constexpr std::size_t kMaxFileBytes = 1 << 20;

std::string Hex(const unsigned char* data, std::size_t size) {
  static const char kDigits[] = "0123456789ABCDEF";
  std::string out;
  for (std::size_t i = 0; i < size; ++i) {
    out.push_back(kDigits[data[i] >> 4]);
    out.push_back(kDigits[data[i] & 0x0f]);
  }
  return out;
}

std::chrono::system_clock::time_point ToTimePoint(const ASN1_TIME* t) {
  std::tm tm{};
  if (!t || ASN1_TIME_to_tm(t, &tm) != 1) return {};
  return std::chrono::system_clock::from_time_t(timegm(&tm));
}

// A passphrase callback that gives none: OpenSSL's default would prompt on
// the terminal for an encrypted key and block Save.
int NoPassphrase(char*, int, int, void*) { return -1; }

const char kMakeOne[] =
    "Give a PEM file holding the certificate and its unencrypted RSA private key, for example "
    "made with: openssl req -x509 -newkey rsa:2048 -sha256 -days 365 -nodes -subj "
    "\"/CN=notify-host\" -keyout key.pem -out cert.pem && cat cert.pem key.pem > "
    "notify-host.pem && chmod 600 notify-host.pem; then upload cert.pem under App registrations "
    "> your app > Certificates & secrets > Certificates.";

Status FileError(const std::string& what) {
  return Status::InvalidArgument("Certificate: " + what, kMakeOne);
}

struct BioFree {
  void operator()(BIO* b) const { BIO_free(b); }
};
struct X509Free {
  void operator()(X509* x) const { X509_free(x); }
};
struct PkeyFree {
  void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }
};
struct MdCtxFree {
  void operator()(EVP_MD_CTX* c) const { EVP_MD_CTX_free(c); }
};

}  // namespace

struct ClientCertificate::Key {
  std::unique_ptr<EVP_PKEY, PkeyFree> pkey;
};

ClientCertificate::ClientCertificate(std::unique_ptr<Key> key, CertificateFacts facts)
    : key_(std::move(key)), facts_(std::move(facts)) {}

ClientCertificate::~ClientCertificate() = default;

notify::sdk::StatusOr<std::shared_ptr<const ClientCertificate>> ClientCertificate::Load(
    const std::string& path) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) return FileError("no file '" + path + "'");
  // Only a regular file: a FIFO would block Save until someone writes to it.
  if (!std::filesystem::is_regular_file(path, ec))
    return FileError("'" + path + "' is not a regular file");
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return Status::InvalidArgument(
        "Certificate: cannot read '" + path + "'",
        "Let the host's service account read the file (and nobody else: chmod 600), or give "
        "another path.");
  }
  std::string pem(kMaxFileBytes + 1, '\0');
  in.read(&pem[0], static_cast<std::streamsize>(pem.size()));
  pem.resize(static_cast<std::size_t>(in.gcount()));
  if (pem.size() > kMaxFileBytes) return FileError("'" + path + "' is larger than 1 MiB");

  std::unique_ptr<BIO, BioFree> bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  std::unique_ptr<X509, X509Free> cert(
      PEM_read_bio_X509(bio.get(), nullptr, NoPassphrase, nullptr));
  if (!cert)
    return FileError("'" + path + "' holds no PEM certificate (-----BEGIN CERTIFICATE-----)");
  bio.reset(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  std::unique_ptr<EVP_PKEY, PkeyFree> key(
      PEM_read_bio_PrivateKey(bio.get(), nullptr, NoPassphrase, nullptr));
  // "ENCRYPTED PRIVATE KEY" or "Proc-Type: 4,ENCRYPTED": the PEM labels only.
  const bool encrypted = pem.find("ENCRYPTED") != std::string::npos;
  // Wipe the copy of the key text; only the parsed key stays.
  OPENSSL_cleanse(&pem[0], pem.size());
  if (!key && encrypted) {
    return FileError("the private key in '" + path +
                     "' is encrypted; the host has no passphrase to give (convert it with: "
                     "openssl pkey -in key.pem -out plain-key.pem, and keep the file chmod 600)");
  }
  if (!key) return FileError("'" + path + "' holds the certificate but no private key");
  if (EVP_PKEY_base_id(key.get()) != EVP_PKEY_RSA) {
    return Status::InvalidArgument(
        "Certificate: the private key in '" + path + "' is not an RSA key",
        "Microsoft Entra ID signs in apps with RSA certificates: create an RSA key (openssl req "
        "-x509 -newkey rsa:2048 ...) and upload its certificate.");
  }
  if (X509_check_private_key(cert.get(), key.get()) != 1) {
    return Status::InvalidArgument(
        "Certificate: the private key in '" + path + "' does not belong to its certificate",
        "Put the certificate and the private key it was made with into the file (cat cert.pem "
        "key.pem > notify-host.pem).");
  }
  CertificateFacts facts;
  unsigned char* der = nullptr;
  int der_len = i2d_X509(cert.get(), &der);
  if (der_len <= 0) return FileError("'" + path + "': the certificate cannot be encoded");
  unsigned char sha256[32];
  unsigned char sha1[20];
  EVP_Digest(der, static_cast<std::size_t>(der_len), sha256, nullptr, EVP_sha256(), nullptr);
  EVP_Digest(der, static_cast<std::size_t>(der_len), sha1, nullptr, EVP_sha1(), nullptr);
  OPENSSL_free(der);
  facts.x5t_s256 =
      EncodeBase64Url(std::string(reinterpret_cast<const char*>(sha256), sizeof sha256));
  facts.sha1_thumbprint = Hex(sha1, sizeof sha1);
  char subject[256] = {0};
  X509_NAME_oneline(X509_get_subject_name(cert.get()), subject, sizeof subject - 1);
  facts.subject = subject;
  facts.not_before = ToTimePoint(X509_get0_notBefore(cert.get()));
  facts.not_after = ToTimePoint(X509_get0_notAfter(cert.get()));
  auto owned = std::make_unique<Key>();
  owned->pkey = std::move(key);
  return std::shared_ptr<const ClientCertificate>(
      new ClientCertificate(std::move(owned), std::move(facts)));
}

notify::sdk::StatusOr<std::string> ClientCertificate::SignPs256(const std::string& data) const {
  std::unique_ptr<EVP_MD_CTX, MdCtxFree> ctx(EVP_MD_CTX_new());
  EVP_PKEY_CTX* pctx = nullptr;  // owned by ctx
  std::string signature;
  std::size_t length = 0;
  if (!ctx || EVP_DigestSignInit(ctx.get(), &pctx, EVP_sha256(), nullptr, key_->pkey.get()) != 1 ||
      EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) != 1 ||
      // RFC 7518 3.5: the salt is as long as the hash.
      EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, 32) != 1 ||
      EVP_DigestSign(ctx.get(), nullptr, &length,
                     reinterpret_cast<const unsigned char*>(data.data()), data.size()) != 1) {
    return Status::Internal("the client assertion could not be signed (OpenSSL)");
  }
  signature.resize(length);
  if (EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(&signature[0]), &length,
                     reinterpret_cast<const unsigned char*>(data.data()), data.size()) != 1) {
    return Status::Internal("the client assertion could not be signed (OpenSSL)");
  }
  signature.resize(length);
  return signature;
}

std::string FormatUtc(std::chrono::system_clock::time_point t) {
  std::time_t seconds = std::chrono::system_clock::to_time_t(t);
  std::tm tm{};
  gmtime_r(&seconds, &tm);
  char text[40];
  std::strftime(text, sizeof text, "%Y-%m-%d %H:%M:%S UTC", &tm);
  return text;
}

Status CheckValidity(const CertificateFacts& facts, std::chrono::system_clock::time_point now) {
  if (now >= facts.not_after) {
    return Status::FailedPrecondition(
        "Certificate: expired on " + FormatUtc(facts.not_after) + " (thumbprint " +
            facts.sha1_thumbprint + ")",
        std::string("Create a new certificate and key, upload the certificate under App "
                    "registrations > your app > Certificates & secrets > Certificates, point "
                    "certificate_file at the new PEM file and Save again; then delete the old "
                    "certificate there. ") +
            kMakeOne);
  }
  if (now < facts.not_before) {
    return Status::FailedPrecondition(
        "Certificate: not valid before " + FormatUtc(facts.not_before) + " (thumbprint " +
            facts.sha1_thumbprint + ")",
        "Check this host's clock (timedatectl), or use a certificate that is already valid.");
  }
  return Status::Ok();
}

bool ReadableByOthers(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return false;
  return (st.st_mode & (S_IRGRP | S_IROTH)) != 0;
}

}  // namespace m365

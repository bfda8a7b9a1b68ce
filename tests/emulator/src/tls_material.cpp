// Certificates with the OpenSSL C API (no `openssl` process, no files in git).
// EC P-256 keeps generation at a few milliseconds per test.
#include "tls_material.hpp"

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <sys/stat.h>

#include <cstdio>
#include <filesystem>
#include <memory>
#include <stdexcept>
#include <string>

#include "m365emu/client_certificates.hpp"

namespace m365emu::detail {
namespace {

struct KeyFree {
  void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }
};
struct CertFree {
  void operator()(X509* c) const { X509_free(c); }
};
using KeyPtr = std::unique_ptr<EVP_PKEY, KeyFree>;
using CertPtr = std::unique_ptr<X509, CertFree>;

[[noreturn]] void Fail(const std::string& what) {
  throw std::runtime_error("emulator TLS material: " + what);
}

KeyPtr NewKey() {
  KeyPtr key(EVP_EC_gen("P-256"));
  if (!key) Fail("EC key generation failed");
  return key;
}

void AddExt(X509* cert, X509* issuer, int nid, const char* value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
  X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value);
  if (!ext) Fail(std::string("extension ") + OBJ_nid2sn(nid));
  X509_add_ext(cert, ext, -1);
  X509_EXTENSION_free(ext);
}

// Signs a certificate for `subject_cn`. issuer == nullptr: self-signed CA.
CertPtr MakeCert(EVP_PKEY* key, const std::string& subject_cn, X509* issuer, EVP_PKEY* issuer_key,
                 bool is_ca, long not_before_offset, long not_after_offset,
                 const std::string& dns_name) {
  CertPtr cert(X509_new());
  X509* c = cert.get();
  X509_set_version(c, 2);
  unsigned char serial[16];
  RAND_bytes(serial, sizeof serial);
  serial[0] &= 0x7f;
  BIGNUM* bn = BN_bin2bn(serial, sizeof serial, nullptr);
  BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(c));
  BN_free(bn);
  X509_gmtime_adj(X509_getm_notBefore(c), not_before_offset);
  X509_gmtime_adj(X509_getm_notAfter(c), not_after_offset);
  X509_set_pubkey(c, key);
  X509_NAME* name = X509_get_subject_name(c);
  X509_NAME_add_entry_by_txt(name, "O", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>("m365 emulator (test only)"),
                             -1, -1, 0);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>(subject_cn.c_str()), -1, -1, 0);
  X509* signer = issuer ? issuer : c;
  X509_set_issuer_name(c, X509_get_subject_name(signer));
  AddExt(c, signer, NID_subject_key_identifier, "hash");
  if (issuer) AddExt(c, signer, NID_authority_key_identifier, "keyid:always");
  if (is_ca) {
    AddExt(c, signer, NID_basic_constraints, "critical,CA:TRUE,pathlen:0");
    AddExt(c, signer, NID_key_usage, "critical,keyCertSign,cRLSign");
  } else if (dns_name.empty()) {  // an app's client certificate: no name to check
    AddExt(c, signer, NID_basic_constraints, "critical,CA:FALSE");
    AddExt(c, signer, NID_key_usage, "critical,digitalSignature");
    AddExt(c, signer, NID_ext_key_usage, "clientAuth");
  } else {
    AddExt(c, signer, NID_basic_constraints, "critical,CA:FALSE");
    AddExt(c, signer, NID_key_usage, "critical,digitalSignature");
    AddExt(c, signer, NID_ext_key_usage, "serverAuth");
    // DNS name only: no IP address SAN, so clients must connect by name.
    AddExt(c, signer, NID_subject_alt_name, ("DNS:" + dns_name).c_str());
  }
  if (!X509_sign(c, issuer_key ? issuer_key : key, EVP_sha256())) Fail("signing failed");
  return cert;
}

void WritePem(const std::string& path, X509* cert) {
  FILE* f = std::fopen(path.c_str(), "wb");
  if (!f) Fail("cannot write " + path);
  bool ok = PEM_write_X509(f, cert) == 1;
  std::fclose(f);
  if (!ok) Fail("cannot write " + path);
}

void WriteKey(const std::string& path, EVP_PKEY* key) {
  std::remove(path.c_str());
  FILE* f = std::fopen(path.c_str(), "wb");
  if (!f) Fail("cannot write " + path);
  ::chmod(path.c_str(), 0600);
  bool ok = PEM_write_PrivateKey(f, key, nullptr, nullptr, 0, nullptr, nullptr) == 1;
  std::fclose(f);
  if (!ok) Fail("cannot write " + path);
}

}  // namespace

TlsMaterial GenerateTlsMaterial(const std::string& dir) {
  ::mkdir(dir.c_str(), 0700);
  struct stat st;
  if (::stat(dir.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) Fail("cannot create " + dir);

  const long kDay = 24L * 3600L;
  TlsMaterial m;
  m.ca_cert = dir + "/ca.pem";
  m.server_cert = dir + "/localhost.pem";
  m.server_key = dir + "/localhost.key";
  m.wrong_name_cert = dir + "/wrong-name.pem";
  m.wrong_name_key = dir + "/wrong-name.key";
  m.expired_cert = dir + "/expired.pem";
  m.expired_key = dir + "/expired.key";
  m.other_ca_cert = dir + "/other-ca.pem";
  m.untrusted_cert = dir + "/untrusted.pem";
  m.untrusted_key = dir + "/untrusted.key";

  KeyPtr ca_key = NewKey();
  CertPtr ca =
      MakeCert(ca_key.get(), "m365 emulator test CA", nullptr, nullptr, true, -kDay, 30 * kDay, "");
  KeyPtr other_ca_key = NewKey();
  CertPtr other_ca = MakeCert(other_ca_key.get(), "m365 emulator untrusted CA", nullptr, nullptr,
                              true, -kDay, 30 * kDay, "");

  struct Leaf {
    const std::string& cert_path;
    const std::string& key_path;
    const char* dns;
    X509* issuer;
    EVP_PKEY* issuer_key;
    long not_before, not_after;
  };
  const Leaf leaves[] = {
      {m.server_cert, m.server_key, "localhost", ca.get(), ca_key.get(), -3600, 30 * kDay},
      {m.wrong_name_cert, m.wrong_name_key, "wrong.example.test", ca.get(), ca_key.get(), -3600,
       30 * kDay},
      {m.expired_cert, m.expired_key, "localhost", ca.get(), ca_key.get(), -10 * kDay, -kDay},
      {m.untrusted_cert, m.untrusted_key, "localhost", other_ca.get(), other_ca_key.get(), -3600,
       30 * kDay},
  };
  for (const Leaf& l : leaves) {
    KeyPtr key = NewKey();
    CertPtr cert =
        MakeCert(key.get(), l.dns, l.issuer, l.issuer_key, false, l.not_before, l.not_after, l.dns);
    WriteKey(l.key_path, key.get());
    WritePem(l.cert_path, cert.get());
  }
  WritePem(m.ca_cert, ca.get());
  WritePem(m.other_ca_cert, other_ca.get());
  return m;
}

}  // namespace m365emu::detail

namespace m365emu {

ClientCertificateFiles MakeClientCertificate(const std::string& dir, const std::string& name,
                                             const ClientCertificateOptions& options) {
  using namespace detail;
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  ::chmod(dir.c_str(), 0700);
  KeyPtr key(options.rsa ? EVP_RSA_gen(2048) : EVP_EC_gen("P-256"));
  if (!key) Fail("client key generation failed");
  CertPtr cert = MakeCert(key.get(), name, nullptr, nullptr, false, options.not_before_offset_s,
                          options.not_after_offset_s, "");
  ClientCertificateFiles files;
  files.cert_file = dir + "/" + name + ".crt";
  files.key_file = dir + "/" + name + ".key";
  files.pem_file = dir + "/" + name + ".pem";
  WritePem(files.cert_file, cert.get());
  WriteKey(files.key_file, key.get());
  WriteKey(files.pem_file, key.get());
  {
    FILE* f = std::fopen(files.pem_file.c_str(), "ab");
    if (!f) Fail("cannot write " + files.pem_file);
    bool ok = PEM_write_X509(f, cert.get()) == 1;
    std::fclose(f);
    if (!ok) Fail("cannot write " + files.pem_file);
  }
  BIO* bio = BIO_new(BIO_s_mem());
  PEM_write_bio_X509(bio, cert.get());
  char* data = nullptr;
  long size = BIO_get_mem_data(bio, &data);
  files.cert_pem.assign(data, static_cast<std::size_t>(size));
  BIO_free(bio);
  return files;
}

}  // namespace m365emu

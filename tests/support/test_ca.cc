#include "support/test_ca.h"

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <ctime>
#include <stdexcept>

namespace dnsprop::test {
namespace {

struct Free {
  void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
  void operator()(X509* x) const { X509_free(x); }
  void operator()(X509_EXTENSION* e) const { X509_EXTENSION_free(e); }
  void operator()(BIO* b) const { BIO_free(b); }
  void operator()(BIGNUM* b) const { BN_free(b); }
};
using KeyPtr = std::unique_ptr<EVP_PKEY, Free>;
using CertPtr = std::unique_ptr<X509, Free>;
using ExtPtr = std::unique_ptr<X509_EXTENSION, Free>;
using BioPtr = std::unique_ptr<BIO, Free>;
using BnPtr = std::unique_ptr<BIGNUM, Free>;

[[noreturn]] void fail(const std::string& what) {
  char buf[256] = "no OpenSSL error";
  if (unsigned long e = ERR_peek_last_error()) ERR_error_string_n(e, buf, sizeof buf);
  ERR_clear_error();
  throw std::runtime_error("test CA: " + what + ": " + buf);
}

void check(int ok, const std::string& what) {
  if (ok != 1) fail(what);
}

KeyPtr newKey() {
  KeyPtr key(EVP_EC_gen("P-256"));
  if (!key) fail("EVP_EC_gen");
  return key;
}

std::string bioText(BIO* bio) {
  char* data = nullptr;
  const long len = BIO_get_mem_data(bio, &data);
  return len > 0 ? std::string(data, static_cast<std::size_t>(len)) : std::string();
}

std::string pemOf(X509* cert) {
  BioPtr bio(BIO_new(BIO_s_mem()));
  if (!bio) fail("BIO_new");
  check(PEM_write_bio_X509(bio.get(), cert), "PEM_write_bio_X509");
  return bioText(bio.get());
}

std::string keyPem(EVP_PKEY* key) {
  BioPtr bio(BIO_new(BIO_s_mem()));
  if (!bio) fail("BIO_new");
  check(PEM_write_bio_PrivateKey(bio.get(), key, nullptr, nullptr, 0, nullptr, nullptr),
        "PEM_write_bio_PrivateKey");
  return bioText(bio.get());
}

// One extension, in `openssl x509 -extfile` syntax; `issuer` null for self-signed.
void addExt(X509* cert, X509* issuer, int nid, const std::string& value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, issuer != nullptr ? issuer : cert, cert, nullptr, nullptr, 0);
  ExtPtr ext(X509V3_EXT_conf_nid(nullptr, &ctx, nid, value.c_str()));
  if (!ext) fail("extension " + std::string(OBJ_nid2sn(nid)) + "=" + value);
  check(X509_add_ext(cert, ext.get(), -1), "X509_add_ext");
}

// A new certificate with a random serial, subject CN (and O), validity and public key.
CertPtr newCert(const std::string& org, const std::string& cn, EVP_PKEY* key,
                std::chrono::seconds from, std::chrono::seconds until) {
  CertPtr cert(X509_new());
  if (!cert) fail("X509_new");
  check(X509_set_version(cert.get(), X509_VERSION_3), "X509_set_version");
  BnPtr serial(BN_new());
  if (!serial) fail("BN_new");
  check(BN_rand(serial.get(), 63, BN_RAND_TOP_ANY, BN_RAND_BOTTOM_ANY), "BN_rand");
  if (BN_to_ASN1_INTEGER(serial.get(), X509_get_serialNumber(cert.get())) == nullptr) {
    fail("BN_to_ASN1_INTEGER");
  }
  if (X509_gmtime_adj(X509_getm_notBefore(cert.get()), static_cast<long>(from.count())) == nullptr ||
      X509_gmtime_adj(X509_getm_notAfter(cert.get()), static_cast<long>(until.count())) == nullptr) {
    fail("X509_gmtime_adj");
  }
  X509_NAME* name = X509_get_subject_name(cert.get());
  if (!org.empty()) {
    check(X509_NAME_add_entry_by_txt(name, "O", MBSTRING_UTF8,
                                     reinterpret_cast<const unsigned char*>(org.c_str()), -1, -1, 0),
          "subject O");
  }
  check(X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8,
                                   reinterpret_cast<const unsigned char*>(cn.c_str()), -1, -1, 0),
        "subject CN");
  check(X509_set_pubkey(cert.get(), key), "X509_set_pubkey");
  return cert;
}

WallTime wallTime(const ASN1_TIME* t) {
  std::tm tm{};
  if (ASN1_TIME_to_tm(t, &tm) != 1) fail("ASN1_TIME_to_tm");
  return WallTime(std::chrono::seconds(::timegm(&tm)));
}

}  // namespace

struct TestCa::Keys {
  KeyPtr key;
  CertPtr cert;
};

TestCa::TestCa(const std::string& common_name) : keys_(std::make_unique<Keys>()) {
  keys_->key = newKey();
  keys_->cert = newCert("dnsprop tests", common_name, keys_->key.get(), -std::chrono::hours(1),
                        std::chrono::hours(24 * 3650));
  X509* c = keys_->cert.get();
  check(X509_set_issuer_name(c, X509_get_subject_name(c)), "X509_set_issuer_name");
  addExt(c, nullptr, NID_basic_constraints, "critical,CA:TRUE");
  addExt(c, nullptr, NID_key_usage, "critical,keyCertSign,cRLSign");
  addExt(c, nullptr, NID_subject_key_identifier, "hash");
  addExt(c, nullptr, NID_authority_key_identifier, "keyid:always");
  if (X509_sign(c, keys_->key.get(), EVP_sha256()) <= 0) fail("X509_sign (CA)");
  cert_pem_ = pemOf(c);
}

TestCa::~TestCa() = default;

std::string TestCa::subjectOneLine() const {
  BioPtr bio(BIO_new(BIO_s_mem()));
  if (!bio) fail("BIO_new");
  X509_NAME_print_ex(bio.get(), X509_get_subject_name(keys_->cert.get()), 0,
                     (XN_FLAG_ONELINE & ~ASN1_STRFLGS_ESC_MSB) | ASN1_STRFLGS_UTF8_CONVERT);
  return bioText(bio.get());
}

IssuedCert TestCa::issue(const LeafSpec& spec) const {
  if (spec.dns_names.empty()) throw std::invalid_argument("test CA: a leaf needs a DNS name");
  KeyPtr key = newKey();
  CertPtr cert = newCert("", spec.dns_names.front(), key.get(), spec.valid_from, spec.valid_until);
  X509* c = cert.get();
  X509* ca = keys_->cert.get();
  check(X509_set_issuer_name(c, X509_get_subject_name(ca)), "X509_set_issuer_name");
  std::string san;
  for (const auto& n : spec.dns_names) san += (san.empty() ? "DNS:" : ",DNS:") + n;
  addExt(c, ca, NID_basic_constraints, "critical,CA:FALSE");
  addExt(c, ca, NID_key_usage, "critical,digitalSignature");
  addExt(c, ca, NID_ext_key_usage, "serverAuth");
  addExt(c, ca, NID_subject_alt_name, san);
  addExt(c, ca, NID_subject_key_identifier, "hash");
  addExt(c, ca, NID_authority_key_identifier, "keyid:always");
  if (X509_sign(c, keys_->key.get(), EVP_sha256()) <= 0) fail("X509_sign (leaf)");
  IssuedCert out;
  out.cert_pem = pemOf(c);
  out.key_pem = keyPem(key.get());
  out.not_before = wallTime(X509_get0_notBefore(c));
  out.not_after = wallTime(X509_get0_notAfter(c));
  return out;
}

}  // namespace dnsprop::test

#include "servers/cert_judge.h"

#include <arpa/inet.h>
#include <openssl/asn1.h>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/x509v3.h>

#include <ctime>
#include <memory>
#include <stdexcept>
#include <string>

namespace dnsprop::servers {
namespace {

struct BioFree {
  void operator()(BIO* b) const { BIO_free(b); }
};
struct StoreCtxFree {
  void operator()(X509_STORE_CTX* c) const { X509_STORE_CTX_free(c); }
};
struct GeneralNamesFree {
  void operator()(GENERAL_NAMES* n) const { GENERAL_NAMES_free(n); }
};

// The last OpenSSL error queued on this thread, as text (left in the queue).
std::string lastOpensslError() {
  const unsigned long last = ERR_peek_last_error();
  if (last == 0) return "unknown OpenSSL error";
  char buf[256];
  ERR_error_string_n(last, buf, sizeof buf);
  return buf;
}

std::optional<WallTime> toWallTime(const ASN1_TIME* t) {
  if (t == nullptr) return std::nullopt;
  std::tm tm{};
  if (ASN1_TIME_to_tm(t, &tm) != 1) return std::nullopt;
  const std::time_t secs = ::timegm(&tm);
  return WallTime(std::chrono::seconds(secs));
}

std::string asn1Text(const ASN1_STRING* s) {
  unsigned char* raw = nullptr;
  const int n = ASN1_STRING_to_UTF8(&raw, s);
  if (n < 0) return {};
  const std::unique_ptr<unsigned char, void (*)(unsigned char*)> utf8(raw, [](unsigned char* p) { OPENSSL_free(p); });
  return std::string(reinterpret_cast<const char*>(utf8.get()), static_cast<std::size_t>(n));
}

// DNS subjectAltNames; the subject's CNs only when there is no DNS SAN at all.
std::vector<std::string> certNames(X509* leaf) {
  std::vector<std::string> names;
  std::unique_ptr<GENERAL_NAMES, GeneralNamesFree> sans(static_cast<GENERAL_NAMES*>(
      X509_get_ext_d2i(leaf, NID_subject_alt_name, nullptr, nullptr)));
  if (sans) {
    for (int i = 0; i < sk_GENERAL_NAME_num(sans.get()); ++i) {
      const GENERAL_NAME* gn = sk_GENERAL_NAME_value(sans.get(), i);
      if (gn->type == GEN_DNS) names.push_back(asn1Text(gn->d.dNSName));
    }
  }
  if (!names.empty()) return names;
  const X509_NAME* subject = X509_get_subject_name(leaf);
  for (int i = X509_NAME_get_index_by_NID(subject, NID_commonName, -1); i >= 0;
       i = X509_NAME_get_index_by_NID(subject, NID_commonName, i)) {
    names.push_back(asn1Text(X509_NAME_ENTRY_get_data(X509_NAME_get_entry(subject, i))));
  }
  return names;
}

// "C = JP, O = Example, CN = Example CA" (UTF-8, as `openssl x509 -issuer` prints it).
std::string oneLine(const X509_NAME* name) {
  std::unique_ptr<BIO, BioFree> bio(BIO_new(BIO_s_mem()));
  if (!bio) return {};
  const unsigned long flags = (XN_FLAG_ONELINE & ~ASN1_STRFLGS_ESC_MSB) | ASN1_STRFLGS_UTF8_CONVERT;
  if (X509_NAME_print_ex(bio.get(), name, 0, flags) < 0) return {};
  char* data = nullptr;
  const long len = BIO_get_mem_data(bio.get(), &data);
  return len > 0 ? std::string(data, static_cast<std::size_t>(len)) : std::string();
}

bool isIpLiteral(const std::string& host) {
  unsigned char buf[16];
  return ::inet_pton(AF_INET, host.c_str(), buf) == 1 || ::inet_pton(AF_INET6, host.c_str(), buf) == 1;
}

CertFacts judgeMarked(X509* leaf, STACK_OF(X509) * untrusted, const TrustStore& trust,
                      std::string_view host) {
  CertFacts facts;
  facts.not_before = toWallTime(X509_get0_notBefore(leaf));
  facts.not_after = toWallTime(X509_get0_notAfter(leaf));
  facts.names = certNames(leaf);
  facts.issuer = oneLine(X509_get_issuer_name(leaf));

  const std::string h(host);
  if (isIpLiteral(h)) {
    facts.name_matches = X509_check_ip_asc(leaf, h.c_str(), 0) == 1;
  } else {
    facts.name_matches =
        X509_check_host(leaf, h.data(), h.size(),
                        // Names come from the DNS SANs only, as browsers do: a certificate
                        // whose host name is only in the subject CN does not cover it.
                        X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS | X509_CHECK_FLAG_NEVER_CHECK_SUBJECT, nullptr) == 1;
  }

  std::unique_ptr<X509_STORE_CTX, StoreCtxFree> ctx(X509_STORE_CTX_new());
  if (!ctx || X509_STORE_CTX_init(ctx.get(), trust.get(), leaf, untrusted) != 1) {
    facts.chain_error = "cannot set up verification: " + lastOpensslError();
    return facts;
  }
  // The purpose and policy a TLS client applies to a server's chain; without them the
  // chain would be judged for any purpose, so failing to set them fails the chain.
  if (X509_STORE_CTX_set_default(ctx.get(), "ssl_server") != 1) {
    facts.chain_error = "cannot set the ssl_server purpose: " + lastOpensslError();
    return facts;
  }
  const int rc = X509_verify_cert(ctx.get());
  if (rc == 1) {
    facts.chain_ok = true;
  } else {
    // Without a verify callback X509_verify_cert stops at the first error: this is it.
    const int err = X509_STORE_CTX_get_error(ctx.get());
    facts.chain_error = err != X509_V_OK ? X509_verify_cert_error_string(err) : lastOpensslError();
  }
  return facts;
}

}  // namespace

TrustStore::TrustStore(const std::optional<std::filesystem::path>& ca_file) : store_(X509_STORE_new()) {
  if (!store_) throw std::runtime_error("X509_STORE_new: " + lastOpensslError());
  if (ca_file) {
    // X509_STORE_load_file takes every certificate of a PEM file; a file without one
    // fails, so a wrong path or an empty bundle is reported here, not as a failed chain.
    if (X509_STORE_load_file(store_.get(), ca_file->c_str()) != 1) {
      throw std::runtime_error("cannot load CA file " + ca_file->string() + ": " + lastOpensslError());
    }
  } else if (X509_STORE_set_default_paths(store_.get()) != 1) {
    throw std::runtime_error("cannot load the system trust store: " + lastOpensslError());
  }
  ERR_clear_error();  // default paths may queue harmless "no such file" errors
}

CertFacts judgeCertificate(X509* leaf, STACK_OF(X509) * untrusted, const TrustStore& trust,
                           std::string_view host) {
  // This runs inside a handshake (web_probe.cc): leave the thread's error queue as it was.
  ERR_set_mark();
  CertFacts facts = judgeMarked(leaf, untrusted, trust, host);
  ERR_pop_to_mark();
  return facts;
}

}  // namespace dnsprop::servers

/* Two tiny shared modules that let Debian 12's libcivetweb1 (1.15) serve TLS with
 * OpenSSL 3. Built by CMakeLists.txt as libdnsprop-ssl-compat.so (SONAME "libssl.so",
 * DNSPROP_SSL_COMPAT defined) and libdnsprop-crypto-compat.so (SONAME "libcrypto.so");
 * loaded by http/web_server.cc before a TLS server starts. Not linked into anything.
 *
 * Why: civetweb 1.15 was built for the OpenSSL 1.1 API with run-time loading: it calls
 * dlopen("libssl.so") and dlopen("libcrypto.so") and looks every function up with
 * dlsym. OpenSSL 3's libssl.so.3 no longer exports SSL_get_peer_certificate (it became
 * a macro for SSL_get1_peer_certificate), so civetweb refuses to start
 * ("load_tls_dll: libssl.so: cannot find SSL_get_peer_certificate") -- or, if TLS was
 * requested through mg_init_library, crashes calling a null pointer.
 *
 * How: glibc's dlopen() of a bare name first looks among already loaded objects and
 * matches their SONAME. Once web_server.cc has loaded these modules by absolute path,
 * civetweb's dlopen("libssl.so") returns the ssl module, and dlsym() on it searches the
 * module and then its dependency, the real libssl.so.3: every function resolves, the
 * missing one to the definition below. The crypto module only forwards to libcrypto.so.3,
 * so the unversioned libcrypto.so symlink from libssl-dev is not needed at run time. */
#include <openssl/crypto.h>

#if defined(DNSPROP_SSL_COMPAT)
#include <openssl/ssl.h>

#undef SSL_get_peer_certificate
X509 *SSL_get_peer_certificate(const SSL *s);

/* OpenSSL 1.1's SSL_get_peer_certificate already returned a new reference (civetweb
 * frees it), exactly what SSL_get1_peer_certificate does. */
X509 *SSL_get_peer_certificate(const SSL *s) { return SSL_get1_peer_certificate(s); }

#else
/* Keeps libcrypto.so.3 a dependency of this module whatever the linker's --as-needed. */
unsigned int dnsprop_crypto_compat_anchor(void);
unsigned int dnsprop_crypto_compat_anchor(void) { return OPENSSL_version_major(); }
#endif

#include "support/net_util.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

#include "support/unique_fd.h"

namespace dnsprop::test {

sockaddr_storage makeSockaddr(const std::string& addr, std::uint16_t port, socklen_t& len) {
  sockaddr_storage ss{};
  auto* v4 = reinterpret_cast<sockaddr_in*>(&ss);
  auto* v6 = reinterpret_cast<sockaddr_in6*>(&ss);
  if (inet_pton(AF_INET, addr.c_str(), &v4->sin_addr) == 1) {
    if ((ntohl(v4->sin_addr.s_addr) >> 24) != 127) {
      throw std::invalid_argument("test servers use loopback only, not " + addr);
    }
    v4->sin_family = AF_INET;
    v4->sin_port = htons(port);
    len = sizeof(sockaddr_in);
    return ss;
  }
  ss = {};
  if (inet_pton(AF_INET6, addr.c_str(), &v6->sin6_addr) == 1) {
    if (!IN6_IS_ADDR_LOOPBACK(&v6->sin6_addr)) {
      throw std::invalid_argument("test servers use loopback only, not " + addr);
    }
    v6->sin6_family = AF_INET6;
    v6->sin6_port = htons(port);
    len = sizeof(sockaddr_in6);
    return ss;
  }
  throw std::invalid_argument("not a literal IP address: '" + addr + "'");
}

std::uint16_t boundPort(int fd) {
  sockaddr_storage ss{};
  socklen_t len = sizeof ss;
  if (::getsockname(fd, reinterpret_cast<sockaddr*>(&ss), &len) != 0) return 0;
  if (ss.ss_family == AF_INET) return ntohs(reinterpret_cast<sockaddr_in*>(&ss)->sin_port);
  if (ss.ss_family == AF_INET6) return ntohs(reinterpret_cast<sockaddr_in6*>(&ss)->sin6_port);
  return 0;
}

int bindSocket(const std::string& addr, std::uint16_t port, int type) {
  socklen_t len = 0;
  const auto ss = makeSockaddr(addr, port, len);
  UniqueFd fd(::socket(ss.ss_family, type | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
  if (!fd.valid()) return -1;
  if (type == SOCK_STREAM) {
    const int one = 1;
    ::setsockopt(fd.get(), SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  }
  if (::bind(fd.get(), reinterpret_cast<const sockaddr*>(&ss), len) != 0) return -1;
  return fd.release();
}

bool isV6(const std::string& addr) { return addr.find(':') != std::string::npos; }

Endpoint loopbackEndpoint(const std::string& addr, std::uint16_t port) {
  socklen_t len = 0;
  (void)makeSockaddr(addr, port, len);  // loopback check
  auto ep = Endpoint::parse(isV6(addr) ? "[" + addr + "]:" + std::to_string(port)
                                       : addr + ":" + std::to_string(port));
  if (!ep) throw std::invalid_argument("bad address or port: " + addr + " " + std::to_string(port));
  return *ep;
}

}  // namespace dnsprop::test

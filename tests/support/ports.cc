#include "support/ports.h"

#include <sys/socket.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

#include "support/net_util.h"
#include "support/unique_fd.h"

namespace dnsprop::test {

std::uint16_t freeUdpTcpPort(const std::string& addr) {
  socklen_t len = 0;
  (void)makeSockaddr(addr, 0, len);  // validates: literal loopback address, else throws
  for (int attempt = 0; attempt < 200; ++attempt) {
    UniqueFd udp(bindSocket(addr, 0, SOCK_DGRAM));
    if (!udp.valid()) {
      throw std::runtime_error("freeUdpTcpPort: cannot bind UDP on " + addr + ": " +
                               std::strerror(errno));
    }
    const auto port = boundPort(udp.get());
    if (port < 1024) continue;
    // Without SO_REUSEADDR here: a port with connections in TIME_WAIT is not "free".
    socklen_t tlen = 0;
    const auto ss = makeSockaddr(addr, port, tlen);
    UniqueFd tcp(::socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0));
    if (tcp.valid() && ::bind(tcp.get(), reinterpret_cast<const sockaddr*>(&ss), tlen) == 0) {
      return port;
    }
  }
  throw std::runtime_error("freeUdpTcpPort: no port free for both UDP and TCP on " + addr);
}

}  // namespace dnsprop::test

#include "dns/types.h"

#include <string>

namespace dnsprop::dns {

std::string_view toString(Transport t) {
  switch (t) {
    case Transport::Udp: return "udp";
    case Transport::Tcp: return "tcp";
  }
  return "?";
}

QType toQType(RRType t) {
  switch (t) {
    case RRType::A: return qtype::A;
    case RRType::AAAA: return qtype::AAAA;
    case RRType::NS: return qtype::NS;
    case RRType::MX: return qtype::MX;
    case RRType::CNAME: return qtype::CNAME;
  }
  return 0;
}

std::optional<RRType> fromQType(QType code) {
  switch (code) {
    case qtype::A: return RRType::A;
    case qtype::AAAA: return RRType::AAAA;
    case qtype::NS: return RRType::NS;
    case qtype::MX: return RRType::MX;
    case qtype::CNAME: return RRType::CNAME;
    default: return std::nullopt;  // an open set of wire codes, not an enum
  }
}

std::string qtypeName(QType code) {
  switch (code) {
    case qtype::A: return "A";
    case qtype::NS: return "NS";
    case qtype::CNAME: return "CNAME";
    case qtype::SOA: return "SOA";
    case qtype::PTR: return "PTR";
    case qtype::MX: return "MX";
    case qtype::TXT: return "TXT";
    case qtype::AAAA: return "AAAA";
    case qtype::OPT: return "OPT";
    default: return "TYPE" + std::to_string(code);
  }
}

}  // namespace dnsprop::dns

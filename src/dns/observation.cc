#include "dns/observation.h"

namespace dnsprop::dns {

std::string_view toString(Outcome o) {
  switch (o) {
    case Outcome::Answer: return "answer";
    case Outcome::NxDomain: return "nxdomain";
    case Outcome::NoData: return "nodata";
    case Outcome::ServFail: return "servfail";
    case Outcome::Refused: return "refused";
    case Outcome::OtherRcode: return "other_rcode";
    case Outcome::Timeout: return "timeout";
    case Outcome::TruncatedFailed: return "truncated_failed";
    case Outcome::Malformed: return "malformed";
    case Outcome::NetworkError: return "network_error";
    case Outcome::NotAuthoritative: return "not_authoritative";
  }
  return "?";
}

}  // namespace dnsprop::dns

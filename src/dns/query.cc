#include "dns/query.h"

#include <stdexcept>
#include <string>

#include "dns/ldns.h"
#include "dns/wire.h"

namespace dnsprop::dns {
namespace {

[[noreturn]] void fail(std::string_view qname, std::string_view why) {
  throw std::invalid_argument("invalid query name \"" + std::string(qname) + "\": " +
                              std::string(why));
}

}  // namespace

QueryTemplate::QueryTemplate(std::string_view qname, QType qtype, const QueryOptions& options)
    : qtype_(qtype), options_(options) {
  if (!options_.edns && (options_.request_nsid || options_.dnssec_ok)) {
    throw std::invalid_argument("NSID and DO need EDNS");
  }
  if (qname.empty()) fail(qname, "empty");
  // Config-time names are host names: whitespace or control characters are typos, even
  // though ldns would turn them into labels.
  for (unsigned char c : qname) {
    if (c <= 0x20 || c >= 0x7F) fail(qname, "whitespace or non-ASCII character");
  }
  // ldns keeps relative names relative; make every name absolute first. ldns itself
  // rejects empty labels ("a..jp"), labels over 63 and names over 255 octets.
  std::string text(qname);
  if (text.back() != '.') text += '.';
  ldns_rdf* raw_name = nullptr;
  const ldns_status st = ldns_str2rdf_dname(&raw_name, text.c_str());
  RdfPtr name(raw_name);
  if (st != LDNS_STATUS_OK || !name) fail(qname, ldns_get_errorstr_by_id(st));
  ldns_dname2canonical(name.get());  // lower-case: one spelling for matching and display
  qname_wire_.assign(ldns_rdf_data(name.get()), ldns_rdf_data(name.get()) + ldns_rdf_size(name.get()));
  qname_ = wire::nameToText(qname_wire_);

  std::uint16_t flags = 0;
  if (options_.recursion_desired) flags |= LDNS_RD;
  if (options_.checking_disabled) flags |= LDNS_CD;
  // ldns_pkt_query_new takes ownership of the name.
  PktPtr pkt(ldns_pkt_query_new(name.release(), static_cast<ldns_rr_type>(qtype),
                                LDNS_RR_CLASS_IN, flags));
  if (!pkt) throw std::bad_alloc();
  ldns_pkt_set_id(pkt.get(), 0);
  if (options_.edns) {
    ldns_pkt_set_edns_udp_size(pkt.get(), options_.udp_payload_size);
    ldns_pkt_set_edns_do(pkt.get(), options_.dnssec_ok);
    if (options_.request_nsid) {
      // An empty NSID option (RFC 5001 2.1): code 3, length 0.
      static const std::uint8_t kNsidRequest[4] = {0, 3, 0, 0};
      ldns_rdf* data = ldns_rdf_new_frm_data(LDNS_RDF_TYPE_UNKNOWN, sizeof kNsidRequest,
                                             kNsidRequest);
      if (!data) throw std::bad_alloc();
      ldns_pkt_set_edns_data(pkt.get(), data);  // the packet owns it now
    }
  }
  std::uint8_t* raw_wire = nullptr;
  std::size_t size = 0;
  const ldns_status wst = ldns_pkt2wire(&raw_wire, pkt.get(), &size);
  MallocPtr<std::uint8_t> wire_bytes(raw_wire);
  if (wst != LDNS_STATUS_OK || !wire_bytes) {
    throw std::runtime_error(std::string("cannot build query: ") + ldns_get_errorstr_by_id(wst));
  }
  wire_.assign(wire_bytes.get(), wire_bytes.get() + size);
}

void QueryTemplate::writeWithId(std::uint16_t id, std::vector<std::uint8_t>& out) const {
  out.assign(wire_.begin(), wire_.end());
  out[0] = static_cast<std::uint8_t>(id >> 8);
  out[1] = static_cast<std::uint8_t>(id & 0xFF);
}

void QueryTemplate::writeWithIdTcp(std::uint16_t id, std::vector<std::uint8_t>& out) const {
  out.resize(wire_.size() + 2);
  out[0] = static_cast<std::uint8_t>(wire_.size() >> 8);
  out[1] = static_cast<std::uint8_t>(wire_.size() & 0xFF);
  std::copy(wire_.begin(), wire_.end(), out.begin() + 2);
  out[2] = static_cast<std::uint8_t>(id >> 8);
  out[3] = static_cast<std::uint8_t>(id & 0xFF);
}

}  // namespace dnsprop::dns

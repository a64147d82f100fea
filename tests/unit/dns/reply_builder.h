// Test helper: builds reply packets with ldns (well-formed ones), and small byte-level
// helpers for the malformed ones. Not thread-safe; throws std::runtime_error on misuse.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "dns/ldns.h"
#include "dns/query.h"

namespace dnsprop::dns::test {

using Bytes = std::vector<std::uint8_t>;

class ReplyBuilder {
 public:
  // A reply to `q` with `id`: QR=1, RD copied from the query, RA=1, rcode NOERROR.
  ReplyBuilder(const QueryTemplate& q, std::uint16_t id) : pkt_(ldns_pkt_new()) {
    ldns_pkt_set_id(pkt_.get(), id);
    ldns_pkt_set_qr(pkt_.get(), true);
    ldns_pkt_set_rd(pkt_.get(), q.rd());
    ldns_pkt_set_ra(pkt_.get(), true);
    question(q.qname(), q.qtype());
  }
  // Replaces the question section.
  ReplyBuilder& question(const std::string& name, std::uint16_t type, std::uint16_t klass = 1) {
    ldns_rr_list_deep_free(ldns_pkt_question(pkt_.get()));
    ldns_pkt_set_question(pkt_.get(), ldns_rr_list_new());
    ldns_pkt_set_qdcount(pkt_.get(), 0);
    ldns_rr* rr = ldns_rr_new();
    ldns_rdf* owner = nullptr;
    if (ldns_str2rdf_dname(&owner, name.c_str()) != LDNS_STATUS_OK) throw std::runtime_error(name);
    ldns_rr_set_owner(rr, owner);
    ldns_rr_set_type(rr, static_cast<ldns_rr_type>(type));
    ldns_rr_set_class(rr, static_cast<ldns_rr_class>(klass));
    ldns_rr_set_question(rr, true);
    ldns_pkt_push_rr(pkt_.get(), LDNS_SECTION_QUESTION, rr);
    return *this;
  }
  ReplyBuilder& answer(const std::string& text) { return add(LDNS_SECTION_ANSWER, text); }
  ReplyBuilder& authority(const std::string& text) { return add(LDNS_SECTION_AUTHORITY, text); }
  ReplyBuilder& additional(const std::string& text) { return add(LDNS_SECTION_ADDITIONAL, text); }
  // Adds a record whose TTL field is written as given (e.g. with the top bit set).
  ReplyBuilder& answerWithRawTtl(const std::string& text, std::uint32_t ttl) {
    add(LDNS_SECTION_ANSWER, text);
    ldns_rr_list* an = ldns_pkt_answer(pkt_.get());
    ldns_rr_set_ttl(ldns_rr_list_rr(an, ldns_rr_list_rr_count(an) - 1), ttl);
    return *this;
  }
  ReplyBuilder& rcode(int rc) {
    ldns_pkt_set_rcode(pkt_.get(), static_cast<std::uint8_t>(rc & 0x0F));
    if (rc > 15) {
      ensureEdns();
      ldns_pkt_set_edns_extended_rcode(pkt_.get(), static_cast<std::uint8_t>(rc >> 4));
    }
    return *this;
  }
  ReplyBuilder& ra(bool v) { ldns_pkt_set_ra(pkt_.get(), v); return *this; }
  ReplyBuilder& aa(bool v) { ldns_pkt_set_aa(pkt_.get(), v); return *this; }
  ReplyBuilder& tc(bool v) { ldns_pkt_set_tc(pkt_.get(), v); return *this; }
  ReplyBuilder& id(std::uint16_t v) { ldns_pkt_set_id(pkt_.get(), v); return *this; }
  ReplyBuilder& opcode(ldns_pkt_opcode op) { ldns_pkt_set_opcode(pkt_.get(), op); return *this; }
  // Adds an EDNS option to the OPT record (creating the OPT record if needed).
  ReplyBuilder& option(std::uint16_t code, const Bytes& data) {
    ensureEdns();
    options_.push_back(static_cast<std::uint8_t>(code >> 8));
    options_.push_back(static_cast<std::uint8_t>(code & 0xFF));
    options_.push_back(static_cast<std::uint8_t>(data.size() >> 8));
    options_.push_back(static_cast<std::uint8_t>(data.size() & 0xFF));
    options_.insert(options_.end(), data.begin(), data.end());
    return *this;
  }
  ReplyBuilder& ede(std::uint16_t info, const std::string& text = {}) {
    Bytes d{static_cast<std::uint8_t>(info >> 8), static_cast<std::uint8_t>(info & 0xFF)};
    d.insert(d.end(), text.begin(), text.end());
    return option(15, d);
  }
  ReplyBuilder& edns() { ensureEdns(); return *this; }

  Bytes wire() {
    if (!options_.empty()) {
      ldns_pkt_set_edns_data(pkt_.get(), ldns_rdf_new_frm_data(LDNS_RDF_TYPE_UNKNOWN,
                                                               options_.size(), options_.data()));
    }
    std::uint8_t* raw = nullptr;
    std::size_t size = 0;
    if (ldns_pkt2wire(&raw, pkt_.get(), &size) != LDNS_STATUS_OK) {
      throw std::runtime_error("pkt2wire");
    }
    MallocPtr<std::uint8_t> owned(raw);
    return Bytes(raw, raw + size);
  }

 private:
  ReplyBuilder& add(ldns_pkt_section section, const std::string& text) {
    ldns_rr* rr = nullptr;
    if (ldns_rr_new_frm_str(&rr, text.c_str(), 0, nullptr, nullptr) != LDNS_STATUS_OK) {
      throw std::runtime_error("bad rr text: " + text);
    }
    ldns_pkt_push_rr(pkt_.get(), section, rr);
    return *this;
  }
  void ensureEdns() {
    if (ldns_pkt_edns_udp_size(pkt_.get()) == 0) ldns_pkt_set_edns_udp_size(pkt_.get(), 1232);
  }

  PktPtr pkt_;
  Bytes options_;
};

inline void putU16(Bytes& b, std::size_t pos, std::uint16_t v) {
  b.at(pos) = static_cast<std::uint8_t>(v >> 8);
  b.at(pos + 1) = static_cast<std::uint8_t>(v & 0xFF);
}
inline std::uint16_t getU16(const Bytes& b, std::size_t pos) {
  return static_cast<std::uint16_t>((b.at(pos) << 8) | b.at(pos + 1));
}
// Appends raw record bytes and bumps the count of the given section (0 an, 1 ns, 2 ar).
inline void appendRecord(Bytes& msg, int section, const Bytes& record) {
  msg.insert(msg.end(), record.begin(), record.end());
  const std::size_t off = 6 + 2 * static_cast<std::size_t>(section);
  putU16(msg, off, static_cast<std::uint16_t>(getU16(msg, off) + 1));
}
// An OPT record: root owner, UDP size 1232, no options.
inline Bytes optRecord() { return {0, 0, 41, 0x04, 0xD0, 0, 0, 0, 0, 0, 0}; }

}  // namespace dnsprop::dns::test

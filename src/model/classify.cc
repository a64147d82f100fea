#include "model/classify.h"

#include <algorithm>
#include <set>

#include "dns/types.h"

namespace dnsprop {
namespace {

bool isStale(const dns::Observation& o) {
  for (auto code : o.ede_codes) {
    if (code == 3 || code == 19) return true;  // Stale Answer, Stale NXDOMAIN Answer
  }
  return false;
}

// EDE codes (RFC 8914) that say the data is not the zone's own: DNSSEC Bogus (6),
// DNSKEY Missing (9), Forged Answer (4), Blocked (15), Censored (16), Filtered (17).
bool isDistrusted(const dns::Observation& o) {
  for (auto code : o.ede_codes) {
    if (code == 4 || code == 6 || code == 9 || code == 15 || code == 16 || code == 17) return true;
  }
  return false;
}

// The comparable value of a final-RRset record: the address, the NS host, the MX exchange.
std::string valueOf(const dns::Record& r) {
  if (r.type == dns::qtype::MX) {
    const auto space = r.text.find(' ');
    return space == std::string::npos ? r.text : r.text.substr(space + 1);
  }
  return r.text;
}

std::string lowerAbsolute(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (!s.empty() && s.back() != '.') s += '.';
  return s;
}

// Canonical address text so "2001:DB8::1" and "2001:db8:0::1" compare equal.
std::string canonicalAddress(const std::string& s) {
  if (auto ep = Endpoint::parse(s)) return ep->address();
  return s;
}

}  // namespace

std::string_view toString(AnswerClass c) {
  switch (c) {
    case AnswerClass::New: return "new";
    case AnswerClass::Old: return "old";
    case AnswerClass::Mixed: return "mixed";
    case AnswerClass::Other: return "other";
    case AnswerClass::Negative: return "negative";
    case AnswerClass::Stale: return "stale";
    case AnswerClass::Error: return "error";
  }
  return "error";
}

std::vector<std::string> expectedValues(const Expectation& e, RRType type) {
  std::vector<std::string> out;
  switch (type) {
    case RRType::A:
    case RRType::AAAA:
      for (const auto& a : e.addresses) {
        const bool v4 = a.family() == Endpoint::Family::V4;
        if (v4 == (type == RRType::A)) out.push_back(a.address());
      }
      break;
    case RRType::NS: out = e.ns; break;
    case RRType::MX: out = e.mx; break;
    case RRType::CNAME: break;
  }
  return out;
}

namespace {

// The CNAME targets on the chain that one of the sides names (Expectation::cnames),
// lower-case absolute; empty when the chain passes through none of them.
struct CnameHits {
  std::vector<std::string> old_hits, new_hits;
};
CnameHits cnameHits(const dns::Observation& o, const std::vector<std::string>& old_cnames,
                    const std::vector<std::string>& new_cnames) {
  CnameHits h;
  if (old_cnames.empty() && new_cnames.empty()) return h;
  const std::set<std::string> olds(old_cnames.begin(), old_cnames.end());
  const std::set<std::string> news(new_cnames.begin(), new_cnames.end());
  for (const auto& r : o.chain) {
    if (r.type != dns::qtype::CNAME) continue;
    const std::string target = lowerAbsolute(r.text);
    if (olds.count(target)) h.old_hits.push_back(target);
    if (news.count(target)) h.new_hits.push_back(target);
  }
  return h;
}

// Marks applied after the values are compared: serve-stale keeps OLD OLD and never makes
// NEW (F8); forged, filtered or DNSSEC-broken data is never NEW.
void applyMarks(Classification& c, const dns::Observation& o) {
  c.stale = isStale(o);
  c.distrusted = isDistrusted(o);
  if (c.stale) c.cls = c.has_old_values ? AnswerClass::Old : AnswerClass::Stale;
  if (c.distrusted && c.cls == AnswerClass::New) c.cls = AnswerClass::Other;
}

Classification classifyImpl(const dns::Observation& o, RRType type, const std::vector<std::string>& old_values,
                            const std::vector<std::string>& new_values, const std::vector<std::string>& old_cnames,
                            const std::vector<std::string>& new_cnames) {
  Classification c;
  switch (o.outcome) {
    case dns::Outcome::Answer:
    case dns::Outcome::NoData:
      break;
    case dns::Outcome::NxDomain:
      c.cls = isStale(o) ? AnswerClass::Stale : AnswerClass::Negative;
      return c;
    case dns::Outcome::ServFail:
    case dns::Outcome::Refused:
    case dns::Outcome::OtherRcode:
    case dns::Outcome::Timeout:
    case dns::Outcome::TruncatedFailed:
    case dns::Outcome::Malformed:
    case dns::Outcome::NetworkError:
    case dns::Outcome::NotAuthoritative:
      c.cls = AnswerClass::Error;
      return c;
  }
  const bool by_address = type == RRType::A || type == RRType::AAAA;
  if (by_address) {
    // A chain through a hosting/CDN name one side names is that side's answer: the
    // addresses at its end are the CDN's to choose (and may be none for this family).
    const auto hits = cnameHits(o, old_cnames, new_cnames);
    if (!hits.old_hits.empty() || !hits.new_hits.empty()) {
      c.values = hits.new_hits;
      c.values.insert(c.values.end(), hits.old_hits.begin(), hits.old_hits.end());
      std::sort(c.values.begin(), c.values.end());
      c.values.erase(std::unique(c.values.begin(), c.values.end()), c.values.end());
      if (!hits.old_hits.empty() && !hits.new_hits.empty()) c.cls = AnswerClass::Mixed;
      else c.cls = hits.new_hits.empty() ? AnswerClass::Old : AnswerClass::New;
      c.has_old_values = !hits.old_hits.empty();
      applyMarks(c, o);
      return c;
    }
  }
  if (o.outcome == dns::Outcome::NoData) {
    // "No record of this type" is a side's own answer when that side has none and the
    // other has some (IPv6 dropped: NEW; IPv6 added: OLD). Only a real negative answer
    // counts: one with the zone's SOA (a referral or a bare NOERROR proves nothing).
    const bool old_none = old_values.empty() && old_cnames.empty();
    const bool new_none = new_values.empty() && new_cnames.empty();
    if (!o.negative_ttl || old_none == new_none) {
      c.cls = isStale(o) ? AnswerClass::Stale : AnswerClass::Negative;
      return c;
    }
    c.cls = new_none ? AnswerClass::New : AnswerClass::Old;
    c.has_old_values = old_none;
    applyMarks(c, o);
    // Filtered or forged "nothing" is never NEW, and not OLD either: it says nothing.
    if (c.distrusted && c.cls == AnswerClass::Other) c.cls = AnswerClass::Negative;
    return c;
  }
  const dns::QType want = dns::toQType(type);
  auto norm = [&](const std::string& v) { return by_address ? canonicalAddress(v) : lowerAbsolute(v); };
  for (const auto& r : o.chain) {
    if (r.type == want) c.values.push_back(norm(valueOf(r)));
  }
  std::sort(c.values.begin(), c.values.end());
  c.values.erase(std::unique(c.values.begin(), c.values.end()), c.values.end());
  if (c.values.empty()) {
    // An "answer" without records of the type asked cannot be anything but unusable.
    c.cls = AnswerClass::Error;
    return c;
  }
  std::set<std::string> olds, news;
  for (const auto& v : old_values) olds.insert(norm(v));
  for (const auto& v : new_values) news.insert(norm(v));
  bool any_old_only = false, any_new_only = false, any_shared = false, any_unknown = false;
  for (const auto& v : c.values) {
    const bool in_old = olds.count(v) > 0;
    const bool in_new = news.count(v) > 0;
    if (in_old && in_new) any_shared = true;
    else if (in_old) any_old_only = true;
    else if (in_new) any_new_only = true;
    else any_unknown = true;
  }
  if (any_unknown) c.cls = AnswerClass::Other;
  else if (any_old_only && any_new_only) c.cls = AnswerClass::Mixed;
  else if (any_new_only) c.cls = AnswerClass::New;
  else if (any_old_only) c.cls = AnswerClass::Old;
  else c.cls = AnswerClass::Mixed;  // only values both sides share: cannot tell
  c.has_old_values = any_old_only || any_shared;
  // A stale answer (F8) with OLD values is OLD: the resolver still sends people to the
  // old server. Without OLD values it is Stale, never New: it says nothing current.
  // Forged, filtered or DNSSEC-broken data is never New; OLD values keep it Old.
  applyMarks(c, o);
  return c;
}

}  // namespace

Classification classifyValues(const dns::Observation& o, RRType type, const std::vector<std::string>& old_values,
                              const std::vector<std::string>& new_values) {
  return classifyImpl(o, type, old_values, new_values, {}, {});
}

Classification classify(const dns::Observation& o, RRType type, const Expectation& old_side,
                        const Expectation& new_side) {
  const bool by_address = type == RRType::A || type == RRType::AAAA;
  static const std::vector<std::string> kNone;
  return classifyImpl(o, type, expectedValues(old_side, type), expectedValues(new_side, type),
                      by_address ? old_side.cnames : kNone, by_address ? new_side.cnames : kNone);
}

}  // namespace dnsprop

#include "config/config_writer.h"

#include <algorithm>
#include <cctype>
#include <set>
#include <sstream>

namespace dnsprop {
namespace {

std::string absName(std::string n) {
  std::transform(n.begin(), n.end(), n.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (n.empty() || n.back() != '.') n += '.';
  return n;
}

std::vector<std::string> absNames(const std::vector<std::string>& in) {
  std::vector<std::string> out;
  for (const auto& n : in) {
    auto a = absName(n);
    if (std::find(out.begin(), out.end(), a) == out.end()) out.push_back(std::move(a));
  }
  return out;
}

std::vector<std::string> unique(const std::vector<std::string>& in) {
  std::vector<std::string> out;
  for (const auto& s : in) {
    if (std::find(out.begin(), out.end(), s) == out.end()) out.push_back(s);
  }
  return out;
}

bool isV6(const std::string& a) { return a.find(':') != std::string::npos; }

std::set<std::string> family(const std::vector<std::string>& addrs, bool v6) {
  std::set<std::string> out;
  for (const auto& a : addrs) {
    if (isV6(a) == v6) out.insert(a);
  }
  return out;
}

std::set<std::string> asSet(const std::vector<std::string>& v) { return {v.begin(), v.end()}; }

std::string quote(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

std::string list(const std::vector<std::string>& v) {
  std::string out = "[";
  for (std::size_t i = 0; i < v.size(); ++i) {
    if (i) out += ", ";
    out += quote(v[i]);
  }
  return out + "]";
}

// "www.shop.test." in "shop.test." -> "www"; the apex -> "@"; outside -> absolute.
std::string relative(const std::string& name, const std::string& domain) {
  if (name == domain) return "@";
  if (name.size() > domain.size() + 1 && name.compare(name.size() - domain.size(), domain.size(), domain) == 0 &&
      name[name.size() - domain.size() - 1] == '.') {
    return name.substr(0, name.size() - domain.size() - 1);
  }
  return name;
}

struct WatchLine {
  std::string name;
  std::vector<std::string> types;
  std::string comment;
};

}  // namespace

InitDraft draftInitConfig(const InitFacts& f) {
  InitDraft d;
  const std::string domain = absName(f.domain);
  const auto old_ns = absNames(f.old_ns);
  const auto old_mx = absNames(f.old_mx);
  const bool ns_changes = !f.new_ns.empty() && asSet(absNames(f.new_ns)) != asSet(old_ns);
  const auto new_ns = f.new_ns.empty() ? old_ns : absNames(f.new_ns);
  const bool mx_changes = !f.new_mx.empty() && asSet(absNames(f.new_mx)) != asSet(old_mx);
  const auto new_mx = f.new_mx.empty() ? old_mx : absNames(f.new_mx);

  // OLD addresses: every A/AAAA value of the web names (apex, www), and of the mail hosts
  // inside the domain that live on the same server (they move with it). A mail host on
  // an address of its own stays where it is ("web moves, mail stays"): not watched.
  std::vector<std::string> old_addresses = f.apex_addresses;
  old_addresses.insert(old_addresses.end(), f.www.addresses.begin(), f.www.addresses.end());
  old_addresses = unique(old_addresses);
  const auto web_set = asSet(old_addresses);
  std::vector<ObservedHost> moving_mail, staying_mail;
  for (const auto& h : f.mx_hosts) {
    const bool shares = std::any_of(h.addresses.begin(), h.addresses.end(),
                                    [&](const std::string& a) { return web_set.count(a) > 0; });
    (shares ? moving_mail : staying_mail).push_back(h);
  }
  for (const auto& h : moving_mail) old_addresses.insert(old_addresses.end(), h.addresses.begin(), h.addresses.end());
  old_addresses = unique(old_addresses);
  // No --new-ip: the addresses stay (an NS or MX move).
  const auto new_addresses = f.new_addresses.empty() ? old_addresses : unique(f.new_addresses);

  const auto new_set = asSet(new_addresses);
  const bool addresses_same = new_set.empty() || new_set == asSet(unique(f.apex_addresses)) ||
                              new_set == asSet(old_addresses);
  if (addresses_same && !ns_changes && !mx_changes) {
    d.outcome = InitOutcome::SameAsOld;
    d.message = "the new addresses, name servers and mail exchanges are the same as what " + domain +
                " serves now: nothing would change (give --new-ip with the new server's address, "
                "or --new-ns / --new-mx)";
    return d;
  }

  // Which address families differ between the sides (a watched type must change).
  const bool watch_a = !addresses_same && !(family(old_addresses, false).empty() && family(new_addresses, false).empty()) &&
                       family(old_addresses, false) != family(new_addresses, false);
  const bool watch_aaaa = !addresses_same && !(family(old_addresses, true).empty() && family(new_addresses, true).empty()) &&
                          family(old_addresses, true) != family(new_addresses, true);
  // A name is watched for a family it serves now, or (apex and www, which the new
  // addresses are meant for) one the new side will serve.
  auto addrTypes = [&](const std::vector<std::string>& served, bool takes_new) {
    std::vector<std::string> t;
    const bool v4 = !family(served, false).empty() || (takes_new && !family(new_addresses, false).empty());
    const bool v6 = !family(served, true).empty() || (takes_new && !family(new_addresses, true).empty());
    if (watch_a && v4) t.push_back("A");
    if (watch_aaaa && v6) t.push_back("AAAA");
    return t;
  };

  std::vector<WatchLine> watch;
  {
    WatchLine apex{"@", addrTypes(f.apex_addresses, true), ""};
    if (ns_changes && !new_ns.empty()) apex.types.push_back("NS");
    if (mx_changes && !new_mx.empty()) apex.types.push_back("MX");
    if (!apex.types.empty()) watch.push_back(std::move(apex));
  }
  if (!f.www.addresses.empty()) {
    WatchLine w{relative(absName(f.www.name), domain), addrTypes(f.www.addresses, true), ""};
    if (!w.types.empty()) watch.push_back(std::move(w));
  }
  for (const auto& h : moving_mail) {
    if (h.addresses.empty()) continue;
    WatchLine w{relative(absName(h.name), domain), addrTypes(h.addresses, false), "mail exchange"};
    if (!w.types.empty()) watch.push_back(std::move(w));
  }
  if (watch.empty()) {
    d.outcome = InitOutcome::NothingToWatch;
    d.message = "nothing to watch for " + domain +
                ": the old servers serve no address for the apex, www or the mail exchanges and "
                "neither the name servers nor the mail exchanges change";
    return d;
  }

  std::ostringstream t;
  t << "# dnsprop: watch the migration of " << domain << " (docs/CONFIG.md describes every key).\n";
  if (!f.note.empty()) t << "# " << f.note << "\n";
  t << "#\n"
    << "# OLD below is what the domain's authoritative servers served when this file was\n"
    << "# written; NEW is what was given on the command line. Check both before starting.\n"
    << "# Relative paths are resolved against the folder this file is in.\n\n";

  t << "[monitor]\n"
    << "# One probe round per interval; per-attempt timeout; politeness per resolver.\n"
    << "interval = \"5m\"\n"
    << "timeout = \"2s\"\n"
    << "retries = 2\n"
    << "rate_limit_qps = 5.0\n"
    << "rate_limit_burst = 10\n"
    << "# Where the state database lives (systemd's StateDirectory=dnsprop).\n"
    << "state_dir = \"/var/lib/dnsprop\"\n\n";

  t << "[resolvers]\n";
  if (f.catalogs.empty()) {
    t << "# No catalogs listed: every catalog of $DNSPROP_RESOLVERS_DIR, ./resolvers or the\n"
      << "# installed share/dnsprop/resolvers is used.\n";
  } else {
    t << "# Resolver catalogs: the public resolvers";
    if (f.catalogs.size() > 1) t << ", plus those of the domain's country";
    t << ".\n"
      << "catalogs = " << list(f.catalogs) << "\n";
  }
  t << "# Filters narrow the choice (an empty list means any), e.g.:\n"
    << "# countries = [\"JP\"]\n"
    << "# continents = [\"AS\"]\n"
    << "family = \"any\"\n"
    << "# Resolvers of your own (your ISP's, the office's):\n"
    << "# extra = [\"192.0.2.53\"]\n\n";

  t << "[[migration]]\n"
    << "domain = " << quote(domain) << "\n"
    << "# What to watch. \"@\" is the domain itself; relative names get the domain appended.\n";
  if (!ns_changes) t << "# The name servers do not change (an address-only move): NS is not watched.\n";
  if (addresses_same) t << "# The addresses do not change: A and AAAA are not watched.\n";
  if (!mx_changes) t << "# The mail exchanges do not change: MX is not watched.\n";
  for (const auto& h : staying_mail) {
    if (h.addresses.empty()) continue;
    t << "# " << absName(h.name) << " (mail) has an address of its own and stays: not watched.\n";
  }
  t << "watch = [\n";
  for (const auto& w : watch) {
    t << "  { name = " << quote(w.name) << ", types = " << list(w.types) << " },";
    if (!w.comment.empty()) t << "  # " << w.comment;
    t << "\n";
  }
  t << "]\n"
    << "# When the delegation was (or will be) changed at the registry; must carry an offset.\n"
    << "# switch_time = 2026-11-20T10:00:00+09:00\n"
    << "# Keep old and new running in parallel at least this long after the switch.\n"
    << "min_parallel = \"14d\"\n";
  if (f.parent_servers.empty()) {
    t << "# The parent's servers: discovered from the root when omitted.\n";
  } else {
    t << "# The servers of the parent zone" << (f.parent_zone.empty() ? "" : " (" + f.parent_zone + ")")
      << ", asked for the delegation. Omit to discover them from the root.\n"
      << "parent_servers = " << list(unique(f.parent_servers)) << "\n";
  }

  t << "\n# What the current authoritative servers serve.\n"
    << "[migration.old]\n"
    << "addresses = " << list(old_addresses) << "\n"
    << "ns = " << list(old_ns) << "\n"
    << "mx = " << list(old_mx) << "\n"
    << "# The current authoritative servers, asked directly (RD=0).\n"
    << "servers = " << list(unique(f.old_servers)) << "\n";

  t << "\n# What the new side serves.\n"
    << "[migration.new]\n";
  if (!family(old_addresses, true).empty() && family(new_addresses, true).empty()) {
    t << "# The old side serves IPv6 but no new IPv6 address was given: NEW expects none.\n"
      << "# Add the new AAAA value here if the new server has one.\n";
  }
  if (!moving_mail.empty()) {
    t << "# The mail exchanges on the web server's address are watched too: add their new\n"
      << "# addresses if they differ.\n";
  }
  t << "addresses = " << list(new_addresses) << "\n"
    << "ns = " << list(new_ns) << "\n"
    << "mx = " << list(new_mx) << "\n";
  if (ns_changes) {
    t << "# The new authoritative servers (addresses of the new NS hosts).\n"
      << "servers = " << list(unique(f.new_servers)) << "\n";
  } else {
    t << "# The name servers do not change: the same servers serve the new data.\n"
      << "servers = " << list(unique(f.old_servers)) << "\n";
  }
  d.text = t.str();
  return d;
}

}  // namespace dnsprop

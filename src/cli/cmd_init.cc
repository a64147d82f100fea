// dnsprop init: asks a domain's parent and current authoritative servers what is served
// now, takes NEW from the arguments, and writes a commented config (draftInitConfig in
// src/config/config_writer.h decides its content). Every query is sent by the
// ProbeEngine on a private libuv loop, one at a time; discovery uses ParentDiscovery
// from --root-hint (default: the IANA roots). Exit 0 when the file was written, 1 when
// the domain does not exist, nobody answers, or nothing would change; 64 for usage.
#include <uv.h>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <optional>
#include <set>
#include <sstream>

#include "catalog/catalog.h"
#include "cli/cli.h"
#include "common/clock.h"
#include "common/endpoint.h"
#include "config/config_loader.h"
#include "config/config_writer.h"
#include "dns/query.h"
#include "net/parent_discovery.h"
#include "net/probe_engine.h"
#include "net/uv_handle.h"

namespace dnsprop::cli {
namespace {

namespace fs = std::filesystem;

struct InitOptions {
  std::string domain;
  std::vector<std::string> new_ips, new_ns, new_mx;
  std::vector<std::string> root_hints;
  std::string resolver;
  std::string output = "dnsprop.toml";
  bool force = false;
  std::string timeout = "2s";
};

std::string absName(std::string n) {
  std::transform(n.begin(), n.end(), n.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (n.empty() || n.back() != '.') n += '.';
  return n;
}

bool inDomain(const std::string& name, const std::string& domain) {
  if (name == domain) return true;
  return name.size() > domain.size() && name.compare(name.size() - domain.size(), domain.size(), domain) == 0 &&
         name[name.size() - domain.size() - 1] == '.';
}

// Asks one question at a time on its own loop and waits for the observation.
class Asker {
 public:
  explicit Asker(EngineOptions o) : engine_(std::make_unique<ProbeEngine>(loop_.get(), clock_, o)) {}
  dns::Observation ask(const Endpoint& server, const std::string& name, dns::QType type, bool rd) {
    dns::QueryOptions qo;
    qo.recursion_desired = rd;
    dns::QueryTemplate q(name, type, qo);
    bool done = false;
    dns::Observation out;
    engine_->probe({&q, server}, [&](const dns::Observation& o) {
      out = o;
      done = true;
    });
    while (!done && uv_run(loop_.get(), UV_RUN_ONCE) != 0) {
    }
    return out;
  }
  ParentDiscoveryResult discover(const std::string& domain, std::vector<Endpoint> hints) {
    ParentDiscovery pd(*engine_, std::move(hints));
    bool done = false;
    ParentDiscoveryResult out;
    pd.discover(domain, [&](const ParentDiscoveryResult& r) {
      out = r;
      done = true;
    });
    while (!done && uv_run(loop_.get(), UV_RUN_ONCE) != 0) {
    }
    if (!done) out.error = "discovery did not finish";
    return out;
  }

 private:
  uv::Loop loop_;
  SystemClock clock_;
  std::unique_ptr<ProbeEngine> engine_;
};

std::vector<std::string> values(const dns::Observation& o, dns::QType type) {
  std::vector<std::string> out;
  if (o.outcome != dns::Outcome::Answer) return out;
  for (const auto& r : o.chain) {
    if (r.type != type) continue;
    std::string v = r.text;
    if (type == dns::qtype::MX) {  // "10 mail.example." -> the exchange
      auto sp = v.find(' ');
      if (sp != std::string::npos) v = v.substr(sp + 1);
    }
    if (std::find(out.begin(), out.end(), v) == out.end()) out.push_back(v);
  }
  return out;
}

std::optional<Endpoint> resolvConfNameserver() {
  std::ifstream in("/etc/resolv.conf");
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream ls(line);
    std::string key, value;
    if (ls >> key >> value && key == "nameserver") {
      if (auto ep = Endpoint::parse(value)) return ep;
    }
  }
  return std::nullopt;
}

// Catalog paths as written into the config: relative to the config's folder when the
// catalogs are nearby (a source tree), absolute otherwise (an installed share folder).
std::vector<std::string> catalogsFor(const std::string& domain, const fs::path& output) {
  std::vector<fs::path> found = defaultCatalogPaths();
  std::string tld = domain.substr(0, domain.size() - 1);
  if (auto dot = tld.rfind('.'); dot != std::string::npos) tld = tld.substr(dot + 1);
  std::vector<fs::path> chosen;
  for (const auto& p : found) {
    const auto stem = p.stem().string();
    if (stem == "public" || (tld.size() == 2 && stem == tld)) chosen.push_back(p);
  }
  std::vector<std::string> out;
  std::error_code ec;
  const fs::path base = fs::weakly_canonical(fs::absolute(output, ec).parent_path(), ec);
  for (const auto& p : chosen) {
    const fs::path abs = fs::weakly_canonical(fs::absolute(p, ec), ec);
    fs::path rel = abs.lexically_relative(base);
    int ups = 0;
    for (const auto& part : rel) ups += part == ".." ? 1 : 0;
    out.push_back(rel.empty() || ups > 2 ? abs.string() : rel.string());
  }
  return out;
}

int fail(const std::string& msg) {
  std::cerr << "dnsprop init: " << msg << "\n";
  return kExitFailure;
}

int runInit(const InitOptions& o) {
  // ---- arguments
  const std::string domain = absName(o.domain);
  if (domain == "." || domain.find("..") != std::string::npos) {
    std::cerr << "dnsprop init: --domain " << o.domain << ": expected a domain name\n";
    return kExitUsage;
  }
  const fs::path output = o.output;
  if (fs::exists(output) && !o.force) {
    std::cerr << "dnsprop init: " << output.string() << " exists; use --force to overwrite it\n";
    return kExitUsage;
  }
  std::vector<std::string> new_ips;
  for (const auto& ip : o.new_ips) {
    auto ep = Endpoint::parse(ip);
    if (!ep || ip.find('[') != std::string::npos ||
        (ep->family() == Endpoint::Family::V4 && ip.find(':') != std::string::npos)) {
      std::cerr << "dnsprop init: --new-ip " << ip << ": expected an IPv4 or IPv6 address (no port)\n";
      return kExitUsage;
    }
    new_ips.push_back(ep->address());
  }
  std::vector<Endpoint> hints;
  for (const auto& h : o.root_hints) {
    auto ep = Endpoint::parse(h);
    if (!ep) {
      std::cerr << "dnsprop init: --root-hint " << h << ": expected an address or address:port\n";
      return kExitUsage;
    }
    hints.push_back(*ep);
  }
  if (hints.empty()) hints = ParentDiscovery::defaultRootHints();
  std::optional<Endpoint> resolver = o.resolver.empty() ? resolvConfNameserver() : Endpoint::parse(o.resolver);
  if (!resolver) {
    std::cerr << "dnsprop init: "
              << (o.resolver.empty() ? std::string("no nameserver in /etc/resolv.conf; give --resolver")
                                     : "--resolver " + o.resolver + ": expected an address or address:port")
              << "\n";
    return kExitUsage;
  }
  auto timeout = parseDuration(o.timeout);
  if (!timeout || timeout->count() <= 0) {
    std::cerr << "dnsprop init: --timeout " << o.timeout << ": expected a duration like 2s\n";
    return kExitUsage;
  }

  EngineOptions eo;
  eo.timeout = *timeout;
  eo.retries = 1;
  Asker asker(eo);

  // ---- the parent and the delegation
  const auto parent = asker.discover(domain, hints);
  if (!parent.ok) {
    if (parent.error.find("does not exist") != std::string::npos ||
        parent.error.find("not a delegated zone") != std::string::npos) {
      return fail(domain + " does not exist (no delegation at its parent): " + parent.error);
    }
    return fail("cannot find the parent zone of " + domain + ": " + parent.error);
  }
  std::vector<std::string> deleg_ns;
  std::vector<dns::Record> glue;
  bool parent_answered = false;
  for (const auto& ps : parent.servers) {
    const auto obs = asker.ask(ps, domain, dns::qtype::NS, false);
    if (obs.outcome == dns::Outcome::NxDomain) {
      return fail(domain + " does not exist: the parent " + parent.parent_zone + " (" + ps.toString() +
                  ") answers NXDOMAIN");
    }
    const auto& recs = obs.outcome == dns::Outcome::Answer ? obs.chain : obs.authority_ns;
    for (const auto& r : recs) {
      if (r.type == dns::qtype::NS && r.owner == domain &&
          std::find(deleg_ns.begin(), deleg_ns.end(), r.text) == deleg_ns.end()) {
        deleg_ns.push_back(r.text);
      }
    }
    if (obs.outcome == dns::Outcome::Answer || obs.outcome == dns::Outcome::NoData ||
        obs.outcome == dns::Outcome::NotAuthoritative) {
      parent_answered = true;
      glue = obs.glue;
      if (!deleg_ns.empty()) break;
    }
  }
  if (!parent_answered) return fail("no server of the parent zone " + parent.parent_zone + " answers");
  if (deleg_ns.empty()) {
    return fail(domain + " does not exist: the parent " + parent.parent_zone + " has no delegation for it");
  }

  // Addresses of a host: glue when the parent gave it, else the resolver.
  auto hostAddresses = [&](const std::string& host, bool use_glue) {
    std::vector<std::string> out;
    if (use_glue) {
      for (const auto& g : glue) {
        if (g.owner == host && g.type == dns::qtype::A) out.push_back(g.text);
      }
    }
    if (out.empty()) {
      for (dns::QType t : {dns::qtype::A, dns::qtype::AAAA}) {
        for (const auto& v : values(asker.ask(*resolver, host, t, true), t)) out.push_back(v);
      }
    }
    return out;
  };

  InitFacts f;
  f.domain = domain;
  f.parent_zone = parent.parent_zone;
  if (parent.complete) {
    for (const auto& s : parent.servers) f.parent_servers.push_back(s.port() == 53 ? s.address() : s.toString());
  } else {
    // Written into the config, a partial list would be taken for all of the parent's
    // servers (configured lists are trusted): leave the key out, so the monitor discovers
    // them itself and knows when its list is partial.
    std::cerr << "dnsprop init: warning: found only part of the " << parent.parent_zone << " servers ("
              << parent.partial_reason << "); parent_servers is left out: dnsprop run discovers them\n";
  }
  for (const auto& ns : deleg_ns) {
    for (const auto& a : hostAddresses(ns, true)) {
      if (std::find(f.old_servers.begin(), f.old_servers.end(), a) == f.old_servers.end()) f.old_servers.push_back(a);
    }
  }
  if (f.old_servers.empty()) {
    return fail("no address found for the name servers of " + domain + " (" + deleg_ns.front() + "...)");
  }

  // ---- what the current authoritative servers serve
  std::optional<Endpoint> auth;
  dns::Observation child_ns;
  for (const auto& s : f.old_servers) {
    auto ep = Endpoint::parse(s);
    if (!ep) continue;
    auto obs = asker.ask(*ep, domain, dns::qtype::NS, false);
    if (obs.outcome == dns::Outcome::Answer && obs.aa) {
      auth = *ep;
      child_ns = obs;
      break;
    }
  }
  if (!auth) {
    return fail("no authoritative server of " + domain + " answers (asked " + std::to_string(f.old_servers.size()) +
                " address(es) of " + deleg_ns.front() + "...)");
  }
  f.old_ns = values(child_ns, dns::qtype::NS);
  if (f.old_ns.empty()) f.old_ns = deleg_ns;
  auto served = [&](const std::string& name) {
    std::vector<std::string> out;
    for (dns::QType t : {dns::qtype::A, dns::qtype::AAAA}) {
      for (const auto& v : values(asker.ask(*auth, name, t, false), t)) out.push_back(v);
    }
    return out;
  };
  f.apex_addresses = served(domain);
  f.www = {"www." + domain, served("www." + domain)};
  f.old_mx = values(asker.ask(*auth, domain, dns::qtype::MX, false), dns::qtype::MX);
  for (const auto& mx : f.old_mx) {
    if (inDomain(mx, domain) && mx != domain) f.mx_hosts.push_back({mx, served(mx)});
  }

  // ---- NEW
  f.new_addresses = new_ips;
  for (const auto& n : o.new_ns) f.new_ns.push_back(absName(n));
  for (const auto& n : o.new_mx) f.new_mx.push_back(absName(n));
  if (!f.new_ns.empty() && std::set<std::string>(f.new_ns.begin(), f.new_ns.end()) !=
                               std::set<std::string>(f.old_ns.begin(), f.old_ns.end())) {
    for (const auto& ns : f.new_ns) {
      const auto a = hostAddresses(ns, false);
      if (a.empty()) std::cerr << "dnsprop init: warning: " << ns << " has no address (asked " << resolver->toString() << ")\n";
      f.new_servers.insert(f.new_servers.end(), a.begin(), a.end());
    }
  }
  f.catalogs = catalogsFor(domain, output);
  f.note = "Written by `dnsprop init`; OLD as served by " + auth->toString() + ".";

  const auto draft = draftInitConfig(f);
  switch (draft.outcome) {
    case InitOutcome::Ok:
      break;
    case InitOutcome::SameAsOld:
    case InitOutcome::NothingToWatch:
      return fail(draft.message);
  }

  // ---- write, then prove it loads
  const fs::path tmp = output.string() + ".tmp";
  {
    std::ofstream out(tmp, std::ios::trunc);
    out << draft.text;
    out.close();
    if (!out) return fail("cannot write " + tmp.string());
  }
  try {
    (void)loadConfig(tmp);
  } catch (const ConfigError& e) {
    std::error_code ec;
    fs::remove(tmp, ec);
    return fail(std::string("internal error: the drafted config does not load: ") + e.what());
  }
  std::error_code ec;
  fs::rename(tmp, output, ec);
  if (ec) return fail("cannot write " + output.string() + ": " + ec.message());
  std::cout << "wrote " << output.string() << " (" << domain << ": old " << deleg_ns.size()
            << " NS, parent " << parent.parent_zone << ")\n";
  return kExitOk;
}

}  // namespace

void addInitCommand(CLI::App& app, GlobalOptions& /*g*/, Action& action) {
  auto opts = std::make_shared<InitOptions>();
  auto* cmd = app.add_subcommand(
      "init",
      "Ask a domain's parent and current authoritative servers what is served now and write "
      "a commented config: OLD as observed, NEW from --new-ip/--new-ns/--new-mx.\n\n"
      "Examples:\n"
      "  address-only (the web server moves, the name servers stay):\n"
      "    dnsprop init --domain shop.example.jp --new-ip 198.51.100.20 -o shop.toml\n"
      "  name servers and addresses move:\n"
      "    dnsprop init --domain shop.example.jp --new-ip 198.51.100.20 --new-ns ns1.new-host.example\n"
      "  DNS provider only (the addresses stay):\n"
      "    dnsprop init --domain shop.example.jp --new-ns ns1.new-dns.example\n"
      "An IPv6 address served today and no IPv6 --new-ip means the new server drops IPv6\n"
      "(AAAA is watched; 'no AAAA' is NEW). A mail host with an address of its own stays\n"
      "and is not watched.");
  cmd->add_option("--domain", opts->domain, "The domain that moves (e.g. shop.example.jp)")->required();
  cmd->add_option("--new-ip", opts->new_ips, "A new address (IPv4 or IPv6; repeatable)");
  cmd->add_option("--new-ns", opts->new_ns, "A new name server host (repeatable; default: unchanged)");
  cmd->add_option("--new-mx", opts->new_mx, "A new mail exchange host (repeatable; default: unchanged)");
  cmd->add_option("--root-hint", opts->root_hints,
                  "Where discovery starts: ADDR or ADDR:PORT (repeatable; default: the IANA roots)");
  cmd->add_option("--resolver", opts->resolver,
                  "Resolver for name-server host addresses (default: first nameserver of /etc/resolv.conf)");
  cmd->add_option("--output,-o", opts->output, "Config file to write (default dnsprop.toml)");
  cmd->add_flag("--force", opts->force, "Overwrite the output file");
  cmd->add_option("--timeout", opts->timeout, "Per-attempt timeout (default 2s)");
  cmd->callback([&action, opts] { action = [opts] { return runInit(*opts); }; });
}

}  // namespace dnsprop::cli

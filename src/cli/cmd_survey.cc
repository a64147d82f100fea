// dnsprop survey: one query of every selected resolver for each name and type, printed
// as a table or JSON. Works from a config file or from flags alone. Exit status is
// non-zero only for usage errors: resolvers that fail are part of the report.
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>

#include "catalog/catalog.h"
#include "cli/cli.h"
#include "cli/progress.h"
#include "cli/table.h"
#include "common/log.h"
#include "config/config_loader.h"
#include "dns/query.h"
#include "model/classify.h"
#include "model/selection.h"
#include "net/parent_discovery.h"
#include "net/probe_engine.h"
#include "net/round_runner.h"
#include "net/uv_handle.h"

namespace dnsprop::cli {
namespace {

struct SurveyOptions {
  std::vector<std::string> resolvers;  // --resolver
  std::vector<std::string> catalogs;   // --catalog
  std::vector<std::string> countries, continents, operators, tags;
  bool include_restricted = false;
  std::string family;                  // --family: "" keeps the config's (default auto)
  std::vector<std::string> names;      // --name
  std::vector<std::string> types;      // --type
  std::vector<std::string> old_values, new_values;
  std::string output = "table";
  std::string timeout = "2s";
  int retries = 1;
  bool tcp = false;
  bool no_rd = false;
};

struct Row {
  const ResolverInfo* resolver;
  std::string name;
  RRType type;
  std::vector<std::string> old_values, new_values;
  bool classify = false;
  dns::Observation obs;
};

std::string absoluteName(std::string n) {
  std::transform(n.begin(), n.end(), n.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (n.empty() || n.back() != '.') n += '.';
  return n;
}

std::optional<std::uint32_t> minTtl(const dns::Observation& o, RRType type) {
  std::optional<std::uint32_t> ttl;
  for (const auto& r : o.chain) {
    if (r.type == dns::toQType(type)) ttl = ttl ? std::min(*ttl, r.ttl) : r.ttl;
  }
  if (!ttl && o.negative_ttl) ttl = o.negative_ttl;
  return ttl;
}

std::string answerText(const dns::Observation& o, RRType type) {
  std::string out;
  for (const auto& r : o.chain) {
    if (r.type != dns::toQType(type)) continue;
    if (!out.empty()) out += ' ';
    out += r.text;
  }
  return out;
}

int runSurvey(const GlobalOptions& g, const SurveyOptions& s) {
  // ---- what to ask ----
  std::optional<Config> config;
  const bool explicit_config = !g.config_file.empty();
  if (explicit_config || (s.names.empty() && std::filesystem::exists(defaultConfigPath()))) {
    config = loadSelectedConfig(g);
  }

  ResolverSelection sel;
  const bool flag_selection = !s.resolvers.empty() || !s.catalogs.empty() || !s.countries.empty() ||
                              !s.continents.empty() || !s.operators.empty() || !s.tags.empty();
  if (!flag_selection && config) sel = config->resolvers;
  for (const auto& c : s.catalogs) sel.catalogs.emplace_back(c);
  for (const auto& c : s.countries) sel.filter.countries.push_back(c);
  for (const auto& c : s.continents) sel.filter.continents.push_back(c);
  for (const auto& c : s.operators) sel.filter.operators.push_back(c);
  for (const auto& c : s.tags) sel.filter.tags.push_back(c);
  if (s.include_restricted) sel.filter.include_restricted = true;
  if (!s.family.empty()) {
    sel.family_auto = s.family == "auto";
    sel.filter.family.reset();
    if (s.family == "ipv4") sel.filter.family = Endpoint::Family::V4;
    if (s.family == "ipv6") sel.filter.family = Endpoint::Family::V6;
  }
  for (const auto& r : s.resolvers) {
    auto ep = Endpoint::parse(r);
    if (!ep) {
      std::cerr << "dnsprop survey: --resolver " << r
                << ": expected an address, address:port or [v6]:port\n";
      return kExitUsage;
    }
    ResolverInfo info;
    info.endpoint = *ep;
    info.name = r;
    sel.extra.push_back(info);
  }
  std::vector<ResolverInfo> resolvers;
  try {
    const auto choice = selectConfiguredResolvers(sel, ParentDiscovery::hostHasIpv6Route());
    resolvers = choice.resolvers;
    if (choice.ipv6_left_out > 0) {
      std::cerr << "dnsprop survey: this host has no IPv6 route; " << choice.ipv6_left_out
                << " IPv6 resolvers not asked (--family any asks them anyway)\n";
    }
  } catch (const CatalogError& e) {
    std::cerr << e.what() << "\n";
    return kExitUsage;
  }
  if (resolvers.empty()) {
    std::cerr << "dnsprop survey: no resolver selected (use --resolver, --catalog or a filter "
                 "that matches)\n";
    return kExitUsage;
  }

  std::vector<RRType> types;
  for (const auto& t : s.types) {
    auto rt = parseRRType(t);
    if (!rt || *rt == RRType::CNAME) {
      std::cerr << "dnsprop survey: --type " << t << ": expected A, AAAA, NS or MX\n";
      return kExitUsage;
    }
    types.push_back(*rt);
  }
  if (types.empty()) types = {RRType::A};

  // (name, type, old, new) to ask every resolver.
  struct Question {
    std::string name;
    RRType type;
    std::vector<std::string> old_values, new_values;
    bool classify;
  };
  std::vector<Question> questions;
  const bool have_expectations = !s.old_values.empty() || !s.new_values.empty();
  if (!s.names.empty()) {
    for (const auto& n : s.names) {
      for (auto t : types) {
        questions.push_back({absoluteName(n), t, s.old_values, s.new_values, have_expectations});
      }
    }
  } else if (config && !config->migrations.empty()) {
    for (const auto& m : config->migrations) {
      for (const auto& w : m.watch) {
        for (auto t : w.types) {
          questions.push_back({w.name, t, expectedValues(m.old_side, t), expectedValues(m.new_side, t), true});
        }
      }
    }
  } else {
    std::cerr << "dnsprop survey: nothing to ask: give --name (and --type) or a config with a "
                 "[[migration]]\n";
    return kExitUsage;
  }

  // ---- ask ----
  auto timeout = parseDuration(s.timeout);
  if (!timeout || timeout->count() <= 0) {
    std::cerr << "dnsprop survey: --timeout " << s.timeout << ": expected a duration like 2s\n";
    return kExitUsage;
  }
  dns::QueryOptions qopts;
  qopts.recursion_desired = !s.no_rd;
  std::vector<std::unique_ptr<dns::QueryTemplate>> templates;
  for (const auto& q : questions) {
    try {
      templates.push_back(std::make_unique<dns::QueryTemplate>(q.name, dns::toQType(q.type), qopts));
    } catch (const std::exception& e) {
      std::cerr << "dnsprop survey: " << q.name << ": " << e.what() << "\n";
      return kExitUsage;
    }
  }
  std::vector<Row> rows;
  std::vector<ProbeTarget> targets;
  for (std::size_t qi = 0; qi < questions.size(); ++qi) {
    for (const auto& r : resolvers) {
      rows.push_back({&r, questions[qi].name, questions[qi].type, questions[qi].old_values,
                      questions[qi].new_values, questions[qi].classify, {}});
      targets.push_back({templates[qi].get(), r.endpoint});
    }
  }

  uv::Loop loop;
  SystemClock clock;
  EngineOptions eopts;
  eopts.timeout = *timeout;
  eopts.retries = std::clamp(s.retries, 0, 10);
  eopts.tcp_only = s.tcp;
  RoundPlanOptions plan;
  if (config) {
    plan.rate_qps = config->monitor.rate_limit_qps;
    plan.burst = config->monitor.rate_limit_burst;
  }
  {
    ProbeEngine engine(loop.get(), clock, eopts);
    RoundRunner runner(loop.get(), engine);
    bool done = false;
    Progress progress(targets.size(), "probing");  // stderr, only on a terminal
    runner.start(
        targets, plan,
        [&](std::size_t i, const dns::Observation& o) {
          rows[i].obs = o;
          progress.tick();
        },
        [&] { done = true; });
    while (!done && uv_run(loop.get(), UV_RUN_ONCE) != 0) {
    }
    progress.finish();
  }

  // ---- report ----
  if (s.output == "json") {
    nlohmann::ordered_json out = nlohmann::ordered_json::array();
    for (const auto& row : rows) {
      nlohmann::ordered_json j;
      j["resolver"] = row.resolver->name;
      j["address"] = row.resolver->endpoint.toString();
      j["operator"] = row.resolver->operator_name;
      j["country"] = row.resolver->country;
      j["name"] = row.name;
      j["type"] = std::string(toString(row.type));
      j["outcome"] = std::string(dns::toString(row.obs.outcome));
      j["rcode"] = row.obs.rcode;
      auto values = nlohmann::ordered_json::array();
      for (const auto& r : row.obs.chain) {
        if (r.type == dns::toQType(row.type)) values.push_back(r.text);
      }
      j["answer"] = values;
      auto chain = nlohmann::ordered_json::array();
      for (const auto& r : row.obs.chain) {
        chain.push_back({{"owner", r.owner}, {"type", dns::qtypeName(r.type)}, {"ttl", r.ttl}, {"data", r.text}});
      }
      j["chain"] = chain;
      if (auto ttl = minTtl(row.obs, row.type)) j["ttl"] = *ttl; else j["ttl"] = nullptr;
      j["latency_ms"] = static_cast<double>(row.obs.latency.count()) / 1000.0;
      j["transport"] = std::string(dns::toString(row.obs.transport));
      j["attempts"] = row.obs.attempts;
      j["flags"] = {{"aa", row.obs.aa}, {"ad", row.obs.ad}, {"ra", row.obs.ra}, {"tc", row.obs.tc}};
      j["ede"] = row.obs.ede_codes;
      j["nsid"] = row.obs.nsid;
      if (row.classify) {
        j["class"] = std::string(toString(classifyValues(row.obs, row.type, row.old_values, row.new_values).cls));
      }
      out.push_back(std::move(j));
    }
    std::cout << out.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
    return kExitOk;
  }
  Table t({"RESOLVER", "ADDRESS", "OPERATOR", "CC", "NAME", "TYPE", "ANSWER", "TTL", "MS", "OUTCOME", "CLASS"});
  for (const auto& row : rows) {
    const auto ttl = minTtl(row.obs, row.type);
    char ms[32];
    std::snprintf(ms, sizeof ms, "%.1f", static_cast<double>(row.obs.latency.count()) / 1000.0);
    const bool answered = row.obs.latency.count() > 0;
    t.add({row.resolver->name, row.resolver->endpoint.toString(), row.resolver->operator_name,
           row.resolver->country, row.name, std::string(toString(row.type)),
           answerText(row.obs, row.type), ttl ? std::to_string(*ttl) : "-", answered ? ms : "-",
           std::string(dns::toString(row.obs.outcome)),
           row.classify ? std::string(toString(classifyValues(row.obs, row.type, row.old_values, row.new_values).cls))
                        : "-"});
  }
  t.print(std::cout);
  return kExitOk;
}

}  // namespace

void addSurveyCommand(CLI::App& app, GlobalOptions& g, Action& action) {
  auto opts = std::make_shared<SurveyOptions>();
  auto* cmd = app.add_subcommand(
      "survey",
      "Ask every selected resolver once and print what each answers (table or JSON). Uses the "
      "config's migrations and resolvers unless --name / --resolver / --catalog / filters are "
      "given.");
  cmd->add_option("--resolver", opts->resolvers, "Resolver ADDR, ADDR:PORT or [V6]:PORT (repeatable)");
  cmd->add_option("--catalog", opts->catalogs, "Resolver catalog file (repeatable)");
  cmd->add_option("--country", opts->countries, "Only resolvers of this country code (repeatable)");
  cmd->add_option("--continent", opts->continents, "Only resolvers on this continent (repeatable)");
  cmd->add_option("--operator", opts->operators, "Only resolvers whose operator contains this (repeatable)");
  cmd->add_option("--tag", opts->tags, "Only resolvers with this tag (repeatable)");
  cmd->add_option("--family", opts->family,
                  "auto (default: IPv6 resolvers only where this host has an IPv6 route), any, ipv4 or ipv6")
      ->check(CLI::IsMember({"auto", "any", "ipv4", "ipv6"}));
  cmd->add_flag("--all", opts->include_restricted, "Also ask ISP-only and encrypted-only entries");
  cmd->add_option("--name", opts->names, "Name to ask (repeatable)");
  cmd->add_option("--type", opts->types, "A, AAAA, NS or MX (repeatable; default A)");
  cmd->add_option("--old", opts->old_values, "An OLD value (address or host name; repeatable)");
  cmd->add_option("--new", opts->new_values, "A NEW value (address or host name; repeatable)");
  cmd->add_option("--output,-o", opts->output, "table or json")->check(CLI::IsMember({"table", "json"}));
  cmd->add_option("--timeout", opts->timeout, "Per-attempt timeout (default 2s)");
  cmd->add_option("--retries", opts->retries, "Retries after the first attempt (default 1)")
      ->check(CLI::Range(0, 10));
  cmd->add_flag("--tcp", opts->tcp, "Use TCP only");
  cmd->add_flag("--no-rd", opts->no_rd, "Send RD=0 (to ask authoritative servers)");
  cmd->callback([&action, &g, opts] { action = [&g, opts] { return runSurvey(g, *opts); }; });
}

}  // namespace dnsprop::cli

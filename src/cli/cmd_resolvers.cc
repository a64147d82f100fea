// `dnsprop resolvers list|import`: look at resolver catalogs, and turn a public-dns.info
// CSV export into a catalog. Listing is informational, so it shows restricted
// (isp-only, encrypted-only) entries too unless --open-only; probing uses
// ResolverFilter::include_restricted instead.
#include <fmt/format.h>

#include <array>
#include <fstream>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "catalog/catalog.h"
#include "catalog/public_dns_info.h"
#include "cli/cli.h"
#include "cli/table.h"

namespace dnsprop::cli {
namespace {

struct ListOptions {
  std::vector<std::string> catalogs;
  ResolverFilter filter;
  std::string family;
  bool all = false;
  bool open_only = false;
  std::string output = "table";
};

struct ImportCliOptions {
  std::string format;
  std::string file;
  double min_reliability = 0.95;
  std::vector<std::string> countries;
  std::string out;
};

nlohmann::json toJson(const ResolverInfo& r) {
  return {
      {"name", r.name},
      {"address", r.endpoint.address()},
      {"port", r.endpoint.port()},
      {"family", r.endpoint.family() == Endpoint::Family::V4 ? "ipv4" : "ipv6"},
      {"operator", r.operator_name},
      {"country", r.country},
      {"continent", r.continent},
      {"region", r.region},
      {"anycast", r.anycast},
      {"filtering", toString(r.filtering)},
      {"dnssec", r.dnssec_validating},
      {"access", toString(r.access)},
      {"dot", r.dot_name},
      {"doh", r.doh_url},
      {"tags", r.tags},
      {"source", r.source},
      {"notes", r.notes},
      {"catalog", r.catalog},
  };
}

void printTable(const std::vector<ResolverInfo>& rows) {
  Table t({"NAME", "ADDRESS", "OPERATOR", "COUNTRY", "REGION", "ACCESS", "FILTERING", "DNSSEC"});
  for (const auto& r : rows) {
    t.add({r.name, catalogAddress(r.endpoint), r.operator_name, r.country, r.region,
           std::string(toString(r.access)), std::string(toString(r.filtering)),
           r.dnssec_validating ? "yes" : "no"});
  }
  t.print(std::cout);
}

int runList(const ListOptions& o) {
  try {
    std::vector<std::filesystem::path> files(o.catalogs.begin(), o.catalogs.end());
    if (files.empty()) files = defaultCatalogPaths();
    if (files.empty()) {
      std::cerr << "dnsprop resolvers list: no catalogs found (set DNSPROP_RESOLVERS_DIR or "
                   "pass --catalog)\n";
      return kExitFailure;
    }
    ResolverFilter f = o.filter;
    if (o.family == "ipv4") f.family = Endpoint::Family::V4;
    if (o.family == "ipv6") f.family = Endpoint::Family::V6;
    f.include_restricted = !o.open_only;
    const auto rows = selectResolvers(loadCatalogs(files), f);
    if (o.output == "json") {
      nlohmann::json arr = nlohmann::json::array();
      for (const auto& r : rows) arr.push_back(toJson(r));
      std::cout << arr.dump(2) << "\n";
    } else {
      printTable(rows);
    }
    return kExitOk;
  } catch (const CatalogError& e) {
    std::cerr << e.what() << "\n";
    return kExitFailure;
  }
}

int runImport(const ImportCliOptions& o) {
  try {
    ImportOptions opt;
    opt.min_reliability = o.min_reliability;
    opt.countries = o.countries;
    opt.source_name = o.file;
    ImportResult result;
    if (o.file == "-") {
      result = importPublicDnsInfoDetailed(std::cin, opt);
    } else {
      std::ifstream in(o.file, std::ios::binary);
      if (!in) {
        std::cerr << o.file << ": cannot open\n";
        return kExitFailure;
      }
      result = importPublicDnsInfoDetailed(in, opt);
    }
    const std::string text = renderCatalogToml(result.catalog);
    if (o.out.empty() || o.out == "-") {
      std::cout << text;
    } else {
      std::ofstream out(o.out, std::ios::binary | std::ios::trunc);
      out << text;
      out.close();
      if (!out) {
        std::cerr << o.out << ": cannot write\n";
        return kExitFailure;
      }
    }
    const ImportStats& s = result.stats;
    std::cerr << fmt::format(
        "imported {} resolver(s); skipped {}: error {}, reliability {}, address {}, country {}, "
        "duplicate {}, malformed {}\n",
        s.imported, s.skipped(), s.skipped_error, s.skipped_reliability, s.skipped_address,
        s.skipped_country, s.skipped_duplicate, s.skipped_malformed);
    return kExitOk;
  } catch (const CatalogError& e) {
    std::cerr << e.what() << "\n";
    return kExitFailure;
  }
}

}  // namespace

void addResolversCommand(CLI::App& app, GlobalOptions&, Action& action) {
  auto* cmd = app.add_subcommand("resolvers", "List resolver catalogs, import resolver lists");
  cmd->require_subcommand(1);

  // The option structs must outlive parsing and the action; the callbacks own them.
  // Repeatable options take one value per occurrence, so `--country JP FILE` keeps FILE
  // as the positional argument.
  auto lo = std::make_shared<ListOptions>();
  auto* list = cmd->add_subcommand("list", "List catalog entries (default: the shipped catalogs)");
  list->add_option("--catalog", lo->catalogs, "Catalog file (repeatable; default: all shipped)")
      ->allow_extra_args(false)
      ->check(CLI::ExistingFile);
  list->add_option("--country", lo->filter.countries, "ISO 3166-1 alpha-2 code (repeatable)")
      ->allow_extra_args(false);
  list->add_option("--continent", lo->filter.continents, "AF AN AS EU NA OC SA (repeatable)")
      ->allow_extra_args(false);
  list->add_option("--operator", lo->filter.operators, "Operator substring (repeatable)")
      ->allow_extra_args(false);
  list->add_option("--tag", lo->filter.tags, "Tag (repeatable; any of them matches)")
      ->allow_extra_args(false);
  list->add_option("--name", lo->filter.names, "Exact resolver name (repeatable)")
      ->allow_extra_args(false);
  list->add_option("--family", lo->family, "ipv4 or ipv6")
      ->check(CLI::IsMember({"ipv4", "ipv6"}));
  auto* all = list->add_flag("--all", lo->all,
                             "Include isp-only and encrypted-only entries (the default for list)");
  list->add_flag("--open-only", lo->open_only, "Hide isp-only and encrypted-only entries")
      ->excludes(all);
  list->add_option("--output,-o", lo->output, "table or json")
      ->check(CLI::IsMember({"table", "json"}));
  list->callback([&action, lo] { action = [lo] { return runList(*lo); }; });

  auto io = std::make_shared<ImportCliOptions>();
  auto* imp = cmd->add_subcommand("import", "Convert a resolver list into catalog TOML");
  imp->add_option("--format", io->format, "Input format")
      ->required()
      ->check(CLI::IsMember({"public-dns-info"}));
  imp->add_option("file", io->file, "CSV file ('-' for standard input)")->required();
  imp->add_option("--min-reliability", io->min_reliability,
                  "Skip rows with a lower reliability (0..1, default 0.95)")
      ->check(CLI::Range(0.0, 1.0));
  imp->add_option("--country", io->countries, "Keep only this country code (repeatable)")
      ->allow_extra_args(false);
  imp->add_option("-o,--output", io->out, "Write the catalog here instead of standard output");
  imp->callback([&action, io] { action = [io] { return runImport(*io); }; });
}

}  // namespace dnsprop::cli

// Import of the public-dns.info "nameservers.csv" export into our catalog format, and
// the writer for that format. Pure functions over streams and values; thread-safe.
//
// CSV: RFC 4180 (comma-separated, fields may be double-quoted, "" is a quote inside a
// quoted field, quoted fields may hold commas and line breaks); the first record is a
// header that must name at least these columns, in any order:
//   ip_address,name,as_number,as_org,country_code,city,version,error,dnssec,reliability,
//   checked_at,created_at
// Rows that cannot be used are skipped and counted, never fatal.
#pragma once

#include <cstddef>
#include <istream>
#include <string>
#include <vector>

#include "catalog/catalog.h"

namespace dnsprop {

struct ImportOptions {
  double min_reliability = 0.95;          // rows below this are skipped
  std::vector<std::string> countries;     // keep only these country codes (case-insensitive); empty = all
  std::string catalog_name = "public-dns-info";
  std::string description = "Imported from the public-dns.info nameserver list";
  std::string source_name = "<csv>";      // file name used in CatalogError messages
};

struct ImportStats {
  std::size_t imported = 0;
  std::size_t skipped_error = 0;          // non-empty `error` column
  std::size_t skipped_reliability = 0;    // reliability missing, unparsable or below the threshold
  std::size_t skipped_address = 0;        // ip_address that is not an IPv4/IPv6 address
  std::size_t skipped_country = 0;        // country code missing, unknown, or not in options.countries
  std::size_t skipped_duplicate = 0;      // address already imported from an earlier row
  std::size_t skipped_malformed = 0;      // wrong number of fields
  std::size_t skipped() const {
    return skipped_error + skipped_reliability + skipped_address + skipped_country +
           skipped_duplicate + skipped_malformed;
  }
};

struct ImportResult {
  Catalog catalog;
  ImportStats stats;
};

// Reads the CSV and builds a catalog: every entry access "open", filtering "unknown",
// anycast false, tag "imported", operator from as_org (else name), region from city,
// continent from the country code, and a generated unique name "<cc>-<operator slug>-<n>".
// Throws CatalogError (file = options.source_name) when the header lacks a required
// column (line 1) or a quoted field is never closed (line where it started).
ImportResult importPublicDnsInfoDetailed(std::istream& csv, const ImportOptions& options);

// Same, without the statistics.
Catalog importPublicDnsInfo(std::istream& csv, const ImportOptions& options);

// The continent code (AF AN AS EU NA OC SA) for an upper-case ISO 3166-1 alpha-2 code;
// empty when unknown. Transcontinental countries follow common usage (RU, CY in EU;
// TR, GE, AM, AZ, KZ in AS).
std::string_view continentOfCountry(std::string_view country);

// Writes `c` in the catalog format; parseCatalog() of the result gives back the same
// catalog (names, fields, order). Keys are written in alphabetical order.
std::string renderCatalogToml(const Catalog& c);

}  // namespace dnsprop

// What `dnsprop init` saw at a domain's parent and authoritative servers, plus the
// operator's arguments -> the text of a commented config file (docs/CONFIG.md).
// Pure: no I/O, no DNS. The caller (src/cli/cmd_init.cc) asks the servers and writes
// the file; this decides what to watch, what OLD and NEW are, and whether there is a
// migration at all. Thread-safe (no shared state). Throws only std::bad_alloc.
#pragma once

#include <string>
#include <vector>

namespace dnsprop {

// A name inside the domain and the A/AAAA values the old servers serve for it.
struct ObservedHost {
  std::string name;                    // absolute, lower-case, trailing dot
  std::vector<std::string> addresses;  // IPv4 and IPv6 literals; empty = none served
};

struct InitFacts {
  std::string domain;                  // absolute, lower-case ("shop.example.jp.")
  // ---- observed (old side)
  std::vector<std::string> apex_addresses;  // A and AAAA of the apex
  ObservedHost www;                         // www.<domain>; empty addresses = no www
  std::vector<ObservedHost> mx_hosts;       // MX exchanges inside the domain
  std::vector<std::string> old_ns;          // absolute names
  std::vector<std::string> old_mx;          // exchange names, absolute
  std::vector<std::string> old_servers;     // addresses of the current NS hosts
  std::string parent_zone;                  // "test." ("" = unknown)
  std::vector<std::string> parent_servers;  // addresses (discovered)
  // ---- wanted (the command line)
  std::vector<std::string> new_addresses;   // --new-ip
  std::vector<std::string> new_ns;          // --new-ns; empty = same as old
  std::vector<std::string> new_mx;          // --new-mx; empty = same as old
  std::vector<std::string> new_servers;     // addresses of new_ns (used when NS changes)
  // ---- presentation
  std::vector<std::string> catalogs;        // written as given; empty = omit the key
  std::string note;                         // one comment line (e.g. how it was made)
};

enum class InitOutcome {
  Ok,
  SameAsOld,      // nothing would change: NEW equals OLD
  NothingToWatch, // old and new differ only where nothing is watched (e.g. no addresses)
};

struct InitDraft {
  InitOutcome outcome = InitOutcome::Ok;
  std::string text;     // the config (Ok only)
  std::string message;  // why not Ok
};

// Names in InitFacts are normalised here too (lower case, trailing dot); addresses are
// compared as given after removing duplicates (the caller passes canonical text).
InitDraft draftInitConfig(const InitFacts& facts);

}  // namespace dnsprop

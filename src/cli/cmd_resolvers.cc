#include <iostream>

#include "cli/cli.h"

namespace dnsprop::cli {

// Placeholder until its issue lands; exits 64 so scripts never mistake it for success.
void addResolversCommand(CLI::App& app, GlobalOptions&, Action& action) {
  auto* cmd = app.add_subcommand("resolvers", "resolvers (not implemented yet)");
  cmd->callback([&action] {
    action = [] {
      std::cerr << "dnsprop resolvers: not implemented yet\n";
      return kExitUsage;
    };
  });
}

}  // namespace dnsprop::cli

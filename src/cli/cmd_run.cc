#include <iostream>

#include "cli/cli.h"

namespace dnsprop::cli {

// Placeholder until its issue lands; exits 64 so scripts never mistake it for success.
void addRunCommand(CLI::App& app, GlobalOptions&, Action& action) {
  auto* cmd = app.add_subcommand("run", "run (not implemented yet)");
  cmd->callback([&action] {
    action = [] {
      std::cerr << "dnsprop run: not implemented yet\n";
      return kExitUsage;
    };
  });
}

}  // namespace dnsprop::cli

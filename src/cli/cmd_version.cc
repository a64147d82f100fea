#include <iostream>

#include "cli/cli.h"
#include "dnsprop/build_info.h"

namespace dnsprop::cli {

void addVersionCommand(CLI::App& app, GlobalOptions&, Action& action) {
  auto* cmd = app.add_subcommand("version", "Print version, revision and compiler");
  cmd->callback([&action] {
    action = [] {
      std::cout << "dnsprop " << build::kVersion << " (revision " << build::kRevision << ", "
                << build::kCompiler << ")\n";
      return kExitOk;
    };
  });
}

}  // namespace dnsprop::cli

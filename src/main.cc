// dnsprop: the executable only parses arguments and hands over to src/cli/.
#include "cli/cli.h"

int main(int argc, char** argv) { return dnsprop::cli::main(argc, argv); }

// berth: declarative multi-host compose. All of the CLI lives in cmd/; see ARCHITECTURE.md.
#include "cmd/cli.h"

int main(int argc, char** argv) { return berth::cli::run(argc, argv); }

#include "cli/main_command.h"

int main(int argc, char** argv) { return walrelay::cli::Main(argc, argv); }

#include "cli/main_command.h"

#ifdef WALRELAY_WITH_JEMALLOC
// jemalloc's compiled-in options (the MALLOC_CONF environment variable still overrides them).
// With jemalloc's defaults (several arenas, freed pages kept 10 s) the Debezium flavor's peak RSS
// was 112-154 MiB against 56 MiB with glibc malloc; one arena and a 100 ms decay brought it back
// to 57-59 MiB at no measurable CPU cost (docs/performance.md).
extern "C" {
const char* malloc_conf = "narenas:1,dirty_decay_ms:100,muzzy_decay_ms:0";
}
#endif

int main(int argc, char** argv) { return walrelay::cli::Main(argc, argv); }

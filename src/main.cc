#include "cli/main_command.h"

#ifdef WALRELAY_WITH_JEMALLOC
// jemalloc's compiled-in options (the MALLOC_CONF environment variable still overrides them).
// One arena: the source thread frees the records it built after the sink thread applied them, and
// with an arena per thread the freed memory was kept apart and the peak RSS doubled. Freed pages
// go back to the system after 100 ms instead of 10 s, which keeps the peak RSS near the live
// batches' size at no measurable CPU cost (bench/pg_to_pg.sh).
extern "C" {
const char* malloc_conf = "narenas:1,dirty_decay_ms:100,muzzy_decay_ms:0";
}
#endif

int main(int argc, char** argv) { return walrelay::cli::Main(argc, argv); }

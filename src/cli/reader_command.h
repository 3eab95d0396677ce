#pragma once

#include <string>
#include <vector>

namespace walrelay::cli {

// `walrelay reader [--dsn DSN] [--interval SECONDS] [--count N]`: the seed's .NET reader app.
// Every interval (default 5 s) prints "<UTC time> current_value=<v>" for public.debezium_table
// id=1 on stdout, one line per read ("current_value=none" while the row does not exist); stops
// after N reads or on SIGINT/SIGTERM. Reconnects every 5 s while the database is away and waits
// while the table does not exist yet (the sink may create it). Returns 0 after a normal stop, 1
// when the database refused the work for good, 2 for bad arguments.
int ReaderCommand(const std::vector<std::string>& args);

}  // namespace walrelay::cli

#pragma once

#include <string>
#include <vector>

namespace walrelay::cli {

// `walrelay writer [--dsn DSN] [--outbox | --query SQL] [--rate N] [--duration SECONDS]
// [--quiet]`: the seed's .NET writer app, a load generator for the source database.
//
// Counter mode (default) upserts public.debezium_table id=1 with current_value + 1, one
// transaction each; --outbox inserts public.outbox Person/PersonCreated events; --query runs the
// given SQL. The DSN comes from --dsn or CONNECTION_STRING (libpq or ADO.NET form, see dsn.h).
// Runs until --duration is over or SIGINT/SIGTERM, then prints "committed=N" (and
// "current_value=V" in counter mode) on stdout. Survives the database going away: reconnects every
// 5 s and settles the fate of a transaction whose COMMIT was cut off before counting it.
// Returns 0 after a normal stop, 1 when the database refused the work for good (bad credentials,
// a failing statement), 2 for bad arguments.
int WriterCommand(const std::vector<std::string>& args);

}  // namespace walrelay::cli

#pragma once

#include <string>
#include <vector>

namespace walrelay::cli {

// `walrelay writer`: the seed's writer app. Counter mode (default) upserts debezium_table id=1 with
// current_value + 1 in a loop; --outbox inserts Person/PersonCreated outbox events; --query runs
// the given SQL in a loop. Retries every 5 s while the database is away.
int WriterCommand(const std::vector<std::string>& args);

// `walrelay reader`: the seed's reader app; prints current_value of debezium_table id=1 every
// --interval seconds.
int ReaderCommand(const std::vector<std::string>& args);

}  // namespace walrelay::cli

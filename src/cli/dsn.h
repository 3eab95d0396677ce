#pragma once

#include <string>
#include <string_view>

#include "common/status.h"

namespace walrelay::cli {

// Turns a connection string as the seed's apps took it into a libpq conninfo: a libpq keyword
// string or URI passes through; the ADO.NET form "Server=..;Port=..;Database=..;User Id=..;
// Password=.." (keys case-insensitive; also Host, Username, User, Uid, Pwd) is converted.
// kInvalidArgument names an unknown key.
Result<std::string> ToConninfo(std::string_view dsn);

}  // namespace walrelay::cli

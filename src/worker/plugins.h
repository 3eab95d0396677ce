#pragma once

// The connector plugin catalog moved to runtime/plugins.h, where the standalone herder uses it
// too; these names keep worker/ compiling unchanged while other work is in flight there. Include
// runtime/plugins.h in new code.
#include "runtime/plugins.h"

namespace walrelay::worker {
using runtime::ConnectorType;
using runtime::ConnectorTypeName;
using runtime::FindPlugin;
using runtime::Plugin;
using runtime::Plugins;
using runtime::TaskConfigs;
}  // namespace walrelay::worker

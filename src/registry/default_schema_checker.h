#pragma once

#include <memory>

#include "registry/schema_checker.h"

namespace walrelay::registry {

// The SchemaChecker a served registry (`walrelay registry`, a worker's schema.registry.listeners)
// uses: the one place the binary chooses its schema language. Today that is Avro
// (AvroSchemaChecker); JSON Schema and Protobuf are not supported.
std::unique_ptr<SchemaChecker> DefaultSchemaChecker();

}  // namespace walrelay::registry

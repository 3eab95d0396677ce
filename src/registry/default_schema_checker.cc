#include "registry/default_schema_checker.h"

#include "registry/avro_schema_checker.h"

namespace walrelay::registry {

std::unique_ptr<SchemaChecker> DefaultSchemaChecker() {
  return std::make_unique<AvroSchemaChecker>();
}

}  // namespace walrelay::registry

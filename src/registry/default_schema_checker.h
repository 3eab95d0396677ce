#pragma once

#include <memory>

#include "registry/schema_checker.h"

namespace walrelay::registry {

// The SchemaChecker a served registry (`walrelay registry`, a worker's schema.registry.listeners)
// uses: the one place the binary chooses its schema language.
//
// TEMPORARY (integration point): Avro support (registry/avro_schema_checker.h,
// AvroSchemaChecker) is being added on main. Until it is merged this returns a checker that
// refuses every schema with "Avro support is not linked in this build"; the integrator replaces
// the body of DefaultSchemaChecker() in default_schema_checker.cc with
// `return std::make_unique<AvroSchemaChecker>();` and deletes UnlinkedSchemaChecker.
std::unique_ptr<SchemaChecker> DefaultSchemaChecker();

}  // namespace walrelay::registry

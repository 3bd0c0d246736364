// Internal: the table that db/embed_migrations.cmake generates from db/migrations/*.sql.
// Use BuiltinMigrations() (db/migrator.h) instead.
#pragma once

#include <cstddef>
#include <string_view>

namespace ruru::db::internal {

struct EmbeddedMigration {
  int version;
  const char* name;
  std::string_view sql;
  const char* checksum;  // SHA-256 of the file, computed by CMake
};

// Ascending by version; the generator refuses duplicates and bad names.
extern const EmbeddedMigration kEmbeddedMigrations[];
extern const std::size_t kEmbeddedMigrationCount;

}  // namespace ruru::db::internal

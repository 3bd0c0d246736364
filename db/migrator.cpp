// The pure half of the migrator: the embedded list, checksums and the plan. The half that talks
// to PostgreSQL is db/pg/pg_migrator.cpp.
#include "db/migrator.h"

#include <openssl/evp.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <map>

#include "db/embedded_migrations.h"

namespace ruru::db {
namespace {

std::string VersionLabel(int version) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "V%04d", version);
  return buf;
}

std::string Describe(int version, const std::string& name) { return VersionLabel(version) + " (" + name + ")"; }

}  // namespace

std::string Sha256Hex(std::string_view data) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  // EVP_Digest with SHA-256 fails only on allocation failure; nothing sensible to return then.
  if (EVP_Digest(data.data(), data.size(), digest, &size, EVP_sha256(), nullptr) != 1) std::abort();
  static constexpr char kHex[] = "0123456789abcdef";
  std::string hex;
  hex.reserve(size * 2);
  for (unsigned int i = 0; i < size; ++i) {
    hex.push_back(kHex[digest[i] >> 4]);
    hex.push_back(kHex[digest[i] & 0xf]);
  }
  return hex;
}

Migration MakeMigration(int version, std::string name, std::string sql) {
  std::string checksum = Sha256Hex(sql);
  return Migration{version, std::move(name), std::move(sql), std::move(checksum)};
}

const std::vector<Migration>& BuiltinMigrations() {
  // Built once, never modified afterwards: safe to share between threads.
  static const std::vector<Migration> migrations = [] {
    std::vector<Migration> list;
    list.reserve(internal::kEmbeddedMigrationCount);
    for (std::size_t i = 0; i < internal::kEmbeddedMigrationCount; ++i) {
      const internal::EmbeddedMigration& m = internal::kEmbeddedMigrations[i];
      list.push_back(Migration{m.version, m.name, std::string(m.sql), m.checksum});
    }
    return list;
  }();
  return migrations;
}

Result<std::vector<Migration>> PlanMigrations(const std::vector<Migration>& known,
                                              const std::vector<AppliedMigration>& applied) {
  std::map<int, const Migration*> by_version;
  int previous = 0;
  for (const Migration& m : known) {
    if (m.version <= previous) {
      return InvalidArgument("migration list is not strictly ascending at " + Describe(m.version, m.name));
    }
    if (m.name.empty()) return InvalidArgument("migration " + VersionLabel(m.version) + " has no name");
    previous = m.version;
    by_version.emplace(m.version, &m);
  }
  const int latest_known = known.empty() ? 0 : known.back().version;

  int highest_applied = 0;
  for (const AppliedMigration& a : applied) {
    auto it = by_version.find(a.version);
    if (it == by_version.end()) {
      return Conflict("the database has migration " + Describe(a.version, a.name) +
                      " which this binary does not know (it knows up to " + VersionLabel(latest_known) +
                      "): it was migrated by a newer acsd; run that version or restore a backup");
    }
    if (it->second->checksum != a.checksum) {
      return Conflict("migration " + Describe(a.version, a.name) + " was applied with checksum " + a.checksum +
                      " but this binary's copy has " + it->second->checksum +
                      ": a released migration file was edited; add a new migration instead");
    }
    highest_applied = std::max(highest_applied, a.version);
  }

  std::vector<Migration> pending;
  for (const Migration& m : known) {
    const bool done =
        std::any_of(applied.begin(), applied.end(), [&](const AppliedMigration& a) { return a.version == m.version; });
    if (done) continue;
    if (m.version < highest_applied) {
      return Conflict("migration " + Describe(m.version, m.name) + " is not applied but the later " +
                      VersionLabel(highest_applied) +
                      " is; refusing to apply out of order (renumber it after the latest)");
    }
    pending.push_back(m);
  }
  return pending;
}

}  // namespace ruru::db

// Where tests find the source tree, their fixtures and the programs they run. The absolute paths
// live in one generated file of the build tree (tests/support/test_paths.cpp.in), not in every
// test's compile flags, so a test's object file is the same in every checkout and the compiler
// cache that clones on one machine share (tests/run.sh) hits for it. Pure; thread-safe.
#pragma once

namespace ruru::testing::paths {
const char* SourceDir();      // the checkout
const char* BinaryDir();      // the build tree
const char* FixturesDir();    // tests/fixtures
const char* CpesimDir();      // tests/cpesim (models, testdata)
const char* MigrationsDir();  // db/migrations
const char* Acsd();           // the programs of this build
const char* Acsctl();
const char* Cpesim();
}  // namespace ruru::testing::paths

#define RURU_SOURCE_DIR (::ruru::testing::paths::SourceDir())
#define RURU_BINARY_DIR (::ruru::testing::paths::BinaryDir())
#define RURU_FIXTURES_DIR (::ruru::testing::paths::FixturesDir())
#define RURU_CPESIM_DIR (::ruru::testing::paths::CpesimDir())
#define RURU_MIGRATIONS_DIR (::ruru::testing::paths::MigrationsDir())
#define ACSD_PATH (::ruru::testing::paths::Acsd())
#define ACSCTL_PATH (::ruru::testing::paths::Acsctl())
#define CPESIM_PATH (::ruru::testing::paths::Cpesim())
#define ACSD_PATH_FOR_TEST ACSD_PATH
#define ACSCTL_PATH_FOR_TEST ACSCTL_PATH
#define CPESIM_PATH_FOR_TEST CPESIM_PATH

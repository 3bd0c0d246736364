# Every dependency comes from a Debian package (deploy/install-deps.sh installs them).
find_package(Threads REQUIRED)
find_package(PkgConfig REQUIRED)
find_package(fmt REQUIRED)
find_package(spdlog REQUIRED)
find_package(nlohmann_json 3.10 REQUIRED)
find_package(CLI11 REQUIRED)
find_package(OpenSSL 3 REQUIRED)
find_package(Boost 1.74 REQUIRED)
find_package(CURL REQUIRED)

pkg_check_modules(PQXX REQUIRED IMPORTED_TARGET libpqxx)
pkg_check_modules(GSOAPXX REQUIRED IMPORTED_TARGET gsoap++)

find_program(SOAPCPP2 soapcpp2 REQUIRED)
find_path(GSOAP_IMPORT_DIR stlvector.h PATHS /usr/share/gsoap/import REQUIRED)

# C++20 coroutines with Asio (base/asio.h): Boost 1.74 only detects them for gcc; clang 14 with
# libstdc++ works once told. Its -fsanitize=function breaks coroutine frames ("cannot represent a
# difference across sections"), so sanitizer builds leave that one check out (CMakeLists.txt).
if(CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
  add_compile_definitions(BOOST_ASIO_HAS_CO_AWAIT=1)
endif()

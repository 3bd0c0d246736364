# Runs db/embed_migrations.cmake on scratch migration directories and checks that it accepts good
# ones and fails the build on bad ones. Usage (see CMakeLists.txt):
#   cmake -DEMBED_SCRIPT=<db/embed_migrations.cmake> -DWORK_DIR=<scratch dir> -P embed_migrations_test.cmake
cmake_minimum_required(VERSION 3.25)

# expect_embed(<case> <ACCEPT|REJECT> <expected text in output or error> FILES <name> <content> ...)
# CMake lists split on ";", so contents spell a semicolon as <sc>.
function(expect_embed case outcome expected)
  cmake_parse_arguments(E "" "" "FILES" ${ARGN})
  set(dir "${WORK_DIR}/${case}")
  file(REMOVE_RECURSE "${dir}")
  file(MAKE_DIRECTORY "${dir}/migrations")
  set(files ${E_FILES})
  list(LENGTH files n)
  math(EXPR last "${n} - 1")
  foreach(i RANGE 0 ${last} 2)
    math(EXPR j "${i} + 1")
    list(GET files ${i} name)
    list(GET files ${j} content)
    string(REPLACE "<sc>" ";" content "${content}")
    file(WRITE "${dir}/migrations/${name}" "${content}")
  endforeach()
  execute_process(
    COMMAND ${CMAKE_COMMAND} -DMIGRATIONS_DIR=${dir}/migrations -DOUTPUT=${dir}/out.cpp -P ${EMBED_SCRIPT}
    RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(outcome STREQUAL "ACCEPT")
    if(NOT rc EQUAL 0)
      message(SEND_ERROR "${case}: expected success, got ${rc}: ${err}")
    else()
      file(READ "${dir}/out.cpp" generated)
      string(FIND "${generated}" "${expected}" pos)
      if(pos EQUAL -1)
        message(SEND_ERROR "${case}: output lacks '${expected}':\n${generated}")
      endif()
    endif()
  else()
    string(REGEX REPLACE "[ \t\n]+" " " err "${err}")  # CMake wraps long messages
    string(FIND "${err}" "${expected}" pos)
    if(rc EQUAL 0 OR pos EQUAL -1)
      message(SEND_ERROR "${case}: expected failure mentioning '${expected}', got rc=${rc}: ${err}")
    endif()
  endif()
endfunction()

expect_embed(ok ACCEPT "{10, \"add_thing\", {kSql1"
  FILES "V0001__create_thing.sql" "CREATE TABLE thing (id int)<sc>\n"
        "V0010__add_thing.sql" "ALTER TABLE thing ADD COLUMN name text<sc>\n")
# The checksum is the SHA-256 of the file: sha256("SELECT 1;\n").
expect_embed(checksum ACCEPT "b4e0497804e46e0a0b0b8c31975b062152d551bac49c3c2e80932567b4085dcd"
  FILES "V0001__one.sql" "SELECT 1<sc>\n")
expect_embed(bad_name REJECT "must look like V0001__snake_case_name.sql"
  FILES "V1__short.sql" "SELECT 1<sc>\n")
expect_embed(upper_case_name REJECT "must look like"
  FILES "V0001__CreateThing.sql" "SELECT 1<sc>\n")
expect_embed(version_zero REJECT "version 0000 is reserved"
  FILES "V0000__zero.sql" "SELECT 1<sc>\n")
expect_embed(duplicate_version REJECT "version 2 is used by two files"
  FILES "V0002__a.sql" "SELECT 1<sc>\n" "V0002__b.sql" "SELECT 2<sc>\n")
# CR bytes and quotes survive byte for byte: sha256("SELECT '\"'\r\n").
expect_embed(crlf ACCEPT "\\x27\\x0d\\x0a\""
  FILES "V0001__crlf.sql" "SELECT '\"'\r\n")
expect_embed(crlf_checksum ACCEPT "dea40de1adb61f14deabadd6852376f15cd87fb7367fa61978a51f324953e043"
  FILES "V0001__crlf.sql" "SELECT '\"'\r\n")
expect_embed(empty REJECT "is empty"
  FILES "V0001__empty.sql" "  \n")

# The server (issues 3, 5, 12): one library per folder of server/src, each
# depending only on those below it, and the two programs isoloir-server and
# isoloir-admin. Native only (included outside EMSCRIPTEN).
#
#   text    the text rules (no I/O)
#   db      SQLite and PostgreSQL, the only code that talks SQL
#   urn     the election's storage                      (text, db)
#   portal  accounts, sessions, throttles, the flows    (urn, text, db)
#   net     mail, SMS and the OpenID client on libcurl  (portal, text)
#   http    the HTTP surface                            (all of the above)
#
# Their private headers are included by path from server/src ("db/sql.h"),
# as LevelDB does from its root; the public ones are under server/include.
find_package(SQLite3 REQUIRED)
pkg_check_modules(LIBPQXX REQUIRED IMPORTED_TARGET libpqxx libpq)
pkg_check_modules(LIBARCHIVE REQUIRED IMPORTED_TARGET libarchive)
find_package(OpenSSL 3 REQUIRED COMPONENTS Crypto)
find_package(CURL REQUIRED)
pkg_check_modules(HTTPLIB REQUIRED IMPORTED_TARGET cpp-httplib)
find_package(Boost 1.74 REQUIRED)
find_package(Threads REQUIRED)
set(ISOLOIR_SERVER_SRC ${CMAKE_SOURCE_DIR}/server/src)
foreach(dir text db urn portal net http)
  add_subdirectory(${ISOLOIR_SERVER_SRC}/${dir})
endforeach()

find_package(GTest REQUIRED)
include(GoogleTest)
file(GLOB ISOLOIR_URN_TEST_SOURCES CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/server/tests/*_test.cpp)
list(FILTER ISOLOIR_URN_TEST_SOURCES EXCLUDE REGEX "/(mail|pg)_test\\.cpp$")
# A throw-away database per test for the suites' PostgreSQL runs
# (server/tests/pg_scratch.h), linked by every test program that makes data
# directories.
add_library(isoloir_test_pg STATIC ${CMAKE_SOURCE_DIR}/server/tests/pg_scratch.cpp)
target_link_libraries(isoloir_test_pg PUBLIC PkgConfig::LIBPQXX PRIVATE isoloir_core)
target_compile_options(isoloir_test_pg PRIVATE ${ISOLOIR_WARNINGS})

add_executable(isoloir_urn_tests ${ISOLOIR_URN_TEST_SOURCES}
                                 ${CMAKE_SOURCE_DIR}/server/tests/urn_fixture.cpp
                                 ${CMAKE_SOURCE_DIR}/tests/native/vectors.cpp)
# server/src for private headers (urn/ceremony_store.h, db/pg.h).
target_include_directories(isoloir_urn_tests PRIVATE ${CMAKE_SOURCE_DIR}/server/tests
                                                     ${CMAKE_SOURCE_DIR}/tests/native
                                                     ${CMAKE_SOURCE_DIR}/server/src)
target_link_libraries(isoloir_urn_tests PRIVATE isoloir_urn isoloir_portal isoloir_db isoloir_text isoloir_test_pg SQLite::SQLite3 OpenSSL::Crypto
                                                PkgConfig::LIBPQXX GTest::gtest GTest::gtest_main)
target_compile_options(isoloir_urn_tests PRIVATE ${ISOLOIR_WARNINGS})
target_compile_definitions(isoloir_urn_tests PRIVATE
  ISOLOIR_VECTORS_DIR="${ISOLOIR_VECTORS_DIR}")
gtest_discover_tests(isoloir_urn_tests DISCOVERY_TIMEOUT 60)
# The urn's suites again with the election in PostgreSQL (a database per
# test in the cluster of ISOLOIR_PG_URL: urn_fixture.h's TempDir).
gtest_discover_tests(isoloir_urn_tests TEST_PREFIX "postgres." DISCOVERY_TIMEOUT 60
                     TEST_FILTER "Urn.*:UrnPortal.*:UrnClose.*:UrnCrash.*"
                     PROPERTIES ENVIRONMENT "ISOLOIR_URN_BACKEND=postgres")

# The PostgreSQL layer against the real server of scripts/pg.sh
# (ISOLOIR_PG_URL; skipped without it unless ISOLOIR_REQUIRE_PG=1). Run
# alone (RUN_SERIAL): one test restarts that server under everyone's feet.
add_executable(isoloir_pg_tests ${CMAKE_SOURCE_DIR}/server/tests/pg_test.cpp)
target_include_directories(isoloir_pg_tests PRIVATE ${CMAKE_SOURCE_DIR}/server/src
                                                    ${CMAKE_SOURCE_DIR}/server/tests)
target_link_libraries(isoloir_pg_tests PRIVATE isoloir_db GTest::gtest GTest::gtest_main)
target_compile_options(isoloir_pg_tests PRIVATE ${ISOLOIR_WARNINGS})
target_compile_definitions(isoloir_pg_tests PRIVATE
  ISOLOIR_PG_SCRIPT="${CMAKE_SOURCE_DIR}/scripts/pg.sh")
gtest_discover_tests(isoloir_pg_tests TEST_PREFIX "pg." DISCOVERY_TIMEOUT 60
                     PROPERTIES RUN_SERIAL TRUE)

find_package(benchmark QUIET)
if(benchmark_FOUND AND NOT ISOLOIR_SANITIZE)
  add_executable(isoloir_urn_bench ${CMAKE_SOURCE_DIR}/bench/urn_bench.cpp
                                   ${CMAKE_SOURCE_DIR}/server/tests/urn_fixture.cpp
                                   ${CMAKE_SOURCE_DIR}/tests/native/vectors.cpp)
  target_include_directories(isoloir_urn_bench PRIVATE ${CMAKE_SOURCE_DIR}/server/tests
                                                       ${CMAKE_SOURCE_DIR}/tests/native)
  target_link_libraries(isoloir_urn_bench PRIVATE isoloir_urn isoloir_test_pg benchmark::benchmark)
  target_compile_options(isoloir_urn_bench PRIVATE ${ISOLOIR_WARNINGS})
  target_compile_definitions(isoloir_urn_bench PRIVATE
    ISOLOIR_VECTORS_DIR="${ISOLOIR_VECTORS_DIR}")
endif()

add_executable(isoloir-server ${CMAKE_SOURCE_DIR}/server/src/main.cpp)
target_link_libraries(isoloir-server PRIVATE isoloir_http)
target_include_directories(isoloir-server PRIVATE ${ISOLOIR_SERVER_SRC})
target_compile_options(isoloir-server PRIVATE ${ISOLOIR_WARNINGS})

add_executable(isoloir-admin ${CMAKE_SOURCE_DIR}/server/src/admin.cpp)
# isoloir_reports (tools/tools.cmake): the procès-verbal and the émargement list.
target_link_libraries(isoloir-admin PRIVATE isoloir_urn isoloir_text isoloir_reports)
target_include_directories(isoloir-admin PRIVATE ${ISOLOIR_SERVER_SRC})
target_compile_options(isoloir-admin PRIVATE ${ISOLOIR_WARNINGS})

# Black-box tests: the real binaries on 127.0.0.1, driven over HTTP.
add_executable(isoloir_http_tests ${CMAKE_SOURCE_DIR}/server/tests/http_integration.cpp
                                  ${CMAKE_SOURCE_DIR}/server/tests/http_portal_integration.cpp
                                  ${CMAKE_SOURCE_DIR}/server/tests/http_config_unit.cpp
                                  ${CMAKE_SOURCE_DIR}/server/tests/http_hostile.cpp
                                  ${CMAKE_SOURCE_DIR}/server/tests/http_oidc_integration.cpp
                                  ${CMAKE_SOURCE_DIR}/server/tests/http_concurrency.cpp
                                  ${CMAKE_SOURCE_DIR}/server/tests/http_clock.cpp
                                  ${CMAKE_SOURCE_DIR}/server/tests/http_election_end.cpp
                                  ${CMAKE_SOURCE_DIR}/server/tests/http_ceremony.cpp
                                  ${CMAKE_SOURCE_DIR}/server/tests/http_shared_state.cpp
                                  ${CMAKE_SOURCE_DIR}/tests/native/vectors.cpp)
# server/src for http/http_internal.h (the client-address rule's unit test).
target_include_directories(isoloir_http_tests PRIVATE ${CMAKE_SOURCE_DIR}/tests/native
                                                      ${CMAKE_SOURCE_DIR}/server/src)
target_link_libraries(isoloir_http_tests PRIVATE isoloir_http isoloir_test_pg PkgConfig::HTTPLIB OpenSSL::Crypto
                                                 GTest::gtest GTest::gtest_main)
target_compile_options(isoloir_http_tests PRIVATE ${ISOLOIR_WARNINGS})
target_compile_definitions(isoloir_http_tests PRIVATE
  ISOLOIR_VECTORS_DIR="${ISOLOIR_VECTORS_DIR}"
  ISOLOIR_SERVER="$<TARGET_FILE:isoloir-server>"
  ISOLOIR_ADMIN="$<TARGET_FILE:isoloir-admin>"
  ISOLOIR_CLI="$<TARGET_FILE:isoloir>")
add_dependencies(isoloir_http_tests isoloir-server isoloir-admin isoloir)
gtest_discover_tests(isoloir_http_tests TEST_PREFIX "http." DISCOVERY_TIMEOUT 60)
# Three servers on one PostgreSQL, one killed and the database restarted
# mid-load (server/tests/multi_server.cpp). Alone (RUN_SERIAL): the restart
# cuts off every connection to the cluster.
add_executable(isoloir_multi_server_tests ${CMAKE_SOURCE_DIR}/server/tests/multi_server.cpp
                                          ${CMAKE_SOURCE_DIR}/tests/native/vectors.cpp)
target_include_directories(isoloir_multi_server_tests PRIVATE ${CMAKE_SOURCE_DIR}/tests/native
                                                              ${CMAKE_SOURCE_DIR}/server/tests)
target_link_libraries(isoloir_multi_server_tests PRIVATE isoloir_urn isoloir_test_pg
                      PkgConfig::HTTPLIB GTest::gtest GTest::gtest_main)
target_compile_options(isoloir_multi_server_tests PRIVATE ${ISOLOIR_WARNINGS})
target_compile_definitions(isoloir_multi_server_tests PRIVATE
  ISOLOIR_VECTORS_DIR="${ISOLOIR_VECTORS_DIR}"
  ISOLOIR_SERVER="$<TARGET_FILE:isoloir-server>"
  ISOLOIR_ADMIN="$<TARGET_FILE:isoloir-admin>"
  ISOLOIR_CLI="$<TARGET_FILE:isoloir>"
  ISOLOIR_PG_SCRIPT="${CMAKE_SOURCE_DIR}/scripts/pg.sh")
add_dependencies(isoloir_multi_server_tests isoloir-server isoloir-admin isoloir)
gtest_discover_tests(isoloir_multi_server_tests DISCOVERY_TIMEOUT 60
                     PROPERTIES ENVIRONMENT "ISOLOIR_URN_BACKEND=postgres" RUN_SERIAL TRUE)
# The HTTP suite again with each test's election in PostgreSQL
# (http_harness.h's postgres_data_dir).
gtest_discover_tests(isoloir_http_tests TEST_PREFIX "http-postgres." DISCOVERY_TIMEOUT 60
                     PROPERTIES ENVIRONMENT "ISOLOIR_URN_BACKEND=postgres")

# A test-only program that fills a data directory with ballots cast through
# the library, for the Jest test of the board (tests/js/board.test.mjs).
add_executable(isoloir_board_fixture ${CMAKE_SOURCE_DIR}/server/tests/board_fixture.cpp
                                     ${CMAKE_SOURCE_DIR}/tests/native/vectors.cpp)
target_include_directories(isoloir_board_fixture PRIVATE ${CMAKE_SOURCE_DIR}/tests/native)
target_link_libraries(isoloir_board_fixture PRIVATE isoloir_urn)
target_compile_options(isoloir_board_fixture PRIVATE ${ISOLOIR_WARNINGS})
target_compile_definitions(isoloir_board_fixture PRIVATE
  ISOLOIR_VECTORS_DIR="${ISOLOIR_VECTORS_DIR}")

# Against a real SMTP listener on 127.0.0.1 inside the test, and a temporary
# outbox; includes server/src for the internal net/mail_message.h.
add_executable(isoloir_mail_tests ${CMAKE_SOURCE_DIR}/server/tests/mail_test.cpp
                                  ${CMAKE_SOURCE_DIR}/server/tests/mail_sms_unit.cpp
                                  ${CMAKE_SOURCE_DIR}/server/tests/oidc_client_unit.cpp)
target_include_directories(isoloir_mail_tests PRIVATE ${ISOLOIR_SERVER_SRC})
target_link_libraries(isoloir_mail_tests PRIVATE isoloir_net isoloir_text PkgConfig::HTTPLIB OpenSSL::Crypto
                                                 GTest::gtest GTest::gtest_main)
target_compile_options(isoloir_mail_tests PRIVATE ${ISOLOIR_WARNINGS})
gtest_discover_tests(isoloir_mail_tests TEST_PREFIX "mail." DISCOVERY_TIMEOUT 60)

# ---------------------------------------------------------------------------
# The HTTP load generator for casting (bench/urn_load.cpp): a plain program,
# not a Google Benchmark and not a test (never registered with ctest). It
# drives the real isoloir-server through the black-box tests' harness
# (http_harness.h, portal_harness.h), whose EXPECT macros need GoogleTest.
# Figures in docs/benchmarks.md.
add_executable(isoloir_urn_load ${CMAKE_SOURCE_DIR}/bench/urn_load.cpp
                                ${CMAKE_SOURCE_DIR}/tests/native/vectors.cpp)
target_include_directories(isoloir_urn_load PRIVATE ${CMAKE_SOURCE_DIR}/server/tests
                                                    ${CMAKE_SOURCE_DIR}/tests/native)
target_link_libraries(isoloir_urn_load PRIVATE isoloir_urn isoloir_portal isoloir_test_pg PkgConfig::HTTPLIB GTest::gtest)
target_compile_options(isoloir_urn_load PRIVATE ${ISOLOIR_WARNINGS})
target_compile_definitions(isoloir_urn_load PRIVATE
  ISOLOIR_VECTORS_DIR="${ISOLOIR_VECTORS_DIR}"
  ISOLOIR_SERVER="$<TARGET_FILE:isoloir-server>"
  ISOLOIR_ADMIN="$<TARGET_FILE:isoloir-admin>")
add_dependencies(isoloir_urn_load isoloir-server isoloir-admin)

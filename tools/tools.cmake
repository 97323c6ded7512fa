# The native command-line tool (tools/isoloir.cpp) and its black-box tests.
# Native only (CMakeLists.txt includes this outside EMSCRIPTEN). `codes issue`
# draws the registrar's notices with cairo (Debian's libcairo2-dev, its PDF
# surface) and reads voter files with the urn's own parser (isoloir_urn,
# defined in server/server.cmake).
pkg_check_modules(CAIRO REQUIRED IMPORTED_TARGET cairo)
add_executable(isoloir ${CMAKE_SOURCE_DIR}/tools/isoloir.cpp ${CMAKE_SOURCE_DIR}/tools/notices.cpp
                       ${CMAKE_SOURCE_DIR}/tools/trustee_cli.cpp ${CMAKE_SOURCE_DIR}/tools/tally_cli.cpp
                       ${CMAKE_SOURCE_DIR}/tools/paris_time.cpp ${CMAKE_SOURCE_DIR}/tools/postal.cpp
                       ${CMAKE_SOURCE_DIR}/tools/passphrase.cpp)
target_link_libraries(isoloir PRIVATE isoloir_core isoloir_urn PkgConfig::CAIRO)
target_compile_options(isoloir PRIVATE ${ISOLOIR_WARNINGS})

# GoogleTest driving the built binary as a user would: arguments, files,
# standard input, output and exit status. Reuses the native tests' vector
# loader; reads what `codes issue` writes with the urn's voter-file parser and
# poppler's pdftotext (poppler-utils); the tally commands' tests build their
# boards from synthetic records (tests/synth).
add_executable(isoloir_cli_tests ${CMAKE_SOURCE_DIR}/tests/cli/cli_test.cpp
                                 ${CMAKE_SOURCE_DIR}/tests/cli/tally_cli_test.cpp
                                 ${CMAKE_SOURCE_DIR}/tests/cli/trustee_cli_test.cpp
                                 ${CMAKE_SOURCE_DIR}/tests/native/vectors.cpp
                                 ${CMAKE_SOURCE_DIR}/tools/paris_time.cpp)
target_include_directories(isoloir_cli_tests PRIVATE ${CMAKE_SOURCE_DIR}/tests/native
                                                     ${CMAKE_SOURCE_DIR}/tools)
target_link_libraries(isoloir_cli_tests PRIVATE isoloir_core isoloir_urn isoloir_synth GTest::gtest
                                                GTest::gtest_main)
target_compile_options(isoloir_cli_tests PRIVATE ${ISOLOIR_WARNINGS})
target_compile_definitions(isoloir_cli_tests PRIVATE ISOLOIR_VECTORS_DIR="${ISOLOIR_VECTORS_DIR}"
                                                     ISOLOIR_CLI="$<TARGET_FILE:isoloir>")
add_dependencies(isoloir_cli_tests isoloir)
gtest_discover_tests(isoloir_cli_tests TEST_PREFIX "cli." DISCOVERY_TIMEOUT 60)

# The bureau de vote's documents (tools/reports.cpp: the procès-verbal and the
# émargement list, PDF and CSV), a library for isoloir-admin, and their tests,
# read back with poppler's pdftotext and pdfinfo (poppler-utils).
add_library(isoloir_reports STATIC ${CMAKE_SOURCE_DIR}/tools/reports.cpp
                                   ${CMAKE_SOURCE_DIR}/tools/paris_time.cpp)
target_include_directories(isoloir_reports PUBLIC ${CMAKE_SOURCE_DIR}/tools
                                                  ${CMAKE_SOURCE_DIR}/include)
target_link_libraries(isoloir_reports PUBLIC PkgConfig::CAIRO)
target_compile_options(isoloir_reports PRIVATE ${ISOLOIR_WARNINGS})

add_executable(isoloir_report_tests ${CMAKE_SOURCE_DIR}/tests/cli/reports_test.cpp)
target_link_libraries(isoloir_report_tests PRIVATE isoloir_reports GTest::gtest GTest::gtest_main)
target_compile_options(isoloir_report_tests PRIVATE ${ISOLOIR_WARNINGS})
gtest_discover_tests(isoloir_report_tests TEST_PREFIX "reports." DISCOVERY_TIMEOUT 60)

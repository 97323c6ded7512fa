# The urn server (issue 3). For now its storage layer: the static library
# isoloir_urn over SQLite (Debian's libsqlite3-dev, C API), its GoogleTest
# suite and a casting benchmark. Native only (included outside EMSCRIPTEN).
find_package(SQLite3 REQUIRED)

file(GLOB ISOLOIR_URN_SOURCES CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/server/src/*.cpp)
add_library(isoloir_urn STATIC ${ISOLOIR_URN_SOURCES})
target_include_directories(isoloir_urn PUBLIC ${CMAKE_SOURCE_DIR}/server/include)
target_link_libraries(isoloir_urn PUBLIC isoloir_core PRIVATE SQLite::SQLite3)
target_compile_options(isoloir_urn PRIVATE ${ISOLOIR_WARNINGS})

find_package(GTest REQUIRED)
include(GoogleTest)
file(GLOB ISOLOIR_URN_TEST_SOURCES CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/server/tests/*_test.cpp)
add_executable(isoloir_urn_tests ${ISOLOIR_URN_TEST_SOURCES}
                                 ${CMAKE_SOURCE_DIR}/server/tests/urn_fixture.cpp
                                 ${CMAKE_SOURCE_DIR}/tests/native/vectors.cpp)
target_include_directories(isoloir_urn_tests PRIVATE ${CMAKE_SOURCE_DIR}/server/tests
                                                     ${CMAKE_SOURCE_DIR}/tests/native)
target_link_libraries(isoloir_urn_tests PRIVATE isoloir_urn SQLite::SQLite3 GTest::gtest
                                                GTest::gtest_main)
target_compile_options(isoloir_urn_tests PRIVATE ${ISOLOIR_WARNINGS})
target_compile_definitions(isoloir_urn_tests PRIVATE
  ISOLOIR_VECTORS_DIR="${ISOLOIR_VECTORS_DIR}")
gtest_discover_tests(isoloir_urn_tests DISCOVERY_TIMEOUT 60)

find_package(benchmark QUIET)
if(benchmark_FOUND)
  add_executable(isoloir_urn_bench ${CMAKE_SOURCE_DIR}/bench/urn_bench.cpp
                                   ${CMAKE_SOURCE_DIR}/server/tests/urn_fixture.cpp
                                   ${CMAKE_SOURCE_DIR}/tests/native/vectors.cpp)
  target_include_directories(isoloir_urn_bench PRIVATE ${CMAKE_SOURCE_DIR}/server/tests
                                                       ${CMAKE_SOURCE_DIR}/tests/native)
  target_link_libraries(isoloir_urn_bench PRIVATE isoloir_urn benchmark::benchmark)
  target_compile_options(isoloir_urn_bench PRIVATE ${ISOLOIR_WARNINGS})
  target_compile_definitions(isoloir_urn_bench PRIVATE
    ISOLOIR_VECTORS_DIR="${ISOLOIR_VECTORS_DIR}")
endif()

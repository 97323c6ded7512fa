# Native tests: GoogleTest over the core, reading ../shared/vectors.
find_package(GTest REQUIRED)
include(GoogleTest)

set(ISOLOIR_VECTORS_DIR "${CMAKE_SOURCE_DIR}/../shared/vectors" CACHE PATH "protocol test vectors")

# The conformance checks are plain C++ (no gtest, no files): the wasm test
# module compiles the same sources (wasm/wasm.cmake).
file(GLOB ISOLOIR_CONFORMANCE_SOURCES CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/tests/conformance/*.cpp)
add_library(isoloir_conformance STATIC ${ISOLOIR_CONFORMANCE_SOURCES})
target_include_directories(isoloir_conformance PUBLIC ${CMAKE_SOURCE_DIR}/tests/conformance)
target_link_libraries(isoloir_conformance PUBLIC isoloir_core)
target_compile_options(isoloir_conformance PRIVATE ${ISOLOIR_WARNINGS})

include(${CMAKE_SOURCE_DIR}/tests/synth/synth.cmake)

file(GLOB ISOLOIR_TEST_SOURCES CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/tests/native/*_test.cpp)
add_executable(isoloir_tests ${ISOLOIR_TEST_SOURCES} ${CMAKE_SOURCE_DIR}/tests/native/vectors.cpp)
target_include_directories(isoloir_tests PRIVATE ${CMAKE_SOURCE_DIR}/tests/native)
target_link_libraries(isoloir_tests PRIVATE isoloir_conformance isoloir_synth)
target_link_libraries(isoloir_tests PRIVATE isoloir_core GTest::gtest GTest::gtest_main)
target_compile_options(isoloir_tests PRIVATE ${ISOLOIR_WARNINGS})
target_compile_definitions(isoloir_tests PRIVATE ISOLOIR_VECTORS_DIR="${ISOLOIR_VECTORS_DIR}")
gtest_discover_tests(isoloir_tests DISCOVERY_TIMEOUT 60)
# valgrind cannot run sanitized code; the constant-time check runs in the
# plain build.
if(NOT ISOLOIR_SANITIZE)
  include(${CMAKE_SOURCE_DIR}/tests/ct/ct.cmake)
endif()

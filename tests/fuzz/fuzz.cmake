# libFuzzer targets (docs/fuzzing.md): one per parser of outside input, each
# an executable fuzz_NAME from tests/fuzz/fuzz_NAME.cpp, linked with
# -fsanitize=fuzzer over the whole build's instrumented libraries. Included
# from CMakeLists.txt under -DISOLOIR_FUZZ=ON (clang); scripts/fuzz.sh seeds
# and runs them.
set(ISOLOIR_FUZZ_TARGETS
  canonical_json base64url manifest ballot receipt trustees record voter_csv server_config
  id_token mail http_request closing)
foreach(name IN LISTS ISOLOIR_FUZZ_TARGETS)
  add_executable(fuzz_${name} ${CMAKE_SOURCE_DIR}/tests/fuzz/fuzz_${name}.cpp
                              ${CMAKE_SOURCE_DIR}/tests/native/vectors.cpp)
  target_include_directories(fuzz_${name} PRIVATE ${CMAKE_SOURCE_DIR}/tests/fuzz
                                                  ${CMAKE_SOURCE_DIR}/tests/native)
  target_link_libraries(fuzz_${name} PRIVATE isoloir_core)
  target_compile_options(fuzz_${name} PRIVATE ${ISOLOIR_WARNINGS})
  target_compile_definitions(fuzz_${name} PRIVATE ISOLOIR_VECTORS_DIR="${ISOLOIR_VECTORS_DIR}")
  target_link_options(fuzz_${name} PRIVATE -fsanitize=fuzzer)
endforeach()

target_link_libraries(fuzz_voter_csv PRIVATE isoloir_urn)
target_sources(fuzz_voter_csv PRIVATE ${CMAKE_SOURCE_DIR}/tools/postal.cpp)
target_include_directories(fuzz_voter_csv PRIVATE ${CMAKE_SOURCE_DIR}/tools)
# The server's config parser and the ID tokens live in the storage and
# HTTP libraries.
target_link_libraries(fuzz_server_config PRIVATE isoloir_http)
target_link_libraries(fuzz_id_token PRIVATE isoloir_portal)
# mail_message.h and text.h are internal to the server's libraries.
target_link_libraries(fuzz_mail PRIVATE isoloir_net isoloir_text)
target_include_directories(fuzz_mail PRIVATE ${CMAKE_SOURCE_DIR}/server/src)
target_link_libraries(fuzz_http_request PRIVATE isoloir_http)
target_compile_definitions(fuzz_http_request PRIVATE ISOLOIR_WEB_ROOT="${CMAKE_SOURCE_DIR}/web")

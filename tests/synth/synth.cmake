# The synthetic record generator: a library for tests and benchmarks, and a
# program that writes a record directory (fuzzing seeds, record benchmarks).
add_library(isoloir_synth STATIC ${CMAKE_SOURCE_DIR}/tests/synth/synthetic_record.cpp)
target_include_directories(isoloir_synth PUBLIC ${CMAKE_SOURCE_DIR}/tests/synth)
find_package(Threads REQUIRED)
target_link_libraries(isoloir_synth PUBLIC isoloir_core Threads::Threads)
target_compile_options(isoloir_synth PRIVATE ${ISOLOIR_WARNINGS})

add_executable(isoloir-synth-record ${CMAKE_SOURCE_DIR}/tests/synth/main.cpp)
target_link_libraries(isoloir-synth-record PRIVATE isoloir_synth)
target_compile_options(isoloir-synth-record PRIVATE ${ISOLOIR_WARNINGS})

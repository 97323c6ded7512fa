# Native benchmarks (Google Benchmark): figures, never pass/fail.
find_package(benchmark REQUIRED)
add_executable(isoloir_bench ${CMAKE_SOURCE_DIR}/bench/ballot_bench.cpp
  ${CMAKE_SOURCE_DIR}/bench/merkle_bench.cpp)
target_link_libraries(isoloir_bench PRIVATE isoloir_core benchmark::benchmark)
target_compile_options(isoloir_bench PRIVATE ${ISOLOIR_WARNINGS})
target_compile_definitions(isoloir_bench PRIVATE
  ISOLOIR_VECTORS_DIR="${CMAKE_SOURCE_DIR}/../shared/vectors")

# The tally and `record verify` on a large synthetic record
# (bench/record_bench.cpp): a plain program printing figures, not a Google
# Benchmark and not a test. Figures in docs/benchmarks.md.
add_executable(isoloir_record_bench ${CMAKE_SOURCE_DIR}/bench/record_bench.cpp)
target_link_libraries(isoloir_record_bench PRIVATE isoloir_synth)
target_compile_options(isoloir_record_bench PRIVATE ${ISOLOIR_WARNINGS})

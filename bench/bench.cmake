# Native benchmarks (Google Benchmark): figures, never pass/fail.
find_package(benchmark REQUIRED)
add_executable(isoloir_bench ${CMAKE_SOURCE_DIR}/bench/ballot_bench.cpp
  ${CMAKE_SOURCE_DIR}/bench/merkle_bench.cpp)
target_link_libraries(isoloir_bench PRIVATE isoloir_core benchmark::benchmark)
target_compile_options(isoloir_bench PRIVATE ${ISOLOIR_WARNINGS})
target_compile_definitions(isoloir_bench PRIVATE
  ISOLOIR_VECTORS_DIR="${CMAKE_SOURCE_DIR}/../shared/vectors")

# Constant-time check of the ballot prover (tests/ct/ct_prover.cpp): valgrind
# memcheck with the vote marked undefined, so that any branch or memory
# address that depends on it is an error. Not built when valgrind is absent.
find_program(VALGRIND_EXECUTABLE valgrind)
find_path(VALGRIND_INCLUDE_DIR valgrind/memcheck.h)

if(VALGRIND_EXECUTABLE AND VALGRIND_INCLUDE_DIR)
  # The core again, with the same flags, plus ISOLOIR_CT_VALGRIND: only the
  # places that publish vote-derived values (src/declassify.h) differ, so the
  # prover, Point and Scalar that valgrind sees are the shipped object code
  # (ct_same_code checks it).
  add_library(isoloir_core_ct STATIC ${ISOLOIR_CORE_SOURCES})
  target_include_directories(isoloir_core_ct PUBLIC ${CMAKE_SOURCE_DIR}/include)
  target_include_directories(isoloir_core_ct SYSTEM PUBLIC ${NLOHMANN_SHIM} ${SODIUM_INCLUDE_DIRS}
                                                           ${VALGRIND_INCLUDE_DIR})
  target_include_directories(isoloir_core_ct SYSTEM PRIVATE ${SODIUM_PRIVATE_INCLUDE}
                                                            ${SODIUM_PRIVATE_INCLUDE}/sodium)
  target_link_libraries(isoloir_core_ct PUBLIC ${SODIUM_LIB})
  target_compile_options(isoloir_core_ct PRIVATE ${ISOLOIR_CXX_WARNINGS})
  target_compile_definitions(isoloir_core_ct PRIVATE ISOLOIR_CT_VALGRIND)

  add_executable(ct_prover ${CMAKE_SOURCE_DIR}/tests/ct/ct_prover.cpp
                           ${CMAKE_SOURCE_DIR}/tests/native/vectors.cpp)
  target_include_directories(ct_prover PRIVATE ${CMAKE_SOURCE_DIR}/tests/native)
  target_link_libraries(ct_prover PRIVATE isoloir_core_ct)
  target_compile_options(ct_prover PRIVATE ${ISOLOIR_WARNINGS})
  target_compile_definitions(ct_prover PRIVATE ISOLOIR_VECTORS_DIR="${ISOLOIR_VECTORS_DIR}")
  add_test(NAME ct_prover
           COMMAND ${VALGRIND_EXECUTABLE} --error-exitcode=1 --track-origins=yes
                   --suppressions=${CMAKE_SOURCE_DIR}/tests/ct/libsodium.supp
                   $<TARGET_FILE:ct_prover>)
  # The test's check of itself: the same core with one branch on the vote
  # planted in the prover (src/proof.cpp, ISOLOIR_CT_PLANTED_LEAK) must be
  # reported by valgrind as a jump on the secret inside prove_disjunctive.
  add_library(isoloir_core_ct_leak STATIC ${ISOLOIR_CORE_SOURCES})
  target_include_directories(isoloir_core_ct_leak PUBLIC ${CMAKE_SOURCE_DIR}/include)
  target_include_directories(isoloir_core_ct_leak SYSTEM PUBLIC ${NLOHMANN_SHIM}
                             ${SODIUM_INCLUDE_DIRS} ${VALGRIND_INCLUDE_DIR})
  target_include_directories(isoloir_core_ct_leak SYSTEM PRIVATE ${SODIUM_PRIVATE_INCLUDE}
                                                                 ${SODIUM_PRIVATE_INCLUDE}/sodium)
  target_link_libraries(isoloir_core_ct_leak PUBLIC ${SODIUM_LIB})
  target_compile_options(isoloir_core_ct_leak PRIVATE ${ISOLOIR_CXX_WARNINGS})
  target_compile_definitions(isoloir_core_ct_leak PRIVATE ISOLOIR_CT_VALGRIND ISOLOIR_CT_PLANTED_LEAK)
  add_executable(ct_prover_leak ${CMAKE_SOURCE_DIR}/tests/ct/ct_prover.cpp
                                ${CMAKE_SOURCE_DIR}/tests/native/vectors.cpp)
  target_include_directories(ct_prover_leak PRIVATE ${CMAKE_SOURCE_DIR}/tests/native)
  target_link_libraries(ct_prover_leak PRIVATE isoloir_core_ct_leak)
  target_compile_options(ct_prover_leak PRIVATE ${ISOLOIR_WARNINGS})
  target_compile_definitions(ct_prover_leak PRIVATE ISOLOIR_VECTORS_DIR="${ISOLOIR_VECTORS_DIR}")
  add_test(NAME ct_prover_sees_a_planted_branch
           COMMAND ${CMAKE_COMMAND} -DVALGRIND=${VALGRIND_EXECUTABLE}
                   -DSUPPRESSIONS=${CMAKE_SOURCE_DIR}/tests/ct/libsodium.supp
                   -DPROGRAM=$<TARGET_FILE:ct_prover_leak>
                   -P ${CMAKE_SOURCE_DIR}/tests/ct/expect_report.cmake)
  add_test(NAME ct_same_code
           COMMAND ${CMAKE_COMMAND} "-DSHIPPED=$<JOIN:$<TARGET_OBJECTS:isoloir_core>,|>"
                   "-DCHECKED=$<JOIN:$<TARGET_OBJECTS:isoloir_core_ct>,|>"
                   -P ${CMAKE_SOURCE_DIR}/tests/ct/same_code.cmake)
else()
  message(STATUS "valgrind not found: the constant-time test ct_prover is not built")
endif()

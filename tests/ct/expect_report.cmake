# cmake -DVALGRIND=... -DSUPPRESSIONS=... -DPROGRAM=... -P expect_report.cmake
# The constant-time test must be able to fail: PROGRAM is ct_prover built
# with a branch on the vote planted in prove_disjunctive. Passes only if
# valgrind then exits with an error AND names a jump on uninitialised
# (secret) data in prove_disjunctive: a crash or a missing file is not that.
execute_process(COMMAND ${VALGRIND} --error-exitcode=1 --track-origins=yes
                        --suppressions=${SUPPRESSIONS} ${PROGRAM}
                RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(rc EQUAL 0)
  message(FATAL_ERROR "valgrind found nothing in a prover that branches on the vote:\n${err}")
endif()
string(FIND "${err}" "Conditional jump or move depends on uninitialised value" jump)
string(FIND "${err}" "prove_disjunctive" where)
if(jump EQUAL -1 OR where EQUAL -1)
  message(FATAL_ERROR "ct_prover_leak failed (exit ${rc}) but not on the planted branch:\n${err}")
endif()
message(STATUS "the planted branch on the vote is reported in prove_disjunctive")

# cmake -DSHIPPED=a.o|b.o|... -DCHECKED=a.o|b.o|... -P same_code.cmake
# The constant-time test runs a second build of the core (isoloir_core_ct).
# Its conclusions hold for the shipped code only if that build is the same
# object code wherever no vote-derived value is published: every object file
# but ballot.cpp's (src/declassify.h) must be byte for byte the shipped one.
string(REPLACE "|" ";" shipped "${SHIPPED}")
string(REPLACE "|" ";" checked "${CHECKED}")
list(LENGTH shipped n)
list(LENGTH checked m)
if(NOT n EQUAL m OR n EQUAL 0)
  message(FATAL_ERROR "${n} shipped objects, ${m} checked")
endif()
math(EXPR last "${n} - 1")
set(compared 0)
foreach(i RANGE ${last})
  list(GET shipped ${i} a)
  list(GET checked ${i} b)
  get_filename_component(name "${a}" NAME)
  if(name STREQUAL "ballot.cpp.o" OR name STREQUAL "ballot.cpp.obj")
    continue()
  endif()
  execute_process(COMMAND ${CMAKE_COMMAND} -E compare_files "${a}" "${b}" RESULT_VARIABLE differ)
  if(differ)
    message(FATAL_ERROR "${name}: the constant-time build differs from the shipped one")
  endif()
  math(EXPR compared "${compared} + 1")
endforeach()
message(STATUS "${compared} object files identical to the shipped build")

# WebAssembly builds (included by CMakeLists.txt under emcmake), with Debian's
# emscripten 3.1.6; see ../shared/TOOLCHAIN.md for every flag's reason.
#
#   isoloir_booth.mjs/.wasm        the shipped ES6 module (web/booth/index.js loads it);
#                                  copied into web/booth/wasm/ after each build
#   isoloir_booth_simd.mjs/.wasm   the same with wasm SIMD, loaded where the browser has it
#   isoloir_trustee.mjs/.wasm      the trustee page's module (the key ceremony's rounds,
#                                  wasm/trustee_bindings.cpp); copied beside the booth's
#   isoloir_verifier.mjs/.wasm     the election record's verifier for the results
#                                  page (/resultats, in a Web Worker); a module of
#                                  its own so the booth does not grow; copied
#                                  beside the booth's, not in the npm package
#   isoloir_conformance.mjs/.wasm  test-only: the conformance checks of
#                                  tests/conformance, run by tests/js/conformance.test.mjs
#
#   emcmake cmake -S . -B build-wasm -DSODIUM_WASM_PREFIX=$(scripts/build-libsodium-wasm.sh)
#   cmake --build build-wasm -j2

option(ISOLOIR_COPY_TO_PACKAGE "copy the booth module into web/booth/wasm after building" ON)
set(ISOLOIR_PACKAGE_WASM_DIR "${CMAKE_SOURCE_DIR}/web/booth/wasm")

set(ISOLOIR_PRE_JS "${CMAKE_SOURCE_DIR}/wasm/pre.js")
set(ISOLOIR_ESM_SHIM "${CMAKE_SOURCE_DIR}/wasm/esm-node-shim.js")

set(ISOLOIR_WASM_LINK_OPTIONS
  -O3
  "SHELL:-s MODULARIZE=1"
  "SHELL:-s EXPORT_ES6=1"
  "SHELL:-s ENVIRONMENT=web,node"
  "SHELL:-s ALLOW_MEMORY_GROWTH=1"
  # no eval/new Function in the glue (Embind supports it): the booth page can
  # run under a strict CSP, script-src 'self' 'wasm-unsafe-eval'
  "SHELL:-s DYNAMIC_EXECUTION=0"
  # a library must not install process-wide handlers in Node
  "SHELL:-s NODEJS_CATCH_EXIT=0"
  "SHELL:-s NODEJS_CATCH_REJECTION=0"
  # Node 20 fetch shadowing, locateFile, getRandomValue from WebCrypto
  "SHELL:--pre-js ${ISOLOIR_PRE_JS}"
  # createRequire/__dirname for the ES6 glue's Node branch
  "SHELL:--extern-pre-js ${ISOLOIR_ESM_SHIM}")

# Links at -O2 and above run tools/acorn-optimizer.js with /usr/bin/node, which
# finds Debian's node-acorn only through NODE_PATH (nodesource node).
set(ISOLOIR_WASM_LINKER_LAUNCHER ${CMAKE_COMMAND} -E env NODE_PATH=/usr/share/nodejs)

# isoloir_plain_module(<target> <export name> <libsodium.a> <sources>...): a
# module without Embind.
function(isoloir_plain_module target export_name sodium)
  add_executable(${target} ${ARGN})
  target_link_libraries(${target} PRIVATE isoloir_core ${sodium})
  target_compile_options(${target} PRIVATE ${ISOLOIR_WARNINGS} -Oz)
  target_link_options(${target} PRIVATE ${ISOLOIR_WASM_LINK_OPTIONS}
    "SHELL:-s EXPORT_NAME=${export_name}")
  set_target_properties(${target} PROPERTIES
    SUFFIX ".mjs"
    CXX_LINKER_LAUNCHER "${ISOLOIR_WASM_LINKER_LAUNCHER}"
    LINK_DEPENDS "${ISOLOIR_PRE_JS};${ISOLOIR_ESM_SHIM}")
endfunction()

# isoloir_wasm_module(<target> <export name> <sources>...): an Embind module.
function(isoloir_wasm_module target export_name)
  isoloir_plain_module(${target} ${export_name} ${SODIUM_LIB} ${ARGN})
  target_link_options(${target} PRIVATE -lembind)
endfunction()

# isoloir_copy_to_package(<target>): its .mjs and .wasm into web/booth/wasm/.
function(isoloir_copy_to_package target)
  if(ISOLOIR_COPY_TO_PACKAGE)
    add_custom_command(TARGET ${target} POST_BUILD
      COMMAND ${CMAKE_COMMAND} -E make_directory "${ISOLOIR_PACKAGE_WASM_DIR}"
      COMMAND ${CMAKE_COMMAND} -E copy_if_different
        "$<TARGET_FILE_DIR:${target}>/${target}.mjs"
        "$<TARGET_FILE_DIR:${target}>/${target}.wasm"
        "${ISOLOIR_PACKAGE_WASM_DIR}/"
      COMMENT "Copying ${target}.mjs/.wasm into web/booth/wasm/")
  endif()
endfunction()

# The booth: plain C entry points (wasm/bindings.cpp) and their JavaScript
# side (wasm/booth_api.js) instead of Embind, whose runtime was a tenth of the
# module (issue 11). Built twice from the same sources:
#   isoloir_booth       plain WebAssembly, for every browser;
#   isoloir_booth_simd  with wasm SIMD in our copy of libsodium's group
#                       operations (src/ge25519_ref10.c: the fixed-base
#                       tables' constant-time pick, field additions) and in
#                       libsodium (its -msimd128 build,
#                       scripts/build-libsodium-wasm.sh): a quarter faster
#                       at making a ballot, a twentieth at checking one;
#                       web/booth/index.js loads it where the browser
#                       validates SIMD (Chrome and Firefox since 2021, Safari
#                       since 16.4) and the plain one elsewhere.
# The SIMD module's own object comes before isoloir_core on the link line, so
# the archive's plain one is never pulled in.
set(ISOLOIR_BOOTH_API_JS "${CMAKE_SOURCE_DIR}/wasm/booth_api.js")
add_library(isoloir_booth_simd_objects OBJECT ${CMAKE_SOURCE_DIR}/src/ge25519_ref10.c)
target_link_libraries(isoloir_booth_simd_objects PRIVATE isoloir_core)
target_include_directories(isoloir_booth_simd_objects SYSTEM PRIVATE ${SODIUM_PRIVATE_INCLUDE}
                                                                     ${SODIUM_PRIVATE_INCLUDE}/sodium)
target_compile_options(isoloir_booth_simd_objects PRIVATE ${ISOLOIR_CXX_WARNINGS} -O3 -msimd128)

set(SODIUM_WASM_SIMD_LIB "${SODIUM_WASM_PREFIX}/simd/libsodium.a")
if(NOT EXISTS "${SODIUM_WASM_SIMD_LIB}")
  message(FATAL_ERROR "${SODIUM_WASM_SIMD_LIB} missing: rerun scripts/build-libsodium-wasm.sh")
endif()
isoloir_plain_module(isoloir_booth createIsoloirBooth ${SODIUM_LIB}
  ${CMAKE_SOURCE_DIR}/wasm/bindings.cpp)
isoloir_plain_module(isoloir_booth_simd createIsoloirBooth ${SODIUM_WASM_SIMD_LIB}
  ${CMAKE_SOURCE_DIR}/wasm/bindings.cpp $<TARGET_OBJECTS:isoloir_booth_simd_objects>)
foreach(booth isoloir_booth isoloir_booth_simd)
  target_link_options(${booth} PRIVATE "SHELL:--post-js ${ISOLOIR_BOOTH_API_JS}"
    "SHELL:-s EXPORTED_FUNCTIONS=['_malloc','_free']")
  set_property(TARGET ${booth} APPEND PROPERTY LINK_DEPENDS "${ISOLOIR_BOOTH_API_JS}")
  isoloir_copy_to_package(${booth})
endforeach()

# The trustee page's module: a separate module, so the booth's stays as small
# as it was (the ceremony and key files are not linked into it).
isoloir_wasm_module(isoloir_trustee createIsoloirTrustee ${CMAKE_SOURCE_DIR}/wasm/trustee_bindings.cpp)
isoloir_copy_to_package(isoloir_trustee)

isoloir_wasm_module(isoloir_verifier createIsoloirVerifier ${CMAKE_SOURCE_DIR}/wasm/verifier_bindings.cpp)
isoloir_copy_to_package(isoloir_verifier)

# Test-only module: the same core plus the conformance checks.
file(GLOB ISOLOIR_CONFORMANCE_SOURCES CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/tests/conformance/*.cpp)
isoloir_wasm_module(isoloir_conformance createIsoloirConformance
  ${CMAKE_SOURCE_DIR}/wasm/conformance_bindings.cpp ${ISOLOIR_CONFORMANCE_SOURCES})
target_include_directories(isoloir_conformance PRIVATE ${CMAKE_SOURCE_DIR}/tests/conformance)

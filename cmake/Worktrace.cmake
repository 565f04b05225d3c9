# worktrace_library(NAME SOURCES ... [DEPS ...]): a static library aliased worktrace::NAME.
function(worktrace_library name)
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPS" ${ARGN})
  add_library(worktrace_${name} STATIC ${ARG_SOURCES})
  add_library(worktrace::${name} ALIAS worktrace_${name})
  target_compile_features(worktrace_${name} PUBLIC cxx_std_20)
  target_link_libraries(worktrace_${name} PUBLIC ${ARG_DEPS} PRIVATE worktrace_warnings)
endfunction()

# worktrace_test(NAME SOURCES ... DEPS ... [DEFINITIONS ...]): a GoogleTest executable
# registered with CTest; nothing when tests are off (-DWORKTRACE_BUILD_TESTS=OFF).
function(worktrace_test name)
  if(NOT WORKTRACE_BUILD_TESTS)
    return()
  endif()
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPS;DEFINITIONS" ${ARGN})
  add_executable(${name} ${ARG_SOURCES})
  set_target_properties(${name} PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/tests)
  target_link_libraries(${name} PRIVATE ${ARG_DEPS} GTest::gtest GTest::gmock GTest::gtest_main
                        worktrace_warnings)
  if(ARG_DEFINITIONS)
    target_compile_definitions(${name} PRIVATE ${ARG_DEFINITIONS})
  endif()
  gtest_discover_tests(${name} DISCOVERY_MODE PRE_TEST DISCOVERY_TIMEOUT 30
                       PROPERTIES TIMEOUT 120)
endfunction()

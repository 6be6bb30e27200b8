# servesim_warnings(TARGET): the project's warning flags for the compiler at hand,
# errors with SERVESIM_WERROR. GCC and Clang share one set; MSVC gets its own.
function(servesim_warnings target)
  if(CMAKE_CXX_COMPILER_ID MATCHES "GNU|Clang")
    target_compile_options(${target} PRIVATE -Wall -Wextra -Wpedantic -Wshadow -Wconversion
                           -Wno-sign-conversion $<$<BOOL:${SERVESIM_WERROR}>:-Werror>)
  elseif(MSVC)
    target_compile_options(${target} PRIVATE /W4 $<$<BOOL:${SERVESIM_WERROR}>:/WX>)
  endif()
endfunction()

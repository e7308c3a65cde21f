# Helpers for the cmake -P scripts that embed files into headers.

# Sets out_var to `inline constexpr unsigned char NAME[] = {...};` holding
# the bytes of `path` (hex, so no byte needs escaping; one 0x00 for an
# empty file, since C++ has no empty arrays).
function(embed_array name path out_var)
  file(READ ${path} hex HEX)
  if(hex STREQUAL "")
    set(bytes "0x00,")
  else()
    string(REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1," bytes "${hex}")
    # 16 bytes a line keeps the generated header readable (CMake regexes
    # have no {n}, hence the repeated pattern).
    string(REPEAT "0x[0-9a-f][0-9a-f]," 16 line)
    string(REGEX REPLACE "(${line})" "\\1\n    " bytes "${bytes}")
  endif()
  set(${out_var} "inline constexpr unsigned char ${name}[] = {\n    ${bytes}\n};\n" PARENT_SCOPE)
endfunction()

# Writes `text` to `out` only when it differs, so that dependents rebuild
# only when an embedded file changes.
function(write_if_changed out text)
  set(old "")
  if(EXISTS ${out})
    file(READ ${out} old)
  endif()
  if(NOT "${old}" STREQUAL "${text}")
    file(WRITE ${out} "${text}")
  endif()
endfunction()

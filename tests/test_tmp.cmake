# The test programs' temporary folder (tests/CMakeLists.txt): MODE=setup
# empties it, MODE=check fails if any test left something in it.
if(MODE STREQUAL "setup")
  file(REMOVE_RECURSE "${DIR}")
  file(MAKE_DIRECTORY "${DIR}")
elseif(MODE STREQUAL "check")
  file(GLOB left RELATIVE "${DIR}" "${DIR}/*")
  if(left)
    list(JOIN left ", " names)
    message(FATAL_ERROR "tests left these in their temporary folder ${DIR}: ${names}")
  endif()
else()
  message(FATAL_ERROR "test_tmp.cmake: MODE must be setup or check")
endif()

# Writes OUT, a header holding the bytes of ENTRY_FBS and EVENTS_FBS as
# arrays (hex, so no character of the schema needs escaping). Run with
# cmake -P at build time; see export/CMakeLists.txt.
function(embed_array name path out_var)
  file(READ ${path} hex HEX)
  string(REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1," bytes "${hex}")
  # 16 bytes a line keeps the generated header readable (CMake regexes
  # have no {n}, hence the repeated pattern).
  string(REPEAT "0x[0-9a-f][0-9a-f]," 16 line)
  string(REGEX REPLACE "(${line})" "\\1\n    " bytes "${bytes}")
  set(${out_var} "inline constexpr unsigned char ${name}[] = {\n    ${bytes}\n};\n" PARENT_SCOPE)
endfunction()

embed_array(kEntryFbs ${ENTRY_FBS} entry)
embed_array(kEventsFbs ${EVENTS_FBS} events)
set(text "// Generated from schemas/entry.fbs and schemas/events.fbs. Do not edit.\n")
string(APPEND text "#ifndef LUMBUNG_EXPORT_EMBEDDED_SCHEMAS_H_\n#define LUMBUNG_EXPORT_EMBEDDED_SCHEMAS_H_\n\n")
string(APPEND text "namespace lumbung::exports::embedded {\n\n${entry}\n${events}\n")
string(APPEND text "}  // namespace lumbung::exports::embedded\n\n#endif  // LUMBUNG_EXPORT_EMBEDDED_SCHEMAS_H_\n")
# Rewrite only on change, so dependents rebuild only when a schema changes.
if(EXISTS ${OUT})
  file(READ ${OUT} old)
endif()
if(NOT "${old}" STREQUAL "${text}")
  file(WRITE ${OUT} "${text}")
endif()

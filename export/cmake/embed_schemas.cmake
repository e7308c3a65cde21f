# Writes OUT, a header holding the bytes of ENTRY_FBS and EVENTS_FBS as
# arrays (hex, so no character of the schema needs escaping). Run with
# cmake -P at build time; see export/CMakeLists.txt.
include(${CMAKE_CURRENT_LIST_DIR}/embed_common.cmake)

embed_array(kEntryFbs ${ENTRY_FBS} entry)
embed_array(kEventsFbs ${EVENTS_FBS} events)
set(text "// Generated from schemas/entry.fbs and schemas/events.fbs. Do not edit.\n")
string(APPEND text "#ifndef LUMBUNG_EXPORT_EMBEDDED_SCHEMAS_H_\n#define LUMBUNG_EXPORT_EMBEDDED_SCHEMAS_H_\n\n")
string(APPEND text "namespace lumbung::exports::embedded {\n\n${entry}\n${events}\n")
string(APPEND text "}  // namespace lumbung::exports::embedded\n\n#endif  // LUMBUNG_EXPORT_EMBEDDED_SCHEMAS_H_\n")
write_if_changed(${OUT} "${text}")

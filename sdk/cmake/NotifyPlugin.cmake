# notify_add_plugin(<name> SOURCES <src>...)
# Builds a channel plugin: a module library named <name>.so (no "lib" prefix,
# so the host finds it by the stem listed in plugins.enabled), hidden
# visibility with only the descriptor and factory exported, linked to the SDK.
function(notify_add_plugin name)
  cmake_parse_arguments(ARG "" "" "SOURCES" ${ARGN})
  add_library(${name} MODULE ${ARG_SOURCES})
  target_link_libraries(${name} PRIVATE notify::sdk)
  set_target_properties(${name} PROPERTIES
    PREFIX ""
    CXX_VISIBILITY_PRESET hidden
    VISIBILITY_INLINES_HIDDEN ON)
  if(NOT APPLE)
    target_link_options(${name} PRIVATE "LINKER:--no-undefined")
  endif()
endfunction()

# cmake -DOUTPUT=<header> -DINPUTS=<a|b|...> -P EmbedText.cmake
# Writes each input file as `inline constexpr std::string_view k<Stem><Ext> = R"...";`,
# e.g. layer2d.vert -> kLayer2dVert, so shaders live in their own files yet ship in the binary.
string(REPLACE "|" ";" INPUTS "${INPUTS}")
set(content "// Generated from ${INPUTS}; edit the sources, not this file.\n#pragma once\n#include <string_view>\n\n")
foreach(input IN LISTS INPUTS)
  get_filename_component(name ${input} NAME)
  string(REGEX REPLACE "[^A-Za-z0-9]+" ";" parts ${name})
  set(symbol "k")
  foreach(part IN LISTS parts)
    string(SUBSTRING ${part} 0 1 first)
    string(TOUPPER ${first} first)
    string(SUBSTRING ${part} 1 -1 rest)
    string(APPEND symbol "${first}${rest}")
  endforeach()
  file(READ ${input} text)
  string(APPEND content "inline constexpr std::string_view ${symbol} = R\"embedded(${text})embedded\";\n\n")
endforeach()
file(WRITE ${OUTPUT} "${content}")

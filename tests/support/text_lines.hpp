// Splits command output into its lines, for tests of printed tables.
#pragma once

#include <sstream>
#include <string>
#include <vector>

namespace scenehost::test {

inline std::vector<std::string> lines_of(const std::string &text) {
    std::vector<std::string> lines;
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);) lines.push_back(line);
    return lines;
}

}  // namespace scenehost::test

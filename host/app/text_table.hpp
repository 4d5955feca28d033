// Prints rows as columns padded to their widest cell; the last column is not padded.
#pragma once

#include <algorithm>
#include <fmt/format.h>
#include <ostream>
#include <string>
#include <vector>

namespace scenehost::app {

inline void print_table(const std::vector<std::vector<std::string>> &rows, std::ostream &out) {
    std::vector<size_t> widths;
    for (const auto &row : rows) {
        widths.resize(std::max(widths.size(), row.size()));
        for (size_t i = 0; i < row.size(); ++i) widths[i] = std::max(widths[i], row[i].size());
    }
    for (const auto &row : rows) {
        std::string line;
        for (size_t i = 0; i < row.size(); ++i) {
            line += i + 1 == row.size() ? row[i] : fmt::format("{:<{}}  ", row[i], widths[i]);
        }
        out << line << '\n';
    }
}

}  // namespace scenehost::app

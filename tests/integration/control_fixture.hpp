// What the control channel's end-to-end tests share: the host's arguments and temporary files.
#pragma once

#include <algorithm>
#include <boost/json.hpp>
#include <filesystem>
#include <string>
#include <unistd.h>
#include <vector>

namespace scenehost::test {

inline std::filesystem::path temp_file(const std::string &name) {
    return std::filesystem::temp_directory_path() /
           ("scenehost-control-" + std::to_string(getpid()) + "-" + name);
}

// The host with the shipped plugins serving the demo scene (layers "layer-0" and "layer-1").
inline std::vector<std::string> host_args(std::vector<std::string> extra = {}) {
    std::vector<std::string> args = {"--plugin-dir", SCENEHOST_PLUGIN_DIR, "--demo"};
    if (std::find(extra.begin(), extra.end(), "--audit-log") == extra.end()) {
        args.insert(args.end(), {"--audit-log", temp_file("audit.jsonl").string()});
    }
    args.insert(args.end(), extra.begin(), extra.end());
    return args;
}

inline boost::json::object payload(const boost::json::object &frame) { return frame.at("payload").as_object(); }

}  // namespace scenehost::test

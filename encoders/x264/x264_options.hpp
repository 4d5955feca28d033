// The x264 plugin's backend settings, read strictly from the config's options_json: every key
// is known and every value is one libx264 takes, or the config is refused naming the key.
#pragma once

#include <string>
#include <string_view>
#include <variant>

namespace scenehost::encoders {

struct X264Options {
    std::string preset = "veryfast";  // an x264 preset: speed against compression
    std::string tune;                 // an optional x264 tune besides the implied "zerolatency"
    std::string profile = "high";     // "baseline", "main" or "high"

    // The x264 tune string: the requested tune (if any) plus "zerolatency".
    std::string tune_with_zerolatency() const;
};

// The options of options_json (a JSON object with the optional string keys "preset", "tune",
// "profile"), or why not, naming the key and the values it accepts.
std::variant<X264Options, std::string> parse_x264_options(std::string_view options_json);

}  // namespace scenehost::encoders

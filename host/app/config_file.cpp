// Reads the [serve] table of a TOML file into serve's options, and writes the effective config
// and the shipped template. The option table itself is serve_options.cpp.
#include "app/config_file.hpp"

#include <algorithm>
#include <fmt/format.h>
#include <sstream>
#include <stdexcept>
#include <toml++/toml.h>
#include <vector>

#include "base/assert.hpp"

namespace scenehost::app {
namespace {

// What TOML value an option takes, from its CLI11 definition.
enum class Kind { flag, integer, number, text };

struct OptionShape {
    Kind kind;
    bool many;          // an array (a repeatable option)
    std::string bound;  // the validators' descriptions, e.g. "FLOAT in [0.01 - 3600]"
};

OptionShape shape_of(const CLI::Option &option) {
    OptionShape shape{Kind::text, option.get_expected_max() > 1, {}};
    const std::string type = option.get_type_name();  // "FLOAT:FLOAT in [0.01 - 3600]"
    const auto colon = type.find(':');
    const std::string base = type.substr(0, colon);
    if (option.get_expected_max() == 0) {  // CLI11's flags expect no argument
        shape.kind = Kind::flag;
    } else if (base == "INT" || base == "UINT") {
        shape.kind = Kind::integer;
    } else if (base == "FLOAT") {
        shape.kind = Kind::number;
    }
    if (colon != std::string::npos) shape.bound = type.substr(colon + 1);
    return shape;
}

std::string name_of(const CLI::Option &option) { return option.get_lnames().front(); }

// The options a config file may set: every long option but --help.
std::vector<const CLI::Option *> config_options(const CLI::App &serve) {
    std::vector<const CLI::Option *> out;
    for (const CLI::Option *option : serve.get_options()) {
        if (option->get_lnames().empty() || option == serve.get_help_ptr()) continue;
        out.push_back(option);
    }
    return out;
}

// A TOML basic string: quoted, with backslash, quote and control characters escaped.
std::string toml_string(const std::string &text) {
    std::string out = "\"";
    for (const char c : text) {
        if (c == '"' || c == '\\') {
            out += '\\';
            out += c;
        } else if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) {
            out += fmt::format("\\u{:04X}", static_cast<unsigned char>(c));
        } else {
            out += c;
        }
    }
    return out + "\"";
}

// text as comment lines of at most about 100 columns, broken at spaces.
std::string comment(const std::string &text) {
    std::string out, line = "#";
    std::istringstream words(text);
    for (std::string word; words >> word;) {
        if (line.size() > 1 && line.size() + 1 + word.size() > 100) {
            out += line + "\n";
            line = "#";
        }
        line += " " + word;
    }
    return out + line + "\n";
}

std::string toml_scalar(Kind kind, const std::string &text) {
    return kind == Kind::integer || kind == Kind::number ? text : toml_string(text);
}

// The option's value as TOML: its results when set, else its captured default (read as text:
// converting would run the option's validators on a default that need not hold here, such as
// the package's web root on a build machine).
std::string toml_value(const CLI::Option &option) {
    const OptionShape shape = shape_of(option);
    if (shape.kind == Kind::flag) {
        bool on = false;
        const std::string text = option.count() > 0 ? option.results().back() : option.get_default_str();
        SCENEHOST_ASSERT(CLI::detail::lexical_cast(text, on), "a flag's results and default are booleans");
        return on ? "true" : "false";
    }
    if (!shape.many) {
        return toml_scalar(shape.kind, option.count() > 0 ? option.results().back() : option.get_default_str());
    }
    // A list's results when given; else its captured default, which CLI11 writes as "[a,b]".
    std::vector<std::string> items = option.results();
    if (option.count() == 0) {
        std::string text = option.get_default_str();
        if (text.size() >= 2 && text.front() == '[' && text.back() == ']') text = text.substr(1, text.size() - 2);
        items.clear();
        for (size_t start = 0; !text.empty() && start <= text.size();) {
            const size_t comma = std::min(text.find(',', start), text.size());
            items.push_back(text.substr(start, comma - start));
            start = comma + 1;
        }
    }
    std::string out = "[";
    for (const std::string &item : items) {
        out += (out.size() > 1 ? ", " : "") + toml_scalar(shape.kind, item);
    }
    return out + "]";
}

// One TOML scalar as the command-line text CLI11 converts, or the type it should have been.
std::string scalar_text(const toml::node &node, Kind kind, std::string &wrong) {
    if (kind == Kind::integer) {
        if (const auto *v = node.as_integer()) return std::to_string(v->get());
        wrong = "an integer";
    } else if (kind == Kind::number) {
        if (const auto *v = node.as_integer()) return std::to_string(v->get());
        if (const auto *v = node.as_floating_point()) return fmt::format("{}", v->get());
        wrong = "a number";
    } else {
        if (const auto *v = node.as_string()) return v->get();
        wrong = "a string";
    }
    return {};
}

}  // namespace

ValueSources command_line_sources(const CLI::App &command) {
    ValueSources sources;
    for (const CLI::Option *option : config_options(command)) {
        if (option->count() > 0) sources.emplace(name_of(*option), "command line");
    }
    return sources;
}

void apply_config_file(const std::filesystem::path &file, CLI::App &serve, ValueSources &sources) {
    std::error_code error;
    if (!std::filesystem::is_regular_file(file, error)) {
        throw std::runtime_error(fmt::format("config file {}: {}", file.string(),
                                             error ? error.message() : "does not exist or is not a file"));
    }
    toml::table root;
    try {
        root = toml::parse_file(file.string());
    } catch (const toml::parse_error &e) {
        throw std::runtime_error(
            fmt::format("{}:{}: not valid TOML: {}", file.string(), e.source().begin.line, e.description()));
    }
    auto fail = [&](const toml::node &node, const std::string &what) -> void {
        throw std::runtime_error(fmt::format("{}:{}: {}", file.string(), node.source().begin.line, what));
    };
    for (const auto &[key, node] : root) {
        if (key.str() != "serve") fail(node, fmt::format("{}: unknown table or key (scenehost reads [serve])", key.str()));
        if (!node.is_table()) fail(node, "serve: must be a table ([serve])");
    }
    const toml::table *table = root["serve"].as_table();
    if (table == nullptr) return;
    for (const auto &[key, node] : *table) {
        const std::string name(key.str());
        const std::string where = fmt::format("{}:{}", file.string(), node.source().begin.line);
        CLI::Option *option = serve.get_option_no_throw("--" + name);
        if (option == nullptr || option == serve.get_help_ptr()) {
            fail(node, fmt::format("serve.{}: unknown key, not an option of `scenehost serve` "
                                   "(`scenehost config --template` lists them)",
                                   name));
        }
        if (sources.contains(name)) continue;  // the command line wins
        const OptionShape shape = shape_of(*option);
        const std::string bound = shape.bound.empty() ? "" : " (" + shape.bound + ")";
        if (shape.kind == Kind::flag) {
            const auto *flag = node.as_boolean();
            if (flag == nullptr) fail(node, fmt::format("serve.{}: expects true or false", name));
            if (flag->get()) {
                option->add_result("true");
                option->run_callback();
            }
            sources.emplace(name, where);
            continue;
        }
        std::vector<std::string> texts;
        std::string wrong;
        if (const toml::array *items = node.as_array()) {
            if (!shape.many) fail(node, fmt::format("serve.{}: takes one value, not an array", name));
            for (const toml::node &item : *items) {
                texts.push_back(scalar_text(item, shape.kind, wrong));
                if (!wrong.empty()) fail(item, fmt::format("serve.{}: each item must be {}{}", name, wrong, bound));
            }
        } else {
            texts.push_back(scalar_text(node, shape.kind, wrong));
            if (!wrong.empty()) {
                fail(node, fmt::format("serve.{}: expects {}{}{}", name, shape.many ? "an array of items, each " : "",
                                       wrong, bound));
            }
        }
        if (texts.empty()) {  // an empty array: none, the default of the lists that may be empty
            if (option->get_default_str() != "[]") fail(node, fmt::format("serve.{}: must not be empty", name));
            sources.emplace(name, where);
            continue;
        }
        for (std::string &text : texts) option->add_result(std::move(text));
        try {
            option->run_callback();  // the option's validators and conversion, as for the command line
        } catch (const CLI::ParseError &e) {  // ValidationError or ConversionError: CLI11's own message
            fail(node, fmt::format("serve.{}: {}{}", name, e.what(), bound));
        }
        sources.emplace(name, where);
    }
    // Options that exclude each other (demo and open) may now meet across file and command line.
    for (const CLI::Option *option : config_options(serve)) {
        if (option->count() == 0) continue;
        for (const CLI::Option *other : option->get_excludes()) {
            if (other->count() == 0) continue;
            throw std::runtime_error(fmt::format("{}: serve.{} ({}) excludes serve.{} ({})", file.string(),
                                                 name_of(*option), sources.at(name_of(*option)), name_of(*other),
                                                 sources.at(name_of(*other))));
        }
    }
}

std::string effective_config(const CLI::App &serve, const ValueSources &sources,
                             const std::map<std::string, std::string, std::less<>> &notes) {
    std::string out = "[serve]\n";
    for (const CLI::Option *option : config_options(serve)) {
        const std::string name = name_of(*option);
        const auto source = sources.find(name);
        const auto note = notes.find(name);
        out += fmt::format("{} = {}  # {}{}\n", name, toml_value(*option),
                           source == sources.end() ? "default" : source->second,
                           note == notes.end() ? "" : "; " + note->second);
    }
    return out;
}

std::string config_template(const CLI::App &serve) {
    std::string out =
        "# scenehost's configuration: `scenehost serve` reads this file at start-up.\n"
        "# Every option of `scenehost serve` can be set here, with its command-line name without\n"
        "# the dashes; an option given on the command line wins. Each line below is an option at\n"
        "# its default: uncomment and change it. An unknown key or a value out of its bound stops\n"
        "# the host with an error naming this file, the line and the bound.\n"
        "# `scenehost config --print` shows the effective values and where each one came from.\n"
        "\n[serve]\n";
    for (const CLI::Option *option : config_options(serve)) {
        const OptionShape shape = shape_of(*option);
        out += "\n" + comment(option->get_description() + (shape.bound.empty() ? "" : " (" + shape.bound + ")"));
        out += fmt::format("# {} = {}\n", name_of(*option), toml_value(*option));
    }
    return out;
}

}  // namespace scenehost::app

// scenehost's command line: `serve` runs the host, `plugins` lists what the plugin directories
// hold, `encoders` which encoders can run here, `config` the effective config and the shipped
// template. Every outside mistake ends here as a message and exit code 2.
#include <CLI/CLI.hpp>
#include <iostream>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>
#include <stdexcept>

#include "app/config_file.hpp"
#include "app/encoders_command.hpp"
#include "app/layout.hpp"
#include "app/plugins_command.hpp"
#include "app/serve_command.hpp"
#include "app/serve_options.hpp"

namespace {

using namespace scenehost;

// The plugin-listing commands' own options: more site directories, or none of the system's.
struct PluginListOptions {
    std::vector<std::filesystem::path> plugin_dirs;
    bool no_system_plugins = false;
};

CLI::App *add_plugin_list_command(CLI::App &cli, const char *name, const char *help, PluginListOptions &options) {
    auto *command = cli.add_subcommand(name, help);
    command->add_option("--plugin-dir", options.plugin_dirs, "Site plugin directory, after the config's (repeatable)");
    command->add_flag("--no-system-plugins", options.no_system_plugins, "Leave out the system plugin directory");
    return command;
}

}  // namespace

int main(int argc, char **argv) {
    const app::Layout layout = app::running_layout();
    CLI::App cli{"scenehost: remote scientific visualization host"};
    cli.require_subcommand(1);
    std::filesystem::path config_path;
    cli.add_option("--config", config_path,
                   "TOML config file (before the subcommand; default: " + layout.config_file.string() +
                       " when it exists). Its [serve] table sets serve's options; the command line wins");

    app::ServeOptions serve_options = app::default_serve_options(layout);
    auto *serve = cli.add_subcommand("serve", "Run the host");
    app::add_serve_options(*serve, serve_options);

    PluginListOptions plugins_options, encoders_options;
    auto *plugins = add_plugin_list_command(cli, "plugins", "List every plugin file with its kind, version, "
                                                            "directory and load status", plugins_options);
    auto *encoders = add_plugin_list_command(cli, "encoders", "Probe every encoder plugin: available, or "
                                                              "unavailable and why", encoders_options);

    auto *config = cli.add_subcommand("config", "Show the effective serve config, or the shipped template");
    bool print_template = false, print_effective = false;
    auto *print = config->add_flag("--print", print_effective,
                                   "The effective config (the default): every serve option, its value and its origin");
    config->add_flag("--template", print_template,
                     "The config file the package ships: every option commented out with its help and default")
        ->excludes(print);

    try {
        cli.parse(argc, argv);
    } catch (const CLI::ParseError &e) {
        return cli.exit(e) == 0 ? 0 : 2;  // --help is not a mistake; every command-line mistake is 2
    }
    // Logs go to stderr; stdout carries only what scripts read (the bound address, tables).
    spdlog::set_default_logger(spdlog::stderr_color_mt("scenehost"));
    try {
        if (*config && print_template) {
            // The package's defaults, not this binary's: the template documents the package.
            CLI::App shipped;
            app::ServeOptions shipped_options = app::default_serve_options(app::package_layout());
            app::add_serve_options(shipped, shipped_options);
            std::cout << app::config_template(shipped);
            return 0;
        }
        app::ValueSources sources = app::command_line_sources(*serve);
        if (config_path.empty() && std::filesystem::exists(layout.config_file)) config_path = layout.config_file;
        if (!config_path.empty()) app::apply_config_file(config_path, *serve, sources);

        if (*config) {
            std::map<std::string, std::string, std::less<>> notes;
            if (serve_options.audit_log.empty()) notes["audit-log"] = "empty: " + app::audit_log_path(serve_options).string();
            std::cout << "# config file: " << (config_path.empty() ? "none" : config_path.string()) << '\n'
                      << app::effective_config(*serve, sources, notes);
            return 0;
        }
        if (*plugins || *encoders) {
            const PluginListOptions &own = *plugins ? plugins_options : encoders_options;
            std::vector<std::filesystem::path> site = serve_options.plugin_dirs;
            site.insert(site.end(), own.plugin_dirs.begin(), own.plugin_dirs.end());
            const auto dirs =
                app::plugin_directories(layout, own.no_system_plugins || serve_options.no_system_plugins, site);
            spdlog::set_level(spdlog::level::off);  // the table says it all
            return *plugins ? app::run_plugins_command(dirs, layout.plugin_dir, std::cout)
                            : app::run_encoders_command(dirs, std::cout);
        }
        return app::run_serve_command(serve_options, layout);
    } catch (const std::runtime_error &e) {
        // Start-up errors: a file, directory or setting from outside that cannot be used.
        std::cerr << "scenehost: " << e.what() << '\n';
        return 2;
    }
}

#include "plugin/host_services.hpp"

#include <spdlog/spdlog.h>
#include <string_view>

namespace scenehost::plugin {

HostServices::HostServices(std::string plugin_name) : name_(std::move(plugin_name)) {
    table_ = {
        sizeof(scenehost_host_v1),
        this,
        [](void *context, scenehost_log_level level, scenehost_string_view message) {
            const auto &name = static_cast<HostServices *>(context)->name_;
            const auto spd = level >= SCENEHOST_LOG_LEVEL_ERROR  ? spdlog::level::err
                             : level == SCENEHOST_LOG_LEVEL_WARN ? spdlog::level::warn
                             : level == SCENEHOST_LOG_LEVEL_INFO ? spdlog::level::info
                                                                 : spdlog::level::debug;
            spdlog::log(spd, "[plugin {}] {}", name,
                        message.size == 0 ? std::string_view() : std::string_view(message.data, message.size));
        },
    };
}

}  // namespace scenehost::plugin

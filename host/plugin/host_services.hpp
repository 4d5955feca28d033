// The services the host offers a plugin (scenehost_host_v1): log lines tagged with its name.
#pragma once

#include <string>

#include "scenehost/sdk/types.h"

namespace scenehost::plugin {

class HostServices {
public:
    explicit HostServices(std::string plugin_name);
    HostServices(const HostServices &) = delete;  // the table points at this object
    HostServices &operator=(const HostServices &) = delete;

    const scenehost_host_v1 *table() const { return &table_; }

private:
    std::string name_;
    scenehost_host_v1 table_{};
};

}  // namespace scenehost::plugin

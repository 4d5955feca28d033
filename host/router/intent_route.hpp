// Where a state.update goes: the scope, target and key of the reducer that owns the property.
// napari-cuda's clients still send historic scopes and namespaced keys (spec §5.1: "historic
// volume and multiscale intents are treated as aliases"); they are resolved here, without state.
#pragma once

#include <string>
#include <string_view>

namespace scenehost::router {

struct Route {
    std::string scope;
    std::string target;
    std::string key;

    bool operator==(const Route &) const = default;
};

// Scope and key are matched case-insensitively (napari-cuda lower-cases them); the result
// names the owning scope:
//   settings/*                     -> view/*
//   dims/*/ndisplay                -> view/main/ndisplay
//   layer/L/volume.K               -> volume/L/K
//   layer/L/{rendering, attenuation, iso_threshold} -> volume/L/{same}
//   volume/L/{opacity, colormap, contrast_limits}   -> layer/L/{same}
//   multiscale/L/K                 -> layer/L/multiscale.K
// Everything else goes where it says.
Route route_intent(std::string_view scope, std::string_view target, std::string_view key);

}  // namespace scenehost::router

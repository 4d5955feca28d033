// The results of the commands scripts and agents read the store with (state.get, state.schema;
// docs/protocol.md): their wire shapes, which clients such as scenehostctl parse.
#pragma once

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <cstdint>
#include <string_view>
#include <vector>

namespace scenehost::protocol {

// state.get's result: {scope, target, key, value, version}.
boost::json::object state_record_result(std::string_view scope, std::string_view target, std::string_view key,
                                        const boost::json::value &value, uint64_t version);

// One reducer's declarations for state.schema.
struct ScopeSchema {
    std::string_view scope;
    std::string_view publication;  // "state", "napari_layers", ...
    std::vector<std::pair<std::string_view, const boost::json::value *>> keys;  // key → its JSON Schema
};

// state.schema's result: {scopes: {SCOPE: {publication, keys: {KEY: schema}}}}.
boost::json::object state_schema_result(const std::vector<ScopeSchema> &scopes);

}  // namespace scenehost::protocol

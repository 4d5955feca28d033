// state.get's and state.schema's results.
#include "protocol/command_results.hpp"

namespace scenehost::protocol {

boost::json::object state_record_result(std::string_view scope, std::string_view target, std::string_view key,
                                        const boost::json::value &value, uint64_t version) {
    return {{"scope", scope}, {"target", target}, {"key", key}, {"value", value}, {"version", version}};
}

boost::json::object state_schema_result(const std::vector<ScopeSchema> &scopes) {
    boost::json::object out;
    for (const ScopeSchema &scope : scopes) {
        boost::json::object keys;
        for (const auto &[key, schema] : scope.keys) keys[key] = *schema;
        out[scope.scope] = boost::json::object{{"publication", scope.publication}, {"keys", std::move(keys)}};
    }
    return {{"scopes", std::move(out)}};
}

}  // namespace scenehost::protocol

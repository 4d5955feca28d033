// Boost.JSON compiled header-only into the vpl plugin (plugins link nothing but the SDK and their codec).
#include <boost/json/src.hpp>

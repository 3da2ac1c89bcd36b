// The parameters of a request's query string (application/x-www-form-urlencoded). Pure
// functions.
#pragma once

#include <map>
#include <string>
#include <string_view>

namespace segd {

// `s` with '+' as a space and %XX sequences decoded (malformed ones kept as they are).
std::string PercentDecoded(std::string_view s);

// The query's parameters, decoded (the last of repeated names wins).
std::map<std::string, std::string> ParseQuery(std::string_view query);

}  // namespace segd

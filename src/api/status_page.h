// segd's status page: one HTML document with its CSS and JavaScript inline (no external assets,
// no build step) that renders the JSON API of the segd serving it (/v1/status, /v1/model,
// /v1/segments, /v1/drift, /v1/drift/chart.svg) in the browser and refreshes itself. The
// document is a constant: every value it shows arrives as JSON and enters the page as text
// nodes, never as markup. Thread-safe.
#pragma once

#include <string_view>

namespace segd {

// The page, served as text/html by `GET /`.
std::string_view StatusPageHtml();

}  // namespace segd

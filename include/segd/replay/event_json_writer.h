// Writes events as contract-v1 JSON (CloudEvents 1.0, structured mode). Pure functions;
// thread-safe.
#pragma once

#include <string>
#include <string_view>

#include "segd/event/event.h"

namespace segd {

// Appends one JSON object (no newline) for `event` to *out. `time` is written with
// `offset_minutes` (e.g. -180 for São Paulo's UTC-03:00). Optional strings that are empty are
// omitted; `source` defaults to "/segd/replay" when empty.
void AppendEventJson(const Event& event, std::string* out, int offset_minutes = 0);

// Appends `text` as a JSON string literal (quotes included), escaping quotes, backslashes and
// control characters; other UTF-8 passes through unchanged.
void AppendJsonString(std::string_view text, std::string* out);

}  // namespace segd

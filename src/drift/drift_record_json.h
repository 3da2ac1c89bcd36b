// The JSON form of a DriftRecord: how the history stores it, and what `GET /v1/drift` and
// `segd inspect drift` show. Pure functions; thread-safe.
#pragma once

#include <nlohmann/json.hpp>
#include <string_view>

#include "segd/common/status.h"
#include "segd/drift/drift_record.h"

namespace segd {

// Times as RFC 3339 strings; shift and shares as numbers; the policy as an object.
nlohmann::json DriftRecordJson(const DriftRecord& r);

// Reads what DriftRecordJson wrote (DataLoss if it is not such a record).
[[nodiscard]] StatusOr<DriftRecord> ParseDriftRecord(std::string_view text);

}  // namespace segd

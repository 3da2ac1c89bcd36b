#include "segd/model/drift_evaluator.h"

#include <chrono>

#include "segd/event/event_time.h"
#include "segd/model/nearest_centroid.h"

namespace segd {
namespace {

std::vector<double> Shares(const std::vector<uint64_t>& sizes, uint64_t total) {
  std::vector<double> s(sizes.size());
  for (size_t i = 0; i < sizes.size(); ++i) s[i] = total ? double(sizes[i]) / total : 0.0;
  return s;
}

}  // namespace

StatusOr<DriftReport> EvaluateDrift(StateStore& store, int64_t watermark_ms,
                                    const ScaledModel& base, const ScaledModel& cmp,
                                    double active_days,
                                    const std::function<bool(std::string_view)>& include) {
  const auto start = std::chrono::steady_clock::now();
  const int kb = static_cast<int>(base.centroids->rows());
  const int kc = static_cast<int>(cmp.centroids->rows());
  const bool same_space = base.spec == cmp.spec && base.scaler == cmp.scaler;
  const Eigen::Index db = base.centroids->cols(), dc = cmp.centroids->cols();
  DriftReport r;
  r.table = ContingencyTable(kb, kc);
  r.active_days = active_days;
  r.active_sizes.assign(size_t(kb), 0);
  const double active_since = double(watermark_ms) - active_days * kMillisPerDay;
  std::vector<double> xb(db), xc(dc);
  SEGD_RETURN_IF_ERROR(store.ScanCustomers([&](std::string_view id, const CustomerState& s) {
    if (include && !include(id)) return true;
    if (!ExtractFeatures(*base.spec, s, watermark_ms, xb.data())) return true;
    base.scaler->TransformRow(xb.data());
    const int lb = NearestCentroid(*base.centroids, xb.data());
    int lc;
    if (same_space) {
      lc = NearestCentroid(*cmp.centroids, xb.data());
    } else {
      ExtractFeatures(*cmp.spec, s, watermark_ms, xc.data());
      cmp.scaler->TransformRow(xc.data());
      lc = NearestCentroid(*cmp.centroids, xc.data());
    }
    r.table.Add(lb, lc);
    if (double(s.last_order_ms) >= active_since) ++r.active_sizes[size_t(lb)];
    return true;
  }));
  FinishDriftReport(base, cmp, &r);
  r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return r;
}

void FinishDriftReport(const ScaledModel& base, const ScaledModel& cmp, DriftReport* report) {
  DriftReport& r = *report;
  const int kb = r.table.rows(), kc = r.table.cols();
  const bool same_space = base.spec == cmp.spec && base.scaler == cmp.scaler;
  r.centroid_shift.clear();
  r.customers = r.table.total();
  r.ari = AdjustedRandIndex(r.table);
  r.baseline_sizes = r.table.RowSums();
  r.comparison_sizes = r.table.ColSums();
  if (kb == kc) {
    r.psi = PopulationStabilityIndex(Shares(r.baseline_sizes, r.customers),
                                     Shares(r.comparison_sizes, r.customers));
    if (same_space) {
      for (int c = 0; c < kb; ++c) {
        r.centroid_shift.push_back((base.centroids->row(c) - cmp.centroids->row(c)).norm());
      }
    }
  }
}

StatusOr<DriftReport> MergeDriftReports(const std::vector<DriftReport>& parts,
                                        const ScaledModel& base, const ScaledModel& cmp) {
  const int kb = static_cast<int>(base.centroids->rows());
  const int kc = static_cast<int>(cmp.centroids->rows());
  DriftReport r;
  r.table = ContingencyTable(kb, kc);
  r.active_sizes.assign(size_t(kb), 0);
  for (const DriftReport& p : parts) {
    if (p.table.rows() != kb || p.table.cols() != kc || p.active_sizes.size() != size_t(kb)) {
      return InvalidArgument("drift tables of different shapes");
    }
    r.table.Merge(p.table);
    for (int c = 0; c < kb; ++c) r.active_sizes[size_t(c)] += p.active_sizes[size_t(c)];
    r.active_days = p.active_days;
    r.seconds = std::max(r.seconds, p.seconds);
  }
  FinishDriftReport(base, cmp, &r);
  return r;
}

}  // namespace segd

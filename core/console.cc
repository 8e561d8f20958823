#include "core/console.h"

#include <cstdio>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace cifarbench {

std::string EpochTableHeader() {
  return absl::StrFormat("%5s | %10s | %8s | %9s | %7s | %11s | %8s\n", "epoch", "train_loss",
                         "val_loss", "train_acc", "val_acc", "ema_val_acc", "time") +
         std::string(5 + 10 + 8 + 9 + 7 + 11 + 8 + 6 * 3, '-') + "\n";
}

std::string EpochTableRow(const v1::EpochRow& row) {
  auto pct = [](bool shown, double v) { return shown ? absl::StrFormat("%.4f", v) : "-"; };
  return absl::StrFormat("%5d | %10.4f | %8s | %9.4f | %7s | %11s | %8.2f\n", row.epoch(),
                         row.train_loss(),
                         row.evaluated() ? absl::StrFormat("%.4f", row.val_loss()) : "-",
                         row.train_acc(), pct(row.evaluated(), row.val_acc()),
                         pct(row.ema_evaluated(), row.ema_val_acc()),
                         row.total_train_seconds());
}

std::string ProgressLine(int64_t step, int64_t steps, double loss, double elapsed_s) {
  return absl::StrFormat("step %d/%d  loss %.4f  %.1fs", step, steps, loss, elapsed_s);
}

std::string SummaryLine(const v1::Aggregate& a) {
  if (a.ok_runs() == 0) {
    return absl::StrFormat("%s: %d run(s), none finished OK\n", a.recipe(), a.runs());
  }
  return absl::StrFormat(
      "%s: %d/%d runs OK, headline accuracy %.2f%% ± %.2f%% (min %.2f%%, max %.2f%%, "
      "95%% CI %.2f-%.2f%%), train_s %.2f ± %.2f s (median %.2f, olympic mean %.2f), "
      "time_to_result_s %.2f s, %.0f%% of runs >= target %.2f%% (p = %.3g for mean <= "
      "target)\n",
      a.recipe(), a.ok_runs(), a.runs(), 100 * a.accuracy_mean(), 100 * a.accuracy_std(),
      100 * a.accuracy_min(), 100 * a.accuracy_max(), 100 * a.accuracy_ci95_low(),
      100 * a.accuracy_ci95_high(), a.train_s_mean(), a.train_s_std(), a.train_s_median(),
      a.train_s_olympic_mean(), a.time_to_result_s_mean(), 100 * a.fraction_at_target(),
      100 * a.target_accuracy(), a.p_value_above_target());
}

void ConsoleReporter::Line(const std::string& text) {
  if (progress_shown_) {
    std::fputs("\r\033[K", out_);
    progress_shown_ = false;
  }
  std::fputs(text.c_str(), out_);
  std::fflush(out_);
}

void ConsoleReporter::Network(const v1::NetworkCost& cost) {
  if (cost.forward_macs_per_image() <= 0) return;
  Line(absl::StrFormat("network: %d parameters (%d trained), %.1f MMAC forward per image\n",
                       cost.params_total(), cost.params_trained(),
                       cost.forward_macs_per_image() / 1e6));
}

void ConsoleReporter::Notice(absl::string_view line) { Line(absl::StrCat(line, "\n")); }

void ConsoleReporter::RunHeader(const v1::RunReport& report, int run, int runs,
                                absl::string_view device) {
  Line(absl::StrFormat("\n%s run %d/%d (plugin %s, seed %d, device %s)\n%s", report.recipe(),
                       run, runs, report.plugin(), report.seed(), device, EpochTableHeader()));
}

void ConsoleReporter::Progress(int64_t step, int64_t steps, double loss, double elapsed_s) {
  if (!progress_) return;
  std::fprintf(out_, "\r\033[K%s", ProgressLine(step, steps, loss, elapsed_s).c_str());
  std::fflush(out_);
  progress_shown_ = true;
}

void ConsoleReporter::Epoch(const v1::EpochRow& row) { Line(EpochTableRow(row)); }

void ConsoleReporter::RunResult(int run, const v1::RunReport& r) {
  if (r.status() != v1::RUN_STATUS_OK) {
    std::string status = v1::RunStatus_Name(r.status());  // "RUN_STATUS_FAILED": "FAILED"
    if (absl::StartsWith(status, "RUN_STATUS_")) status = status.substr(11);
    Line(absl::StrFormat("run %d: %s%s%s\n", run, status,
                         r.message().empty() ? "" : ": ", r.message()));
    return;
  }
  Line(absl::StrFormat(
      "run %d: headline accuracy (%s) %.2f%%, train_s %.2f s, time_to_result_s %.2f s, "
      "%.4f TFLOP/s achieved (%s step%s)\n",
      run, r.headline(), 100 * r.headline_accuracy(), r.timings().train_s(),
      r.timings().time_to_result_s(), r.cost().achieved_tflops(), r.step_mode(),
      r.target_epoch() >= 0 ? absl::StrFormat("; target reached after epoch %d at %.2f s",
                                              r.target_epoch(), r.time_to_target_s())
                            : ""));
}

void ConsoleReporter::Summary(const v1::Aggregate& aggregate) {
  Line(absl::StrCat("\n", SummaryLine(aggregate)));
}

}  // namespace cifarbench

#pragma once

namespace ash {

// The retention policy. Ranges are checked by the configuration loader.
struct RetentionSettings {
  bool enabled = true;
  int alert_metrics_days = 90;     // 1-365
  int aggregates_days = 365;       // 30-730
  int message_history_days = 7;    // 1-30
  int session_data_days = 30;      // 7-90
  int cleanup_hour = 3;            // 0-23 UTC
  int batch_size = 500;            // 10-10000 keys per SCAN and pipeline
};

}  // namespace ash

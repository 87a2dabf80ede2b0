#!/usr/bin/env bash
# Runs every benchmark and refreshes docs/benchmarks.md (each writes its own section with
# the machine and date). The classifier ones read ../shared/eval; they are skipped, with a
# message, when it is absent.
set -euo pipefail
cd "$(dirname "$0")/.."
py=.venv/bin/python
eval=../shared/eval
$py bench/crawl_speed.py --rounds 3
$py bench/classify_cli_speed.py --shared "$eval"
# The service itself, for minutes each: time from a post to its alert, then 200 cycles
# among misbehaving sites (memory, open files, Chromium processes, alerts, health emails).
$py bench/freshness.py
$py bench/soak.py
if [ -d "$eval" ]; then
  $py bench/classify_speed.py --model --lokerid "$eval/lokerid_jobs_2025_dev.csv" \
      --overseas "$eval/id_overseas_ads_dev.jsonl"
  $py bench/eval_indicators.py --overseas "$eval/id_overseas_ads_dev.jsonl" \
      --lokerid "$eval/lokerid_jobs_2025_dev.csv" --sms "$eval/id_sms_spam_v1_wibisono.csv" \
      --sms "$eval/id_sms_manual600_michaelchen27.csv" --sms "$eval/id_sms_spam_bopbi_cc0.csv"
  $py bench/eval_difraud.py "$eval/difraud_job_scams_validation.jsonl"
  $py bench/eval_corpus.py --shared "$eval"
else
  echo "bench: $eval is absent: classifier benchmarks skipped" >&2
fi

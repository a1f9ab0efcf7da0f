#!/usr/bin/env bash
# Create a few v2 tasks, wait for each, and collect the ids of the ready ones and their embeddings:
# every value is read from --json / -q output with jq, never cut out of prose. Works against the
# API or the local fake (`twelvelabs-embed fake-server`; see docs/CLI.md for the two variables).
#
#   usage: collect-ids.sh URL... > ready-ids.txt      (embeddings go to ./embeddings/<id>.jsonl)
#   JQ=jaq collect-ids.sh ...                          (any jq-compatible processor)
set -euo pipefail
JQ=${JQ:-jq}

ids=()
for url in "$@"; do
  ids+=("$(twelvelabs-embed create -q --url "$url" --segmentation fixed:5)")   # -q: the id and nothing else
done

mkdir -p embeddings
for id in "${ids[@]}"; do
  # wait: exit 0 when ready, 3 when the task failed, 4 after --timeout (then `wait` again resumes).
  status=0
  twelvelabs-embed wait "$id" --timeout 600 2> /dev/null || status=$?
  case "$status" in
    0) twelvelabs-embed get "$id" -o "embeddings/$id.jsonl" --json | "$JQ" -e '.segments > 0' > /dev/null ;;
    3) echo "task $id failed: $(twelvelabs-embed status "$id" --json | "$JQ" -r '.error.message // "no reason given"')" >&2 ;;
    *) exit "$status" ;;
  esac
done

# The ready tasks among the newest ones, as listed by the API (JSON lines: one task per line).
twelvelabs-embed list --status ready --limit 50 --json | "$JQ" -r '._id' > embeddings/listed-ready.txt
for id in "${ids[@]}"; do
  if grep -qx "$id" embeddings/listed-ready.txt; then
    echo "$id"
  fi
done

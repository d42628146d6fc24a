#!/usr/bin/env bash
# Download the seven ZeroSearch evaluation sets from their public source, FlashRAG's Hugging Face
# dataset repository RUC-NLPIR/FlashRAG_datasets (the files Search-R1 and ZeroSearch evaluate on),
# into data/benchmarks/<name>/<split>.jsonl. Each line: {"id", "question", "golden_answers": [...], ...}.
#
#   bash data/download-benchmarks.sh                 # all seven
#   bash data/download-benchmarks.sh nq bamboogle    # some of them
#   OUT=/elsewhere bash data/download-benchmarks.sh  # another target folder
#   HF_ENDPOINT=https://hf-mirror.example bash ...   # a Hugging Face mirror
#
# Split per set (Search-R1's rule: test where the set has one, else dev) and the row count checked:
#   nq test 3610 | triviaqa test 11313 | popqa test 14267 | hotpotqa dev 7405
#   2wikimultihopqa dev 12576 | musique dev 2417 | bamboogle test 125
# Keep these in step with src/data/benchmarks.ts. Licences: see each dataset's publisher.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
OUT="${OUT:-$HERE/benchmarks}"
HF_ENDPOINT="${HF_ENDPOINT:-https://huggingface.co}"
BASE="$HF_ENDPOINT/datasets/RUC-NLPIR/FlashRAG_datasets/resolve/main"

declare -A SPLIT=([nq]=test [triviaqa]=test [popqa]=test [hotpotqa]=dev [2wikimultihopqa]=dev [musique]=dev [bamboogle]=test)
declare -A ROWS=([nq]=3610 [triviaqa]=11313 [popqa]=14267 [hotpotqa]=7405 [2wikimultihopqa]=12576 [musique]=2417 [bamboogle]=125)
ALL=(nq triviaqa popqa hotpotqa 2wikimultihopqa musique bamboogle)

if ! command -v curl >/dev/null; then echo "download-benchmarks: curl is required" >&2; exit 1; fi
names=("$@")
[ ${#names[@]} -eq 0 ] && names=("${ALL[@]}")

status=0
for name in "${names[@]}"; do
  split="${SPLIT[$name]:-}"
  if [ -z "$split" ]; then
    echo "download-benchmarks: unknown benchmark '$name' (expected one of: ${ALL[*]})" >&2
    exit 2
  fi
  target="$OUT/$name/$split.jsonl"
  mkdir -p "$OUT/$name"
  if [ -s "$target" ] && [ "$(grep -c . "$target")" -eq "${ROWS[$name]}" ]; then
    echo "$name: $target already complete (${ROWS[$name]} rows)"
    continue
  fi
  echo "$name: $BASE/$name/$split.jsonl -> $target"
  # Download to a temporary name and rename, so an interrupted run never leaves a partial file.
  tmp="$target.part"
  if ! curl -L --fail --show-error --progress-bar --retry 5 --retry-delay 3 --connect-timeout 30 \
      -o "$tmp" "$BASE/$name/$split.jsonl"; then
    rm -f "$tmp"
    echo "$name: FAILED to download $BASE/$name/$split.jsonl" >&2
    status=1
    continue
  fi
  mv "$tmp" "$target"
  got="$(grep -c . "$target")"
  if [ "$got" -ne "${ROWS[$name]}" ]; then
    echo "$name: WARNING: $got rows, expected ${ROWS[$name]} (the upstream file may have changed)" >&2
    status=1
  else
    echo "$name: $got rows"
  fi
done
exit $status

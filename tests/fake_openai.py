"""A small OpenAI-compatible HTTP server on 127.0.0.1 for tests: scripted faults, counted
requests, deterministic answers (the first words of the article, so ROUGE scores real text).

    with FakeOpenAI(plan=["429", "500", "ok"]) as server:
        server.url  # http://127.0.0.1:PORT/v1

``plan`` holds one action per completion request, in arrival order, then ``default``:
``ok``, ``length`` (an answer whose ``finish_reason`` is ``length``: cut by ``max_tokens``),
``429`` (with ``Retry-After: <retry_after>``), ``500``, ``400``, ``slow`` (waits ``slow_s``
before answering), ``malformed`` (200 with broken JSON) or ``drop`` (closes the connection
without an answer). ``/tokenize`` and ``/detokenize`` split on whitespace
(``tokenize=False`` answers them 404); ``tokenize_plan`` holds actions for those calls first
(``503``: "Loading model", as a restarting llama.cpp answers). ``die_after=N``: after its Nth
completion answer the server stops listening, as a killed server would.
"""

from __future__ import annotations

import json
import math
import re
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

MODEL = "fake-model"


def rating_dist(prompt: str) -> dict[str, float] | None:
    """For a judge prompt, the first-token distribution the fake server reports: 0.7 on the
    rating ``answer_for`` gives, the rest on its neighbours; None for other prompts."""
    answer = answer_for(prompt)
    if "Evaluation form" not in prompt or not answer.startswith("Rating: "):
        return None
    r = int(answer.split()[-1])
    near = [k for k in (r - 1, r + 1) if 1 <= k <= 5]
    return {str(r): 0.7, **{str(k): 0.3 / len(near) for k in near}}


def answer_for(prompt: str, words: int = 12) -> str:
    """The first ``words`` words after 'Article:' (or of the prompt). A judge prompt gets a
    rating from 1 to 5 that depends on the text rated, or no number when that text says
    UNPARSEABLE."""
    if "Evaluation form" in prompt:
        rated = prompt.split("Article:", 1)[0]
        if "UNPARSEABLE" in rated:
            return "I cannot rate this text."
        return f"Rating: {1 + sum(map(ord, rated)) % 5}"
    text = prompt.split("Article:", 1)[-1]
    return " ".join(re.findall(r"\S+", text)[:words])


class FakeOpenAI:
    def __init__(
        self,
        plan: list[str] | None = None,
        default: str = "ok",
        retry_after: float = 0.2,
        slow_s: float = 2.0,
        delay_s: float = 0.0,
        tokenize: bool = True,
        model: str = MODEL,
        tokenize_plan: list[str] | None = None,
        die_after: int | None = None,
    ) -> None:
        self.plan = list(plan or [])
        self.default = default
        self.retry_after = retry_after
        self.slow_s = slow_s
        self.delay_s = delay_s
        self.tokenize = tokenize
        self.model = model
        self.tokenize_plan = list(tokenize_plan or [])
        self.tokenize_calls = 0
        self.die_after = die_after
        self.answered = 0
        self.stopped = False
        self._url = ""
        self.lock = threading.Lock()
        self.requests: list[dict[str, Any]] = []  # completion requests: path, headers, body
        self.actions: list[str] = []
        self.in_flight = 0
        self.max_in_flight = 0
        self._httpd: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        return self._url

    def __enter__(self) -> FakeOpenAI:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:  # quiet
                return None

            def _send(self, status: int, payload: Any, headers: dict[str, str] | None = None):
                data = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                for k, v in (headers or {}).items():
                    self.send_header(k, v)
                self.end_headers()
                self.wfile.write(data)

            def _gone(self) -> bool:
                """A stopped server answers nothing, even on a connection kept alive."""
                if fake.stopped:
                    self.close_connection = True
                    self.connection.close()
                return fake.stopped

            def do_GET(self) -> None:
                if self._gone():
                    return
                if self.path.rstrip("/").endswith("/v1/models"):
                    self._send(200, {"object": "list", "data": [{"id": fake.model}]})
                else:
                    self._send(404, {"error": {"message": "not found"}})

            def do_POST(self) -> None:
                if self._gone():
                    return
                length = int(self.headers.get("Content-Length", 0))
                body = json.loads(self.rfile.read(length) or b"{}")
                if self.path in ("/tokenize", "/detokenize"):
                    with fake.lock:
                        fake.tokenize_calls += 1
                        action = fake.tokenize_plan.pop(0) if fake.tokenize_plan else "ok"
                    if action == "503":
                        self._send(503, {"error": {"message": "Loading model", "code": 503}})
                    elif not fake.tokenize:
                        self._send(404, {"error": {"message": "no such endpoint"}})
                    elif self.path == "/tokenize":
                        words = body.get("content", "").split()
                        self._send(200, {"tokens": list(range(len(words)))})
                    else:  # token i is word i of the last tokenised text: keep it simple
                        self._send(200, {"content": " ".join(f"w{t}" for t in body["tokens"])})
                    return
                with fake.lock:
                    action = fake.plan.pop(0) if fake.plan else fake.default
                    fake.actions.append(action)
                    fake.requests.append(
                        {"path": self.path, "headers": dict(self.headers), "body": body}
                    )
                    fake.in_flight += 1
                    fake.max_in_flight = max(fake.max_in_flight, fake.in_flight)
                try:
                    self._act(action, body)
                finally:
                    with fake.lock:
                        fake.in_flight -= 1
                        fake.answered += 1
                        die = fake.die_after is not None and fake.answered == fake.die_after
                    if die:  # stop listening, from another thread (serve_forever runs here)
                        threading.Thread(target=fake.stop, daemon=True).start()

            def _act(self, action: str, body: dict[str, Any]) -> None:
                if fake.delay_s:
                    time.sleep(fake.delay_s)
                if action == "429":
                    self._send(429, {"error": {"message": "slow down"}},
                               {"Retry-After": str(fake.retry_after)})  # fmt: skip
                elif action == "500":
                    self._send(500, {"error": {"message": "internal trouble"}})
                elif action == "400":
                    self._send(400, {"error": {"message": "max_tokens is too large"}})
                elif action == "malformed":
                    self._send(200, b'{"choices": [ {"message": ')
                elif action == "drop":
                    self.close_connection = True
                    self.connection.close()
                else:
                    if action == "slow":
                        time.sleep(fake.slow_s)
                    self._send(200, self._completion(body, action))

            def _completion(self, body: dict[str, Any], action: str = "ok") -> dict[str, Any]:
                prompt = body["messages"][-1]["content"] if "messages" in body else body["prompt"]
                text = answer_for(prompt)
                finish = "length" if action == "length" else "stop"
                dist = rating_dist(prompt) if body.get("logprobs") else None
                if dist is None and body.get("logprobs"):
                    dist = {text.split()[0] if text.split() else "": 1.0}
                if dist is not None and "Evaluation form" in prompt and text.startswith("Rating"):
                    text = text.split()[-1]  # asked for probabilities: a bare digit first
                if "messages" in body:
                    choice = {"index": 0, "finish_reason": finish,
                              "message": {"role": "assistant", "content": text}}  # fmt: skip
                    if dist is not None:
                        top = [{"token": t, "logprob": math.log(p), "bytes": None}
                               for t, p in dist.items()]  # fmt: skip
                        first = {"token": top[0]["token"], "logprob": top[0]["logprob"],
                                 "bytes": None, "top_logprobs": top}  # fmt: skip
                        choice["logprobs"] = {"content": [first]}
                else:
                    choice = {"index": 0, "finish_reason": finish, "text": text}
                    if dist is not None:
                        choice["logprobs"] = {
                            "tokens": [next(iter(dist))], "text_offset": [0],
                            "token_logprobs": [math.log(next(iter(dist.values())))],
                            "top_logprobs": [{t: math.log(p) for t, p in dist.items()}],
                        }  # fmt: skip
                return {
                    "id": "x",
                    "object": "chat.completion",
                    "created": 0,
                    "model": fake.model,
                    "choices": [choice],
                    "usage": {
                        "prompt_tokens": len(prompt.split()),
                        "completion_tokens": len(text.split()),
                        "total_tokens": len(prompt.split()) + len(text.split()),
                    },
                }

        class Server(ThreadingHTTPServer):
            request_queue_size = 256  # many clients connect at once (the default is 5)

        self._httpd = Server(("127.0.0.1", 0), Handler)
        self._httpd.daemon_threads = True
        self._url = f"http://127.0.0.1:{self._httpd.server_address[1]}/v1"
        self.stopped = False
        threading.Thread(target=self._httpd.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        """Stop answering and listening (a killed server: connections are refused)."""
        with self.lock:
            httpd, self._httpd = self._httpd, None
            self.stopped = True  # open keep-alive connections are dropped from now on
        if httpd is not None:
            httpd.shutdown()
            httpd.server_close()

    def __exit__(self, *exc: Any) -> None:
        self.stop()

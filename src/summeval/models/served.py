"""Served and hosted models behind the OpenAI HTTP API (vLLM, SGLang, llama.cpp, TGI, APIs).

``backend: openai`` sends chat completions (``api: chat``, the default) or plain completions
(``api: completions``, for base models) through the official ``openai`` package's async
client, ``max_concurrency`` requests at a time, spread over one or several ``base_url``s
(least outstanding requests first; a server that keeps failing is set aside for a while).

- Truncation: with ``max_input_tokens``, the article is cut before the prompt is built, by a
  local ``tokenizer`` if one is configured, else by the server's ``/tokenize`` and
  ``/detokenize`` endpoints (vLLM, llama.cpp), else by a budget of ``CHARS_PER_TOKEN``
  characters per token. Every cut is recorded per article.
- Cache: the key is the model id as sent (how the server reports it), ``revision`` and
  ``cache_namespace``, the exact request (messages or prompt) and the decoding settings,
  never the URL; each response is appended to the cache as it arrives.
- Faults: 429 (honouring ``Retry-After``), 5xx, timeouts, dropped connections and malformed
  responses are retried with exponential backoff and jitter, up to ``max_retries``; any other
  4xx stops at once with the server's message. Exhausted retries raise ``ServiceError``.
- Secrets: the API key is read from the environment variable named by ``api_key_env`` and
  never written anywhere.
"""

from __future__ import annotations

import asyncio
import ipaddress
import json
import math
import os
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from summeval.config import ModelConfig, TasksConfig
from summeval.data.article import Article
from summeval.errors import ModelError, ServiceError
from summeval.logs import log
from summeval.models.base import Generation, ModelInfo, Prepared
from summeval.tasks import DEFAULT_MAX_NEW_TOKENS, TaskSpec

CHARS_PER_TOKEN = 4  # the fallback budget where no tokenizer and no /tokenize is available
FAILS_TO_SET_ASIDE = 3  # consecutive failures before a server is set aside
SET_ASIDE_S = 30.0
BACKOFF_BASE_S = 0.5
BACKOFF_CAP_S = 30.0
NOTICE_EVERY_S = 15.0  # at most one "retrying" / "still waiting" line per this many seconds
# decoding keys the OpenAI API has; the others go in extra_body where the server takes them
_API_KEYS = {"max_new_tokens": "max_tokens", "temperature": "temperature", "top_p": "top_p"}
_EXTRA_KEYS = ("top_k", "repetition_penalty", "min_new_tokens")
_UNSUPPORTED = ("num_beams", "no_repeat_ngram_size", "length_penalty", "early_stopping")


def _is_loopback(url: str) -> bool:
    host = urlsplit(url).hostname or ""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def key_warnings(urls: list[str], env_name: str) -> list[str]:
    """A warning for each plain-http URL of a non-loopback host that would get the key."""
    return [
        f"the API key from ${env_name} is sent unencrypted to {url}; use https:// for "
        "remote servers"
        for url in urls
        if url.startswith("http://") and not _is_loopback(url)
    ]


@dataclass
class Server:
    """One endpoint: its client, requests in flight and recent failures."""

    url: str
    client: Any
    outstanding: int = 0
    failures: int = 0
    aside_until: float = 0.0


@dataclass
class RequestStats:
    """What talking to the servers cost; saved per model in results.json."""

    requests: int = 0
    retries: int = 0
    failures: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    latencies: list[float] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        lat = sorted(self.latencies)

        def pct(q: float) -> float | None:
            return round(lat[min(len(lat) - 1, int(q * len(lat)))], 3) if lat else None

        return {
            "requests": self.requests,
            "retries": self.retries,
            "failures": self.failures,
            "prompt_tokens": self.prompt_tokens,
            "completion_tokens": self.completion_tokens,
            "latency_p50_s": pct(0.5),
            "latency_p95_s": pct(0.95),
        }


class _Retryable(Exception):
    """A fault worth another try (maybe on another server), with the server's wait hint."""

    def __init__(self, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class OpenAIBackend:
    """A model behind an OpenAI-compatible server; nothing is contacted until a cache miss."""

    cacheable = True

    def __init__(self, cfg: ModelConfig, tasks: TasksConfig, seed: int) -> None:
        self.cfg = cfg
        self.tasks = tasks
        self.seed = seed
        self.key = f"models.{cfg.name}"
        if not cfg.model:
            raise ModelError(
                "no model given", where=f"{self.key}.model", hint="set the id the server serves"
            )
        if not cfg.base_url:
            raise ModelError(
                "no server given",
                where=f"{self.key}.base_url",
                hint="set the server's URL, e.g. http://127.0.0.1:8000/v1 (or a list of them)",
            )
        self.urls = [cfg.base_url] if isinstance(cfg.base_url, str) else list(cfg.base_url)
        for task in cfg.generation.values():
            bad = [k for k in _UNSUPPORTED if k in task.set_values() and k != "num_beams"]
            if task.num_beams not in (None, 1):
                bad.append("num_beams")
            if bad:
                raise ModelError(
                    f"{', '.join(bad)} cannot be sent to an OpenAI-compatible server",
                    where=f"{self.key}.generation",
                    hint="remove it, or pass a server-specific setting in extra_body",
                )
        self._servers: list[Server] = []
        self._tokenizer: Any = None
        self._server_tokenize: bool | None = None
        self.stats = RequestStats()
        self._notice = _Notice(f"{self.key}: ")
        self._in_flight: dict[int, float] = {}  # request -> when it was sent (monotonic)
        self.info = ModelInfo(
            backend="openai",
            model=cfg.model,
            revision=cfg.revision,
            device="served",
            dtype=None,
            details={"api": cfg.api, "servers": len(self.urls)},
        )

    # ------------------------------------------------------------ identity and settings

    @property
    def loaded(self) -> bool:
        return bool(self._servers)

    def identity(self) -> dict[str, Any]:
        """The served model, not where it is served: moving servers keeps the cache."""
        return {
            "backend": "openai",
            "model": self.cfg.model,
            "revision": self.cfg.revision,
            "cache_namespace": self.cfg.cache_namespace,
            "api": self.cfg.api,
        }

    def _truncation(self) -> str:
        """How articles are counted for ``max_input_tokens``: part of the cache key, since it
        decides the exact prompt sent. ``server`` (its ``/tokenize``) unless the server was
        found to have none, then ``chars:4``."""
        if self.cfg.max_input_tokens is None:
            return "none"
        if self.cfg.tokenizer:
            return f"tokenizer:{self.cfg.tokenizer}"
        return "chars:4" if self._server_tokenize is False else "server"

    def requested_settings(self, task: str) -> dict[str, Any]:
        """What is sent besides the prompt: part of the cache key."""
        task_set = self.tasks.get(task).generation.set_values()
        model_set = self.cfg.generation[task].set_values() if task in self.cfg.generation else {}
        asked = {**task_set, **model_set}
        body: dict[str, Any] = {
            "max_tokens": asked.get("max_new_tokens", DEFAULT_MAX_NEW_TOKENS[task]),
            "temperature": 0.0,
        }
        if asked.get("do_sample"):
            body["temperature"] = asked.get("temperature", 1.0)
            if "top_p" in asked:
                body["top_p"] = asked["top_p"]
            body["seed"] = self.seed
        if asked.get("stop"):
            body["stop"] = asked["stop"]
        extra = {k: asked[k] for k in _EXTRA_KEYS if k in asked}
        if "min_new_tokens" in extra:
            extra["min_tokens"] = extra.pop("min_new_tokens")  # vLLM's name
        extra.update(self.cfg.extra_body)
        if extra:
            body["extra_body"] = dict(sorted(extra.items()))
        body["truncation"] = self._truncation()
        return body

    def generation_settings(self, task: str) -> dict[str, Any]:
        return self.requested_settings(task)

    def _messages(self, spec: TaskSpec, text: str) -> list[dict[str, str]] | str:
        user = (self.cfg.prefix or "") + spec.render(text)
        if self.cfg.api == "completions":
            return (self.cfg.system_prompt + "\n\n" if self.cfg.system_prompt else "") + user
        messages = [{"role": "user", "content": user}]
        if self.cfg.system_prompt:
            messages.insert(0, {"role": "system", "content": self.cfg.system_prompt})
        return messages

    @staticmethod
    def _as_text(request: list[dict[str, str]] | str) -> str:
        return request if isinstance(request, str) else json.dumps(request, ensure_ascii=False)

    def request_text(self, spec: TaskSpec, article: Article) -> str:
        """The exact request for the uncut article: part of the cache key."""
        return self._as_text(self._messages(spec, article.text))

    # ------------------------------------------------------------ servers

    def _api_key(self) -> str:
        return os.environ.get(self.cfg.api_key_env) or "EMPTY"

    def load(self) -> None:
        """One entry per server; clients are made per event loop, when requests are sent."""
        if self._servers:
            return
        if self._api_key() != "EMPTY":
            for warning in key_warnings(self.urls, self.cfg.api_key_env):
                log(f"warning: {self.key}: {warning}")
        self._servers = [Server(url, None) for url in self.urls]
        self.info.details["truncation"] = self._truncation()

    def preflight(self) -> None:
        """Before a run folder is touched: every server is asked for its models (``GET
        /v1/models``); those that cannot be reached or do not serve the model are set aside,
        with a line on stderr, and the run goes on with the others. None left: exit 3 (none
        reachable) or a one-line error naming the ids they serve. Then, where articles are
        cut to ``max_input_tokens`` without a local tokenizer, whether the servers count
        tokens (``/tokenize``, retried like any request) or articles are cut at 4 characters
        a token (said on stderr, recorded, part of the cache key)."""
        self.load()
        asyncio.run(self._preflight())

    async def _preflight(self) -> None:
        self._fresh_clients()
        try:
            found = [await self._check_server(s) for s in self._servers]
            serving = [s for s, (ok, _) in zip(self._servers, found, strict=True) if ok]
            for s, (ok, why) in zip(self._servers, found, strict=True):
                if not ok and serving:
                    s.aside_until = math.inf
                    log(f"warning: {self.key}: {s.url} set aside: {why}")
            if not serving:
                self._no_server(found)
            if self.cfg.max_input_tokens is not None and not self.cfg.tokenizer:
                await self._choose_counting()
        finally:
            await self._close_clients()

    async def _check_server(self, server: Server) -> tuple[bool, str]:
        """(serves the model?, why not). 401/403 stop at once: every server shares the key."""
        from openai import APIConnectionError, APIStatusError, APITimeoutError

        client = server.client.with_options(timeout=min(10.0, self.cfg.timeout_s))
        try:
            ids = [m.id async for m in client.models.list()]
        except (APIConnectionError, APITimeoutError) as exc:
            return False, f"cannot reach it ({exc.__class__.__name__})"
        except APIStatusError as exc:
            if exc.status_code in (401, 403):
                raise self._status_error(exc, server.url) from None
            if exc.status_code >= 500:
                return False, f"HTTP {exc.status_code}: {self._redact(_server_message(exc))}"
            return True, ""  # no /models here: the first request will tell
        if ids and self.cfg.model not in ids:
            listed = f"{', '.join(ids[:5])}{'...' if len(ids) > 5 else ''}"
            return False, f"does not serve '{self.cfg.model}' (it serves: {listed})"
        return True, ""

    def _no_server(self, found: list[tuple[bool, str]]) -> None:
        """No server can take the requests: a wrong model id is the user's to fix (exit 2),
        servers that cannot be reached are a service fault (exit 3); nothing was written."""
        whys = "; ".join(
            f"{s.url}: {why}" for s, (_, why) in zip(self._servers, found, strict=True)
        )
        if any("does not serve" in why for _, why in found):
            raise ModelError(
                f"no server serves the model ({whys})",
                where=f"{self.key}.model",
                hint="set model to an id a server lists, or fix base_url",
            )
        raise ServiceError(
            f"no server can be reached ({whys})",
            where=f"{self.key}.base_url",
            hint="start the server(s) or fix the URL(s); nothing was generated or written",
        )

    async def _choose_counting(self) -> None:
        """Whether the servers count tokens for truncation; where none has ``/tokenize``, cut
        at 4 characters a token, and say so (it changes what the model sees)."""
        if self._server_tokenize is not None:
            return
        got = await self._server_call("/tokenize", self._tokenize_body("probe"))
        self._server_tokenize = isinstance(got, dict) and isinstance(got.get("tokens"), list)
        self.info.details["truncation"] = self._truncation()
        if not self._server_tokenize:
            log(
                f"warning: {self.key}: the server has no /tokenize: articles are cut "
                f"to max_input_tokens at {CHARS_PER_TOKEN} characters a token (approximate; "
                "set tokenizer: to the model's tokenizer for exact counts)"
            )

    def _status_error(self, exc: Any, url: str) -> ModelError:
        """A 4xx that retrying cannot fix: the status, the server's words and the key to fix."""
        status = exc.status_code
        message = _server_message(exc)
        hints = {
            401: f"set ${self.cfg.api_key_env} (api_key_env) to a valid key",
            403: f"check the key in ${self.cfg.api_key_env} and its permissions",
            404: f"check {self.key}.model and {self.key}.base_url (it usually ends in /v1)",
            413: f"lower {self.key}.max_input_tokens",
        }
        hint = hints.get(
            status,
            f"check {self.key}.max_input_tokens, the generation settings and extra_body",
        )
        return ModelError(
            f"{url} answered HTTP {status}: {self._redact(message)}", where=self.key, hint=hint
        )

    def _redact(self, text: str) -> str:
        key = os.environ.get(self.cfg.api_key_env)
        return text.replace(key, "***") if key else text

    def _pick(self) -> Server | None:
        """The server with the fewest requests in flight among those not set aside (on a tie,
        the one that failed least lately, so a retry goes elsewhere when it can)."""
        now = time.monotonic()
        ready = [s for s in self._servers if s.aside_until <= now]
        return min(ready, key=lambda s: (s.outstanding, s.failures)) if ready else None

    # ------------------------------------------------------------ truncation

    def _local_tokenizer(self) -> Any:
        if self._tokenizer is None:
            from transformers import AutoTokenizer

            from summeval.models.hf import load_error, looks_like_path

            ref = self.cfg.tokenizer or ""
            path = os.path.expanduser(ref) if looks_like_path(ref) else ref
            try:
                self._tokenizer = AutoTokenizer.from_pretrained(
                    path, trust_remote_code=self.cfg.trust_remote_code
                )
            except Exception as exc:
                raise load_error(exc, ref, f"{self.key}.tokenizer") from None
        return self._tokenizer

    async def _next_server(self) -> Server:
        """The server for the next call; waits while every server is set aside."""
        server = self._pick()
        while server is None:
            wake = min(s.aside_until for s in self._servers)
            if math.isinf(wake):
                raise ServiceError("every server is set aside", where=f"{self.key}.base_url")
            await asyncio.sleep(max(0.05, wake - time.monotonic()))
            server = self._pick()
        return server

    async def _server_call(self, path: str, body: dict[str, Any]) -> Any:
        """POST to a server's root (``/tokenize`` lives beside ``/v1``), on any server and
        retried like a request (a restarting llama.cpp answers 503 "Loading model" for a
        while); None where the server has no such endpoint (404, 405, 501)."""
        from openai import APIConnectionError, APIStatusError, APITimeoutError

        last = ""
        for attempt in range(self.cfg.max_retries + 1):
            server = await self._next_server()
            root = server.url.rstrip("/").removesuffix("/v1")
            client = server.client.with_options(base_url=root, max_retries=0)
            try:
                got = await client.post(path, body=body, cast_to=object)
            except APIStatusError as exc:
                if exc.status_code in (404, 405, 501):
                    return None
                if exc.status_code != 429 and exc.status_code < 500:
                    raise self._status_error(exc, server.url) from None
                last = f"HTTP {exc.status_code}: {self._redact(_server_message(exc))}"
                self._failed(server, rate_limited=exc.status_code == 429)
            except (APIConnectionError, APITimeoutError) as exc:
                last = f"{exc.__class__.__name__} from {server.url}"
                self._failed(server)
            else:
                server.failures = 0
                return got
            if attempt < self.cfg.max_retries:
                self.stats.retries += 1
                self._notice.say("retry", f"retrying {path} ({last})")
                await asyncio.sleep(min(BACKOFF_CAP_S, BACKOFF_BASE_S * 2**attempt))
        raise ServiceError(
            f"{path} failed {self.cfg.max_retries + 1} time(s); last: {last}",
            where=self.key,
            hint="everything generated so far is cached; check the server(s), then rerun the "
            "same command to resume",
        )

    def _tokenize_body(self, text: str) -> dict[str, Any]:
        return {"content": text, "prompt": text, "model": self.cfg.model,
                "add_special": False, "add_special_tokens": False}  # fmt: skip

    async def _tokenize(self, text: str) -> list[int] | None:
        """Token ids from the server (llama.cpp's or vLLM's form), None where it has none.
        Once a server has counted, it must go on counting: no silent switch mid-run."""
        await self._choose_counting()
        if not self._server_tokenize:
            return None
        got = await self._server_call("/tokenize", self._tokenize_body(text))
        tokens = got.get("tokens") if isinstance(got, dict) else None
        if not isinstance(tokens, list):
            raise ServiceError(
                "the server stopped answering /tokenize, which counted the articles so far",
                where=self.key,
                hint="restore the server (or set tokenizer: to count locally), then rerun",
            )
        return [t if isinstance(t, int) else t.get("id") for t in tokens]

    async def _detokenize(self, ids: list[int]) -> str:
        got = await self._server_call("/detokenize", {"tokens": ids, "model": self.cfg.model})
        text = got.get("content", got.get("prompt")) if isinstance(got, dict) else None
        if not isinstance(text, str):
            raise ModelError(
                f"{self.urls[0]}/detokenize answered without text",
                where=f"{self.key}.tokenizer",
                hint="set tokenizer: to the model's tokenizer (a local path or Hub id)",
            )
        return text

    async def _fit(self, spec: TaskSpec, text: str) -> tuple[str, int | None, bool]:
        """The article cut to the budget: (text, article tokens before the cut, truncated?)."""
        budget = self.cfg.max_input_tokens
        if budget is None:
            return text, None, False
        overhead_text = self._as_text(self._messages(spec, ""))
        if self.cfg.tokenizer:
            tok = self._local_tokenizer()
            overhead = len(tok(overhead_text, add_special_tokens=False)["input_ids"])
            ids = tok(text, add_special_tokens=False)["input_ids"]
            keep = budget - overhead
            if len(ids) <= keep:
                return text, len(ids), False
            return tok.decode(ids[: max(keep, 0)], skip_special_tokens=True), len(ids), True
        ids = await self._tokenize(text)
        if ids is not None:
            overhead = len(await self._tokenize(overhead_text) or [])
            keep = budget - overhead
            if len(ids) <= keep:
                return text, len(ids), False
            return await self._detokenize(ids[: max(keep, 0)]), len(ids), True
        keep_chars = (budget - len(overhead_text) // CHARS_PER_TOKEN) * CHARS_PER_TOKEN
        approx = -(-len(text) // CHARS_PER_TOKEN)
        if len(text) <= keep_chars:
            return text, approx, False
        return text[: max(keep_chars, 0)], approx, True

    def prepare(self, spec: TaskSpec, articles: list[Article]) -> list[Prepared]:
        """Each article cut to ``max_input_tokens`` (if set) and its exact request."""
        self.load()
        return asyncio.run(self._prepare(spec, articles))

    async def _prepare(self, spec: TaskSpec, articles: list[Article]) -> list[Prepared]:
        self._fresh_clients()
        try:
            out = []
            for art in articles:
                text, n_article, cut = await self._fit(spec, art.text)
                request = self._as_text(self._messages(spec, text))
                out.append(Prepared(art, request, None, n_article, cut))
            return out
        finally:
            await self._close_clients()

    # ------------------------------------------------------------ generation

    def generate(self, spec: TaskSpec, batch: list[Prepared]) -> list[Generation]:
        """The batch's generations in batch order (``generate_each`` streams them)."""
        out: dict[int, Generation] = {}
        index = {id(p): i for i, p in enumerate(batch)}
        self.generate_each(spec, batch, lambda p, g: out.__setitem__(index[id(p)], g))
        return [out[i] for i in range(len(batch))]

    def generate_each(
        self, spec: TaskSpec, batch: list[Prepared], on_done: Callable[[Prepared, Generation], None]
    ) -> None:
        """Send every request, ``max_concurrency`` at a time; ``on_done`` gets each result as
        it arrives (so the cache keeps it at once). Raises on the first request that fails for
        good, after the requests in flight have finished."""
        self.load()
        asyncio.run(self._generate_all(spec, batch, on_done))

    async def _generate_all(
        self, spec: TaskSpec, batch: list[Prepared], on_done: Callable[[Prepared, Generation], None]
    ) -> None:
        self._fresh_clients()
        settings = self.requested_settings(spec.name)
        if spec.choices:  # a rating prompt: ask for the first token's top log-probabilities
            settings = {
                **settings,
                **(
                    {"logprobs": True, "top_logprobs": 20}
                    if self.cfg.api == "chat"
                    else {"logprobs": 5}
                ),
            }
        gate = asyncio.Semaphore(self.cfg.max_concurrency)
        pacer = _Pacer(self.cfg.requests_per_minute)
        failed: list[BaseException] = []

        async def one(p: Prepared) -> None:
            async with gate:
                if failed:
                    return
                try:
                    gen = await self._request(p, settings, pacer, spec.choices)
                except Exception as exc:
                    failed.append(exc)
                    return
                on_done(p, gen)

        watch = asyncio.create_task(self._watch_slow())
        try:
            await asyncio.gather(*(one(p) for p in batch))
        finally:
            watch.cancel()
            await self._close_clients()
            self.info.details["requests"] = self.stats.to_dict()
        if failed:
            raise failed[0]

    async def _watch_slow(self) -> None:
        """Say so (rate-limited) while a request has waited over half of ``timeout_s``, so a
        slow server never leaves the run silent for minutes."""
        while True:
            await asyncio.sleep(min(1.0, self.cfg.timeout_s / 4))
            if not self._in_flight:
                continue
            waited = time.monotonic() - min(self._in_flight.values())
            if waited > self.cfg.timeout_s / 2:
                self._notice.say(
                    "slow",
                    f"waiting on the server: {len(self._in_flight)} request(s) in flight, the "
                    f"oldest for {waited:.0f} s (timeout_s {self.cfg.timeout_s:g})",
                )

    def _fresh_clients(self) -> None:
        from openai import AsyncOpenAI

        for s in self._servers:
            s.client = AsyncOpenAI(
                base_url=s.url, api_key=self._api_key(), max_retries=0, timeout=self.cfg.timeout_s
            )

    async def _close_clients(self) -> None:
        for s in self._servers:
            if s.client is not None:
                await s.client.close()

    async def _request(
        self, p: Prepared, settings: dict[str, Any], pacer: _Pacer, choices: tuple[str, ...] = ()
    ) -> Generation:
        """One request with retries over the servers; the generation or an error."""
        from openai import APIStatusError

        body = {k: v for k, v in settings.items() if k != "truncation"}
        request = json.loads(p.prompt) if self.cfg.api == "chat" else p.prompt
        last = ""
        for attempt in range(self.cfg.max_retries + 1):
            server = await self._next_server()  # every server set aside: wait for one
            await pacer.wait()
            server.outstanding += 1
            self.stats.requests += 1
            started = time.monotonic()
            self._in_flight[id(p)] = started
            try:
                text, usage, top, finish = await self._send(server, request, body)
            except APIStatusError as exc:
                if exc.status_code != 429 and exc.status_code < 500:
                    self.stats.failures += 1
                    raise self._status_error(exc, server.url) from None
                wait = _retry_after(exc)
                last = f"HTTP {exc.status_code}: {self._redact(_server_message(exc))}"
                self._failed(server, rate_limited=exc.status_code == 429)
            except _Retryable as exc:
                wait, last = exc.retry_after, str(exc)
                self._failed(server)
            else:
                server.failures = 0
                self.stats.latencies.append(time.monotonic() - started)
                self.stats.prompt_tokens += usage[0] or 0
                self.stats.completion_tokens += usage[1] or 0
                return Generation(
                    text=text,
                    prompt=p.prompt,
                    prompt_tokens=usage[0],
                    article_tokens=p.article_tokens,
                    truncated=p.truncated,
                    new_tokens=usage[1],
                    # the server says why it stopped: "length" is the max_tokens budget
                    hit_token_limit=None if finish is None else finish == "length",
                    choice_probs=choice_probs(top, choices) if choices else None,
                )
            finally:
                server.outstanding -= 1
                self._in_flight.pop(id(p), None)
            if attempt == self.cfg.max_retries:
                break
            self.stats.retries += 1
            self._notice.say(
                "retry",
                f"retrying article '{p.article.id}' ({last}); {self.stats.retries} "
                f"retr{'y' if self.stats.retries == 1 else 'ies'} so far",
            )
            backoff = min(BACKOFF_CAP_S, BACKOFF_BASE_S * 2**attempt) * random.uniform(0.5, 1.5)
            await asyncio.sleep(max(backoff, wait or 0.0))
        self.stats.failures += 1
        raise ServiceError(
            f"article '{p.article.id}' failed {self.cfg.max_retries + 1} time(s); last: {last}",
            where=self.key,
            hint="everything generated so far is cached; check the server(s), then rerun the "
            "same command to resume (or raise max_retries / timeout_s)",
        )

    def _failed(self, server: Server, rate_limited: bool = False) -> None:
        """Count a failure; a server failing again and again is set aside for a while."""
        if rate_limited:
            return  # a 429 is the server pacing us, not a broken server
        server.failures += 1
        if server.failures >= FAILS_TO_SET_ASIDE and len(self._servers) > 1:
            server.aside_until = time.monotonic() + SET_ASIDE_S
            server.failures = 0

    async def _send(
        self, server: Server, request: Any, body: dict[str, Any]
    ) -> tuple[str, tuple[int | None, int | None], dict[str, float] | None, str | None]:
        """One HTTP request: the text, token counts, first-token log-probabilities and the
        finish reason; faults worth retrying become ``_Retryable``."""
        from openai import APIConnectionError, APIResponseValidationError, APITimeoutError

        kwargs = dict(body)
        try:
            if self.cfg.api == "chat":
                resp = await server.client.chat.completions.create(
                    model=self.cfg.model, messages=request, **kwargs
                )
                text = resp.choices[0].message.content
            else:
                resp = await server.client.completions.create(
                    model=self.cfg.model, prompt=request, **kwargs
                )
                text = resp.choices[0].text
            top = first_token_logprobs(resp.choices[0]) if "logprobs" in body else None
            finish = getattr(resp.choices[0], "finish_reason", None)
        except APITimeoutError:
            raise _Retryable(f"timed out after {self.cfg.timeout_s:g} s (timeout_s)") from None
        except APIConnectionError as exc:
            raise _Retryable(f"connection failed ({exc.__class__.__name__})") from None
        except APIResponseValidationError:
            raise _Retryable("malformed response") from None
        except (ValueError, AttributeError, IndexError, TypeError) as exc:
            raise _Retryable(f"malformed response ({exc.__class__.__name__})") from None
        if not isinstance(text, str):
            raise _Retryable("malformed response (no text in the first choice)")
        usage = getattr(resp, "usage", None)
        counts = (
            (getattr(usage, "prompt_tokens", None), getattr(usage, "completion_tokens", None))
            if usage is not None
            else (None, None)
        )
        return text, counts, top, finish if isinstance(finish, str) else None

    def free_memory(self) -> None:
        return None

    def close(self) -> None:
        self._servers = []


def first_token_logprobs(choice: Any) -> dict[str, float] | None:
    """The first generated token's top log-probabilities, token -> logprob, from a chat
    (``logprobs.content[0].top_logprobs``) or completions (``logprobs.top_logprobs[0]``)
    choice; None where the server sent none."""
    lp = getattr(choice, "logprobs", None)
    if lp is None:
        return None
    content = getattr(lp, "content", None)
    if content:
        return {t.token: float(t.logprob) for t in (content[0].top_logprobs or [])}
    tops = getattr(lp, "top_logprobs", None)
    if tops:
        return {str(k): float(v) for k, v in dict(tops[0]).items()}
    return None


def choice_probs(top: dict[str, float] | None, choices: tuple[str, ...]) -> dict[str, float] | None:
    """Probability of each choice among the top tokens (tokens compared without spaces)."""
    if not top:
        return None
    out = {c: 0.0 for c in choices}
    for token, logprob in top.items():
        key = token.strip()
        if key in out:
            out[key] += math.exp(logprob)
    return out


class _Notice:
    """Per kind of notice, one stderr line at most every ``NOTICE_EVERY_S`` seconds."""

    def __init__(self, prefix: str) -> None:
        self.prefix = prefix
        self.last: dict[str, float] = {}

    def say(self, kind: str, text: str) -> None:
        now = time.monotonic()
        if now - self.last.get(kind, -NOTICE_EVERY_S) >= NOTICE_EVERY_S:
            self.last[kind] = now
            log(self.prefix + text)


class _Pacer:
    """A client-side limit of ``per_minute`` request starts (None: no limit)."""

    def __init__(self, per_minute: float | None) -> None:
        self.gap = 60.0 / per_minute if per_minute else 0.0
        self.next = 0.0
        self.lock = asyncio.Lock()

    async def wait(self) -> None:
        if not self.gap:
            return
        async with self.lock:
            now = time.monotonic()
            if self.next > now:
                await asyncio.sleep(self.next - now)
            self.next = max(now, self.next) + self.gap


def _retry_after(exc: Any) -> float | None:
    """Seconds from a ``Retry-After`` header (a number of seconds), else None."""
    try:
        value = exc.response.headers.get("retry-after")
        return min(float(value), 300.0) if value is not None else None
    except (AttributeError, TypeError, ValueError):
        return None


def _server_message(exc: Any) -> str:
    """The server's own error message, on one line."""
    body = getattr(exc, "body", None)
    message = None
    if isinstance(body, dict):
        err = body.get("error", body)
        message = err.get("message") if isinstance(err, dict) else err
    text = str(message or getattr(exc, "message", "") or exc)
    return " ".join(text.split())[:300]

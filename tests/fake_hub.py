"""A small stand-in for the Hugging Face Hub's HTTP API on 127.0.0.1, enough for
``huggingface_hub``'s ``create_repo`` and ``upload_folder`` of small files (as
tests/fake_openai.py stands in for an OpenAI-compatible server):

    with FakeHub() as hub:
        env = {"HF_ENDPOINT": hub.url, "HF_TOKEN": "hf_test"}
        ...
        hub.repos["me/evals"]  # {"private": True, "files": {path: bytes}, ...}

Every file is uploaded "regular" (inline, base64), never by LFS. Each request's path and
Authorization header are kept in ``requests``.
"""

from __future__ import annotations

import base64
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


class FakeHub:
    def __init__(self) -> None:
        self.repos: dict[str, dict[str, Any]] = {}
        self.requests: list[tuple[str, str, str | None]] = []  # method, path, Authorization
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def __enter__(self) -> FakeHub:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        hub = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:  # keep test output clean
                return

            def _send(self, status: int, body: dict[str, Any]) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_POST(self) -> None:
                raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                hub.requests.append(("POST", self.path, self.headers.get("Authorization")))
                path = self.path.split("?")[0]
                if path == "/api/repos/create":
                    body = json.loads(raw)
                    repo = f"{body.get('organization') or 'me'}/{body['name']}"
                    private = (  # huggingface_hub 1.x sends private, 2.x visibility
                        body["private"] if "private" in body
                        else body.get("visibility") == "private"
                    )  # fmt: skip
                    hub.repos.setdefault(repo, {"type": body.get("type"), "private": private,
                                                "files": {}})  # fmt: skip
                    return self._send(200, {"url": f"{hub.url}/datasets/{repo}", "name": repo})
                if path == "/api/validate-yaml":
                    return self._send(200, {"errors": [], "warnings": []})
                parts = path.split("/")  # /api/datasets/<ns>/<name>/<verb>/<revision>
                if len(parts) == 7 and parts[1:3] == ["api", "datasets"]:
                    repo, verb = f"{parts[3]}/{parts[4]}", parts[5]
                    if repo not in hub.repos:
                        return self._send(404, {"error": f"Repository {repo} not found"})
                    if verb == "preupload":
                        files = json.loads(raw)["files"]
                        return self._send(200, {"files": [
                            {"path": f["path"], "uploadMode": "regular", "shouldIgnore": False}
                            for f in files
                        ]})  # fmt: skip
                    if verb == "commit":
                        for line in raw.decode().splitlines():
                            item = json.loads(line)
                            if item["key"] == "file":
                                value = item["value"]
                                content = base64.b64decode(value["content"])
                                hub.repos[repo]["files"][value["path"]] = content
                            elif item["key"] == "header":
                                hub.repos[repo]["summary"] = item["value"]["summary"]
                        return self._send(200, {
                            "commitUrl": f"{hub.url}/datasets/{repo}/commit/{'0' * 40}",
                            "commitOid": "0" * 40,
                        })  # fmt: skip
                return self._send(404, {"error": f"no route {path}"})

        return Handler

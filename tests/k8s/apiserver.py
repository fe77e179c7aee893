"""A loopback Kubernetes API server that plays KubeRay's RayJob endpoints, for the real kubernetes client.

``http.server`` on 127.0.0.1 (ephemeral port) serving what ``farm.k8s.api`` calls, as a real API
server answers it (JSON ``Status`` bodies, ``404 page not found`` for an unserved resource):

- ``POST   /apis/ray.io/v1/namespaces/NS/rayjobs``: records the body; ``validate`` (e.g.
  ``tests.k8s.kuberay_schema.validate_kuberay``, a function
  returning problems) plays the CRD's strict schema: any problem is a 422 naming it;
- ``GET    /apis/ray.io/v1/namespaces/NS/rayjobs/NAME``: the object, its ``status`` taken from the
  scenario one step per GET (``SUCCEEDED``, ``FAILED``: no status, Initializing, Running, the end;
  ``NO_STATUS``: never any), then the last step forever; 404 ``Status`` once deleted;
- ``DELETE .../rayjobs/NAME``; ``GET /api/v1/namespaces/NS/pods?labelSelector=job-name=NAME``
  (the submitter pod) and ``.../pods/POD/log``; ``GET /api/v1/namespaces/NS/events``;
- ``mode`` ``"forbidden"``: every request 403; ``"no_crd"``: the RayJob resource is not served (404).

Every request is recorded (method, path, query); ``rbac_rules()`` turns them into the
``(apiGroup, resource, verb)`` a Role must grant. ``write_kubeconfig`` points a kubeconfig context
at the server. ``on_create(body)`` runs in the request (a test runs the driver there, as a cluster would).
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlparse

import yaml

RAYJOBS = "/apis/ray.io/v1/namespaces/"
CORE = "/api/v1/namespaces/"
SUCCEEDED = [None, ("Initializing", ""), ("Running", "RUNNING"), ("Complete", "SUCCEEDED")]
FAILED = [None, ("Initializing", ""), ("Running", "RUNNING"), ("Failed", "FAILED")]
NO_STATUS: list[tuple[str, str] | None] = [None]
SUBMITTER_LOG = "Job submission server address: http://head:8265\ncomplete\n"


@dataclass(frozen=True, slots=True)
class Recorded:
    """One request as it reached the server."""

    method: str
    path: str
    query: dict[str, list[str]]


@dataclass
class LoopbackAPI:
    """The server's state; ``start()`` binds 127.0.0.1:0, ``stop()`` shuts it down."""

    scenario: list[tuple[str, str] | None] = field(default_factory=lambda: list(SUCCEEDED))
    mode: str = ""                                            # "", "forbidden", "no_crd"
    validate: Callable[[dict[str, Any]], list[str]] | None = None
    on_create: Callable[[dict[str, Any]], None] | None = None
    requests: list[Recorded] = field(default_factory=list)
    created: list[dict[str, Any]] = field(default_factory=list)
    objects: dict[str, dict[str, Any]] = field(default_factory=dict)
    gets: dict[str, int] = field(default_factory=dict)
    events: list[dict[str, Any]] = field(default_factory=list)
    _server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        assert self._server is not None
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def start(self) -> LoopbackAPI:
        state = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:  # quiet
                pass

            def do_GET(self) -> None:
                state._handle(self, "GET")

            def do_POST(self) -> None:
                state._handle(self, "POST")

            def do_DELETE(self) -> None:
                state._handle(self, "DELETE")

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

    # -- what a Role must grant -------------------------------------------------------------

    def rbac_rules(self) -> set[tuple[str, str, str]]:
        """``(apiGroup, resource[/subresource], verb)`` of every recorded request."""
        rules = set()
        for r in self.requests:
            group, rest = ("ray.io", r.path[len(RAYJOBS):]) if r.path.startswith(RAYJOBS) else ("", r.path[len(CORE):])
            parts = rest.split("/")[1:]           # drop the namespace: resource[, name[, subresource]]
            resource = parts[0] + (f"/{parts[2]}" if len(parts) > 2 else "")
            named = len(parts) > 1
            verb = {"POST": "create", "DELETE": "delete"}.get(r.method) or (
                "get" if named else "watch" if r.query.get("watch") == ["true"] else "list")
            rules.add((group, resource, verb))
        return rules

    # -- the handler ------------------------------------------------------------------------

    def _handle(self, h: BaseHTTPRequestHandler, method: str) -> None:
        url = urlparse(h.path)
        self.requests.append(Recorded(method, url.path, parse_qs(url.query)))
        length = int(h.headers.get("Content-Length") or 0)
        body = json.loads(h.rfile.read(length)) if length else None
        if self.mode == "forbidden":
            return self._status(h, 403, "Forbidden", f'{method} {url.path} is forbidden: User '
                                '"system:serviceaccount:sims:default" cannot do this')
        if url.path.startswith(RAYJOBS):
            if self.mode == "no_crd":
                return self._send(h, 404, b"404 page not found\n", "text/plain; charset=utf-8")
            return self._rayjobs(h, method, url.path[len(RAYJOBS):].split("/"), body)
        parts = url.path[len(CORE):].split("/")
        if parts[1:] == ["pods"]:
            selector = parse_qs(url.query).get("labelSelector", [""])[0]
            name = selector.removeprefix("job-name=")
            pods = [{"metadata": {"name": f"{name}-x7k2q", "namespace": parts[0],
                                  "labels": {"job-name": name}, "creationTimestamp": "2026-01-01T00:00:00Z"}}
                    ] if any(c["metadata"]["name"] == name for c in self.created) else []
            return self._json(h, 200, {"kind": "PodList", "apiVersion": "v1", "metadata": {}, "items": pods})
        if parts[1] == "pods" and parts[3:] == ["log"]:
            return self._send(h, 200, SUBMITTER_LOG.encode(), "text/plain")
        if parts[1:] == ["events"]:
            return self._json(h, 200, {"kind": "EventList", "apiVersion": "v1", "metadata": {}, "items": self.events})
        return self._send(h, 404, b"404 page not found\n", "text/plain; charset=utf-8")

    def _rayjobs(self, h: BaseHTTPRequestHandler, method: str, parts: list[str], body: Any) -> None:
        name = parts[2] if len(parts) > 2 else ""  # parts: namespace, "rayjobs"[, name]
        if method == "POST":
            problems = self.validate(body) if self.validate else []
            if problems:
                return self._status(h, 422, "Invalid", f"RayJob.ray.io is invalid: {problems[0]}")
            name = body["metadata"]["name"]
            if name in self.objects:
                return self._status(h, 409, "AlreadyExists", f'rayjobs.ray.io "{name}" already exists', name)
            self.created.append(json.loads(json.dumps(body)))
            stored = {**body, "metadata": {**body["metadata"], "uid": f"uid-{len(self.created)}",
                                           "creationTimestamp": "2026-01-01T00:00:00Z"}}
            self.objects[name] = stored
            if self.on_create is not None:
                self.on_create(body)
            return self._json(h, 201, stored)
        if name not in self.objects:
            return self._status(h, 404, "NotFound", f'rayjobs.ray.io "{name}" not found', name)
        if method == "DELETE":
            del self.objects[name]
            return self._json(h, 200, {"kind": "Status", "apiVersion": "v1", "status": "Success",
                                       "details": {"name": name, "group": "ray.io", "kind": "rayjobs"}})
        step = self.gets.get(name, 0)
        self.gets[name] = step + 1
        status = self.scenario[min(step, len(self.scenario) - 1)]
        obj = dict(self.objects[name])
        if status is not None:
            obj["status"] = {"jobDeploymentStatus": status[0], **({"jobStatus": status[1]} if status[1] else {})}
        return self._json(h, 200, obj)

    def _status(self, h: BaseHTTPRequestHandler, code: int, reason: str, message: str, name: str = "") -> None:
        details = {"name": name, "group": "ray.io", "kind": "rayjobs"} if name else {}
        self._json(h, code, {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
                             "message": message, "reason": reason, "details": details, "code": code})

    def _json(self, h: BaseHTTPRequestHandler, code: int, payload: dict[str, Any]) -> None:
        self._send(h, code, json.dumps(payload).encode(), "application/json")

    @staticmethod
    def _send(h: BaseHTTPRequestHandler, code: int, data: bytes, content_type: str) -> None:
        h.send_response(code)
        h.send_header("Content-Type", content_type)
        h.send_header("Content-Length", str(len(data)))
        h.end_headers()
        h.wfile.write(data)


def write_kubeconfig(path: Path, server_url: str, *, context: str = "loopback", namespace: str = "sims",
                     current: str = "elsewhere") -> Path:
    """A kubeconfig whose ``context`` reaches ``server_url`` with a bearer token, default ``namespace``.

    Its ``current`` context is ``elsewhere`` (a closed loopback port) unless told: ``--context`` must count.
    """
    path.write_text(yaml.safe_dump({
        "apiVersion": "v1", "kind": "Config", "current-context": current,
        "clusters": [{"name": "loopback", "cluster": {"server": server_url}},
                     {"name": "elsewhere", "cluster": {"server": "http://127.0.0.1:9"}}],
        "users": [{"name": "tester", "user": {"token": "loopback-token"}}],
        "contexts": [{"name": context, "context": {"cluster": "loopback", "user": "tester", "namespace": namespace}},
                     {"name": "elsewhere", "context": {"cluster": "elsewhere", "user": "tester"}}],
    }))
    return path

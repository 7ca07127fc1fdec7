"""POST a JSON body to an HTTP(S) endpoint and read the reply: one keep-alive connection per thread.

Synthesis runs dozens of threads that each wait on the teacher. The openai client (httpx under
it) held the interpreter 3.5 ms a request with 32 threads on 2 cores, time every other thread
waited for; ``http.client`` holds it 1.2 ms (docs/scale.md). Proxies come from the environment
(``HTTPS_PROXY``, ``HTTP_PROXY``, ``NO_PROXY``) as they do for httpx.
"""

from __future__ import annotations

import http.client
import json
import ssl
import threading
import urllib.parse
import urllib.request
from dataclasses import dataclass
from typing import Any


class TransportTimeout(Exception):
    """No answer within the time asked for."""


class TransportFailed(Exception):
    """The connection could not be made, or broke before an answer came."""


@dataclass(frozen=True)
class HttpReply:
    status: int
    text: str
    headers: dict[str, str]  # names in lower case


class JsonEndpoint:
    """``post(path, body)`` to ``base_url`` with ``headers``, over a connection of the calling thread's own."""

    def __init__(self, base_url: str, headers: dict[str, str]):
        self.base = urllib.parse.urlsplit(base_url.rstrip("/"))
        if self.base.scheme not in ("http", "https") or not self.base.hostname:
            raise ValueError(f"not an http(s) URL: {base_url!r}")
        self.headers = {"Content-Type": "application/json", "Accept": "application/json", **headers}
        self._local = threading.local()
        self._proxy = _proxy_for(base_url)

    def post(self, path: str, body: dict[str, Any], timeout: float) -> HttpReply:
        """The reply to ``body`` as JSON at ``path``; TransportTimeout or TransportFailed when there is none."""
        data = json.dumps(body).encode()
        target = self.base.path + path
        if self._proxy and self.base.scheme == "http":  # a plain-HTTP proxy takes the whole URL
            target = urllib.parse.urlunsplit((self.base.scheme, self.base.netloc, target, "", ""))
        for fresh in (False, True):  # a kept-alive connection the server closed meanwhile: once more, anew
            conn, reused = self._connection(timeout, fresh)
            try:
                conn.request("POST", target, body=data, headers=self.headers)
                response = conn.getresponse()
                text = response.read().decode("utf-8", errors="replace")
            except TimeoutError as exc:
                self._drop()
                raise TransportTimeout(str(exc) or "timed out") from None
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError) as exc:
                self._drop()
                if reused and not fresh:
                    continue
                raise TransportFailed(f"{type(exc).__name__}: {exc}") from None
            except (OSError, http.client.HTTPException) as exc:
                self._drop()
                raise TransportFailed(f"{type(exc).__name__}: {exc}") from None
            if response.will_close:
                self._drop()
            return HttpReply(response.status, text, {k.lower(): v for k, v in response.getheaders()})
        raise AssertionError("unreachable")

    def _connection(self, timeout: float, fresh: bool) -> tuple[http.client.HTTPConnection, bool]:
        """This thread's connection with ``timeout`` set, and whether it served a request before."""
        conn = None if fresh else getattr(self._local, "conn", None)
        if conn is not None:
            conn.timeout = timeout
            if conn.sock is not None:
                conn.sock.settimeout(timeout)
            return conn, True
        host, port = self.base.hostname, self.base.port
        if self._proxy:
            host, port = self._proxy
        if self.base.scheme == "https":
            conn = http.client.HTTPSConnection(host, port, timeout=timeout, context=ssl.create_default_context())
            if self._proxy:
                conn.set_tunnel(self.base.hostname, self.base.port)
        else:
            conn = http.client.HTTPConnection(host, port, timeout=timeout)
        self._local.conn = conn
        return conn, False

    def _drop(self) -> None:
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            conn.close()
        self._local.conn = None


def _proxy_for(url: str) -> tuple[str, int | None] | None:
    """(host, port) of the proxy the environment names for ``url``, or None (none, or NO_PROXY covers it)."""
    parts = urllib.parse.urlsplit(url)
    proxy = urllib.request.getproxies().get(parts.scheme)
    if not proxy or urllib.request.proxy_bypass(parts.hostname or ""):
        return None
    found = urllib.parse.urlsplit(proxy if "://" in proxy else f"http://{proxy}")
    return (found.hostname or "", found.port or 80) if found.hostname else None

"""Send a response's head and body in one TCP segment, not two.

gunicorn sends a response's status line and headers with one ``send`` and its body with
another. The client, waiting on its keep-alive connection, is woken by the headers,
finds no body and sleeps again until the second send: two wake-ups a request instead
of one. Measured under ``qa serve`` on 2 cores: the headers' send took a median 0.10 ms
(it wakes the client), the body's 0.01 ms.

While gunicorn writes a response of known length, the connection is corked (Linux's
``TCP_CORK``, what nginx's ``tcp_nopush`` sets): the kernel holds what is sent until the
cork is pulled after the last byte, then both leave together. A streamed response (no
Content-Length) is never corked, so its chunks are not held back; other servers, and
systems without ``TCP_CORK``, are served as before.
"""

from __future__ import annotations

import socket
from typing import Callable, Iterable, Iterator

_CORK = getattr(socket, "TCP_CORK", None)


def _set_cork(sock, on: bool) -> bool:
    try:
        sock.setsockopt(socket.IPPROTO_TCP, _CORK, 1 if on else 0)
    except (OSError, AttributeError):  # not a TCP socket (a Unix socket, a test double)
        return False
    return True


class _Uncorked:
    """The app's response, pulling the cork once gunicorn has written its last byte and
    before the app's own closing work (the request's log line and metrics) runs."""

    def __init__(self, body: Iterable[bytes], sock):
        self._body, self._sock = body, sock

    def __iter__(self) -> Iterator[bytes]:
        return iter(self._body)

    def close(self) -> None:
        try:
            _set_cork(self._sock, False)
        finally:
            close = getattr(self._body, "close", None)
            if close is not None:
                close()


class CorkedResponses:
    """WSGI middleware: see the module's docstring."""

    def __init__(self, wsgi_app: Callable):
        self.wsgi_app = wsgi_app

    def __call__(self, environ: dict, start_response: Callable):
        sock = environ.get("gunicorn.socket")
        if _CORK is None or sock is None:
            return self.wsgi_app(environ, start_response)
        corked = False

        def start(status, headers, exc_info=None):
            nonlocal corked
            if not corked and any(name.lower() == "content-length" for name, _ in headers):
                corked = _set_cork(sock, True)
            return start_response(status, headers, exc_info)

        try:
            body = self.wsgi_app(environ, start)
        except BaseException:
            if corked:
                _set_cork(sock, False)
            raise
        if not corked:
            return body
        file_wrapper = environ.get("wsgi.file_wrapper")
        if file_wrapper is not None and isinstance(body, file_wrapper):
            # gunicorn sends a file with sendfile only if it gets the wrapper itself.
            _set_cork(sock, False)
            return body
        return _Uncorked(body, sock)

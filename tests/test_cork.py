"""qa.cork: a response of known length is written corked, and the cork is pulled before
the app's own closing work; streamed responses and other servers are left alone."""

from __future__ import annotations

import socket

import pytest
from flask import Flask, Response
from werkzeug.test import EnvironBuilder

from qa.cork import CorkedResponses

pytestmark = pytest.mark.skipif(not hasattr(socket, "TCP_CORK"), reason="TCP_CORK is Linux's")


@pytest.fixture
def connection():
    """Both ends of a loopback TCP connection: (the server's socket, the client's)."""
    with socket.create_server(("127.0.0.1", 0)) as listener:
        client = socket.create_connection(listener.getsockname())
        server, _ = listener.accept()
    yield server, client
    server.close()
    client.close()


def corked(sock) -> bool:
    return bool(sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_CORK))


def call(wsgi_app, path: str, sock=None):
    environ = EnvironBuilder(path=path).get_environ()
    if sock is not None:
        environ["gunicorn.socket"] = sock
    return wsgi_app(environ, lambda status, headers, exc_info=None: None)


def test_a_response_of_known_length_is_corked_until_it_is_closed_before_the_bookkeeping(
        connection):
    server, _ = connection
    app = Flask(__name__)
    seen_at_close = []

    @app.get("/answer")
    def answer():
        response = Response('{"answer": 42}', mimetype="application/json")
        # What qa.logs and qa.metrics do: work run once the response has been sent.
        response.call_on_close(lambda: seen_at_close.append(corked(server)))
        return response

    body = call(CorkedResponses(app.wsgi_app), "/answer", server)
    assert corked(server)
    assert b"".join(body) == b'{"answer": 42}'
    body.close()
    assert not corked(server)
    assert seen_at_close == [False]  # the bytes left before the bookkeeping ran


def test_a_streamed_response_is_never_corked(connection):
    server, _ = connection
    app = Flask(__name__)
    during = []

    @app.get("/stream")
    def stream():
        def lines():
            during.append(corked(server))
            yield "progress\n"
        return Response(lines(), mimetype="application/x-ndjson")

    body = call(CorkedResponses(app.wsgi_app), "/stream", server)
    assert b"".join(body) == b"progress\n"
    assert during == [False]


def test_an_error_in_the_app_pulls_the_cork(connection):
    server, _ = connection

    def failing(environ, start_response):
        start_response("200 OK", [("Content-Length", "2")])
        raise RuntimeError("the app failed after starting its response")

    with pytest.raises(RuntimeError):
        call(CorkedResponses(failing), "/", server)
    assert not corked(server)


def test_without_gunicorns_socket_the_apps_response_is_returned_as_it_is():
    app = Flask(__name__)
    app.get("/")(lambda: "hello")
    body = call(CorkedResponses(app.wsgi_app), "/")
    assert not hasattr(body, "_sock") and b"".join(body) == b"hello"

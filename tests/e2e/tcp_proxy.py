"""A TCP proxy that can cut a server off, for fault tests: while cut, every open connection is
dropped and new ones are refused at once, as when a database server stops; restored, it forwards
again. Stopping the machine's own PostgreSQL instead would take it from everything else.

With `hold_clients`, it behaves as a load balancer in front of a server that restarts: when the
server's side of a connection goes, the client's side stays open, and its next use is answered
with a reset. A client learns that a kept-alive connection is stale only by using it."""
from __future__ import annotations

import selectors
import socket
import struct
import threading


class TcpProxy:
    def __init__(self, target_host: str, target_port: int, hold_clients: bool = False):
        self.target = (target_host, target_port)
        self.hold_clients = hold_clients
        self.listener = socket.socket()
        self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(128)
        self.port = self.listener.getsockname()[1]
        self.cut_off = threading.Event()
        self.stopped = threading.Event()
        self.lock = threading.Lock()
        self.pairs: list[tuple[socket.socket, socket.socket]] = []
        threading.Thread(target=self._accept, daemon=True).start()

    def cut(self) -> None:
        """Drop every connection and refuse new ones until restore()."""
        self.cut_off.set()
        with self.lock:
            pairs, self.pairs = self.pairs, []
        for pair in pairs:
            for sock in pair:
                _close(sock)

    def restore(self) -> None:
        self.cut_off.clear()

    def close(self) -> None:
        self.stopped.set()
        self.cut()
        _close(self.listener)

    def _accept(self) -> None:
        while not self.stopped.is_set():
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            if self.cut_off.is_set():
                _close(client)
                continue
            try:
                server = socket.create_connection(self.target, timeout=5)
            except OSError:
                _close(client)
                continue
            server.settimeout(None)
            with self.lock:
                self.pairs.append((client, server))
            threading.Thread(target=self._pipe, args=(client, server), daemon=True).start()

    def _pipe(self, client: socket.socket, server: socket.socket) -> None:
        selector = selectors.DefaultSelector()
        server_gone = False
        try:
            selector.register(client, selectors.EVENT_READ, server)
            selector.register(server, selectors.EVENT_READ, client)
            while not self.cut_off.is_set():
                for key, _ in selector.select(timeout=0.5):
                    try:
                        data = key.fileobj.recv(65536)
                    except OSError:  # reset
                        data = b""
                    if not data:
                        server_gone = key.fileobj is server
                        return
                    key.data.sendall(data)
        except (OSError, ValueError):
            return
        finally:
            selector.close()
            _close(server)
            with self.lock:
                if (client, server) in self.pairs:
                    self.pairs.remove((client, server))
            if server_gone and self.hold_clients and not self.cut_off.is_set():
                self._reset_at_next_use(client)
            else:
                _close(client)

    def _reset_at_next_use(self, client: socket.socket) -> None:
        with selectors.DefaultSelector() as selector:
            selector.register(client, selectors.EVENT_READ)
            while not (self.stopped.is_set() or selector.select(timeout=0.5)):
                pass
        client.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))  # a reset, not a FIN
        client.close()


def _close(sock: socket.socket) -> None:
    try:
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass
    sock.close()

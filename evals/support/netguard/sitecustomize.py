"""Network guard for child interpreters started by tests (put this folder on PYTHONPATH).

Python imports `sitecustomize` at start-up, before any user code, so every socket the child opens
goes through these checks: a connection to, or a name lookup of, anything but a loopback address is
refused with an OSError and written as one JSON line to the file named by NETGUARD_LOG. The parent
test then asserts that the file is empty. Each guarded process also writes its pid to
NETGUARD_LOG + ".loaded", so the test can check the guard really ran there. Without NETGUARD_LOG
the module does nothing.
"""

import ipaddress
import json
import os
import socket
import traceback

_LOG = os.environ.get("NETGUARD_LOG")


def _loopback(host) -> bool:
    if isinstance(host, bytes):
        host = host.decode(errors="replace")
    if host in (None, "", "localhost"):
        return True
    try:
        return ipaddress.ip_address(str(host).split("%")[0]).is_loopback
    except ValueError:
        return False  # a host name other than localhost: resolving it is already a network attempt


def _record(kind: str, target) -> None:
    stack = "".join(traceback.format_stack(limit=12)[:-2])
    with open(_LOG, "a", encoding="utf-8") as out:
        out.write(json.dumps({"pid": os.getpid(), "kind": kind, "target": repr(target), "stack": stack}) + "\n")


class NetworkAttempt(OSError):
    pass


if _LOG:
    with open(_LOG + ".loaded", "a", encoding="utf-8") as _out:  # proof that the guard ran in this process
        _out.write(f"{os.getpid()}\n")
    _connect = socket.socket.connect
    _connect_ex = socket.socket.connect_ex
    _getaddrinfo = socket.getaddrinfo

    def connect(self, address):
        if self.family in (socket.AF_INET, socket.AF_INET6) and not _loopback(address[0]):
            _record("connect", address)
            raise NetworkAttempt(f"network guard: connection to {address!r} refused")
        return _connect(self, address)

    def connect_ex(self, address):
        if self.family in (socket.AF_INET, socket.AF_INET6) and not _loopback(address[0]):
            _record("connect", address)
            raise NetworkAttempt(f"network guard: connection to {address!r} refused")
        return _connect_ex(self, address)

    def getaddrinfo(host, *args, **kwargs):
        if not _loopback(host):
            _record("getaddrinfo", host)
            raise socket.gaierror(socket.EAI_NONAME, f"network guard: lookup of {host!r} refused")
        return _getaddrinfo(host, *args, **kwargs)

    socket.socket.connect = connect
    socket.socket.connect_ex = connect_ex
    socket.getaddrinfo = getaddrinfo

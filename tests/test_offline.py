"""Nothing may try the network at run time."""

import socket
import subprocess
import sys
import textwrap

import pytest

from .conftest import NetworkAttempt


def test_the_guard_itself_blocks_outside_addresses(no_network):
    before = len(no_network)
    with pytest.raises(NetworkAttempt):
        socket.create_connection(("93.184.216.34", 443), timeout=1)
    with pytest.raises(NetworkAttempt):
        socket.getaddrinfo("example.com", 443)
    assert len(no_network) == before + 2  # recorded, so a swallowed attempt still fails the session
    del no_network[before:]  # these two were on purpose


def test_offline_switches_are_set_on_import():
    import os

    import interviewer

    for key in ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE", "GRADIO_ANALYTICS_ENABLED", "ANONYMIZED_TELEMETRY"):
        assert os.environ.get(key) == interviewer.config.OFFLINE_ENV[key]


def test_index_and_search_in_a_fresh_process_make_no_outside_connection(tmp_path):
    """A separate interpreter with the socket layer patched: any non-loopback attempt is recorded."""
    script = textwrap.dedent(f"""
        import socket, ipaddress, sys
        attempts = []
        real = socket.socket.connect
        def connect(self, address):
            if self.family in (socket.AF_INET, socket.AF_INET6):
                try:
                    ok = ipaddress.ip_address(address[0]).is_loopback
                except ValueError:
                    ok = False
                if not ok:
                    attempts.append(address)
                    raise OSError("blocked")
            return real(self, address)
        socket.socket.connect = connect
        real_gai = socket.getaddrinfo
        def gai(host, *a, **k):
            if host not in (None, "localhost", "127.0.0.1", "::1"):
                attempts.append(host)
                raise OSError("blocked")
            return real_gai(host, *a, **k)
        socket.getaddrinfo = gai
        import os
        os.environ["INTERVIEWER_HOME"] = {str(tmp_path)!r}
        from interviewer import build_index, search
        build_index(progress=False)
        assert search("shadow deployment", k=2)
        print("ATTEMPTS", attempts)
    """)
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr[-2000:]
    assert "ATTEMPTS []" in out.stdout

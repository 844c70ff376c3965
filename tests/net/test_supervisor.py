"""The demo supervisor restarts a city node that crashed, logs it, and leaves a node
stopped on purpose alone."""

from __future__ import annotations

import os
import signal
import time

import httpx
import pytest


def _wait(predicate, timeout_s: float = 60.0) -> bool:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.1)
    return predicate()


@pytest.mark.multinode
def test_a_crashed_city_node_is_restarted_and_logged(tmp_path):
    from app.net.demo_network import create_network
    from app.net.supervisor import Supervisor

    net = create_network(tmp_path / "net", cities=("130100", "130200"), quorum=1)
    node, other = net.nodes
    node.start()
    other.start()
    log_file = tmp_path / "supervisor.log"
    supervisor = Supervisor(net.nodes, log_file, interval=0.2).start()
    try:
        crashed_pid = node.proc.pid
        os.kill(crashed_pid, signal.SIGKILL)
        assert _wait(lambda: len(supervisor.restarts) == 1)
        restart = supervisor.restarts[0]
        assert (restart.code, restart.exit_status, restart.error) == ("130100", -9, None)
        assert node.running and node.proc.pid != crashed_pid
        assert httpx.get(node.url + "checkpoint", timeout=5).status_code == 200
        assert "city node 130100 exited with status -9; restarted" in log_file.read_text()

        other.stop()  # on purpose: not a crash
        time.sleep(1.0)
        assert len(supervisor.restarts) == 1 and not other.running
    finally:
        supervisor.stop()
        net.stop()

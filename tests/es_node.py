"""Control of the test suite's Elasticsearch node (started by scripts/elasticsearch) for fault tests."""

from __future__ import annotations

import os
import signal
import subprocess
from pathlib import Path

SCRIPT = Path(__file__).resolve().parents[1] / "scripts" / "elasticsearch"


def _script(command: str, timeout: float = 300) -> str:
    done = subprocess.run([str(SCRIPT), command], capture_output=True, text=True, timeout=timeout, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"scripts/elasticsearch {command} failed: {done.stderr[-2000:]}")
    return done.stdout.strip().splitlines()[-1] if done.stdout.strip() else ""


class NodeControl:
    """Crash, restart, pause and continue the node that serves ``url``."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.paused = False

    @staticmethod
    def owns(url: str) -> bool:
        """True when scripts/elasticsearch runs the node at ``url`` (so tests may kill it)."""
        try:
            return _script("status", timeout=60) == url.rstrip("/")
        except RuntimeError:
            return False

    def _pid(self) -> int:
        return int(_script("pid", timeout=30))

    def kill(self) -> None:
        """SIGKILL the node: a crash, data kept."""
        _script("kill", timeout=60)

    def resume(self) -> None:
        """Start the killed node again on its data and wait until it is healthy."""
        url = _script("resume")
        assert url == self.url.rstrip("/"), url

    def pause(self) -> None:
        """SIGSTOP the node: it keeps its connections but answers nothing (a hang)."""
        os.kill(self._pid(), signal.SIGSTOP)
        self.paused = True

    def cont(self) -> None:
        """SIGCONT a paused node."""
        if self.paused:
            os.kill(self._pid(), signal.SIGCONT)
            self.paused = False

    def heal(self) -> None:
        """Whatever a test did, leave the node running and healthy for the next one."""
        self.cont()
        self.resume()

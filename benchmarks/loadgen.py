"""A closed-loop HTTP load: N clients, each posting a fresh record as soon as the last is answered.

wrk (Debian's ``wrk``) when installed, else a threaded ``http.client`` generator. Both send
only to 127.0.0.1, stop after ``seconds`` or ``max_requests``, and give each request its own
record id (a UUID v4 made from the run, client and request number) so none is a replay.
"""

from __future__ import annotations

import http.client
import json
import os
import secrets
import shutil
import subprocess
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from benchmarks.workspace import percentile

ID = "__RECORD_ID__"
EMPLOYEE = "__EMPLOYEE__"
HOST = "127.0.0.1"


@dataclass
class Load:
    tool: str
    clients: int
    seconds: float
    answered: int
    ok: int
    failed: int  # non-2xx answers and socket errors
    p50_ms: float
    p99_ms: float

    @property
    def per_second(self) -> float:
        return self.ok / self.seconds if self.seconds else 0.0


def tool() -> str:
    return "wrk" if shutil.which("wrk") else "threaded http.client"


def run_load(port: int, path: str, template: str, clients: int, seconds: float, max_requests: int) -> Load:
    """Post ``template`` (with ID and EMPLOYEE filled in per request) from ``clients`` connections."""
    run = secrets.randbits(32)
    if shutil.which("wrk"):
        return _wrk(port, path, template, clients, seconds, max_requests, run)
    return _threaded(port, path, template, clients, seconds, max_requests, run)


def record_id(run: int, client: int, n: int) -> str:
    return f"{run:08x}-{client:04x}-4000-8000-{n:012x}"


_LUA = """
local template = [==[%(template)s]==]
local max_per_thread = %(max_per_thread)d
local run = %(run)d
local threads, made, answered = {}, 0, 0
function setup(thread)
  table.insert(threads, thread)
  thread:set("client", #threads)
end
function request()
  made = made + 1
  local body = template:gsub("%(id)s", string.format("%%08x-%%04x-4000-8000-%%012x", run, client, made))
  body = body:gsub("%(employee)s", string.format("E%%d-%%d", client, made))
  return wrk.format("POST", "%(path)s", {["Content-Type"] = "application/json"}, body)
end
function response(status, headers, body)
  answered = answered + 1
  if answered >= max_per_thread then wrk.thread:stop() end
end
function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format('BENCH {"answered": %%d, "us": %%d, "status": %%d, "socket": %%d, ' ..
    '"p50": %%d, "p99": %%d}\\n', summary.requests, summary.duration, e.status,
    e.connect + e.read + e.write + e.timeout, latency:percentile(50), latency:percentile(99)))
end
"""


def _wrk(port: int, path: str, template: str, clients: int, seconds: float, max_requests: int,
         run: int) -> Load:
    threads = min(clients, os.cpu_count() or 1)
    script = _LUA % {"template": template, "max_per_thread": max(1, max_requests // threads), "run": run,
                     "id": ID, "employee": EMPLOYEE, "path": path}
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as handle:
        handle.write(script)
    try:
        command = ["wrk", "-t", str(threads), "-c", str(clients), "-d", f"{seconds:g}s", "--timeout", "10s",
                   "-s", handle.name, f"http://{HOST}:{port}{path}"]
        done = subprocess.run(command, capture_output=True, text=True, timeout=seconds + 60, check=True)
    finally:
        Path(handle.name).unlink()
    line = next(line for line in done.stdout.splitlines() if line.startswith("BENCH "))
    data = json.loads(line.removeprefix("BENCH "))
    failed = data["status"] + data["socket"]
    return Load("wrk", clients, data["us"] / 1e6, data["answered"], data["answered"] - data["status"],
                failed, data["p50"] / 1000, data["p99"] / 1000)


def _threaded(port: int, path: str, template: str, clients: int, seconds: float, max_requests: int,
              run: int) -> Load:
    latencies: list[list[float]] = [[] for _ in range(clients)]
    failures = [0] * clients
    budget = threading.Semaphore(max_requests)
    deadline = time.perf_counter() + seconds

    def client(number: int) -> None:
        connection = http.client.HTTPConnection(HOST, port, timeout=10)
        made = 0
        while time.perf_counter() < deadline and budget.acquire(blocking=False):
            made += 1
            text = template.replace(ID, record_id(run, number + 1, made))
            body = text.replace(EMPLOYEE, f"E{number + 1}-{made}").encode("utf-8")
            started = time.perf_counter()
            try:
                connection.request("POST", path, body, {"Content-Type": "application/json"})
                response = connection.getresponse()
                response.read()
                if not 200 <= response.status < 300:
                    failures[number] += 1
            except (OSError, http.client.HTTPException):
                failures[number] += 1
                connection.close()
                connection = http.client.HTTPConnection(HOST, port, timeout=10)
            latencies[number].append(time.perf_counter() - started)
        connection.close()

    started = time.perf_counter()
    workers = [threading.Thread(target=client, args=(n,)) for n in range(clients)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    elapsed = time.perf_counter() - started
    every = [value * 1000 for values in latencies for value in values]
    failed = sum(failures)
    return Load("threaded http.client", clients, elapsed, len(every), len(every) - failed, failed,
                percentile(every, 50) if every else 0.0, percentile(every, 99) if every else 0.0)

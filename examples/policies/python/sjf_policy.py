#!/usr/bin/env python3
"""Shortest-job-first as an external burnrate policy (burnrate.v1.ExternalPolicy over gRPC).

Run it, then point a simulation at it; with the simulator's best-fit placement packing each
start, this is SJF with packing, and gives the same results as the built-in `sjf+best-fit`:

    PYTHONPATH=build/python /usr/bin/python3 examples/policies/python/sjf_policy.py --port 50052 &
    build/burnrate run examples/quickstart.yaml \
        --policy 'external[address=127.0.0.1:50052]+best-fit' --policy sjf+best-fit

Each call carries what changed since the previous one (jobs that arrived, started or ended);
the policy keeps the pending jobs of every session (one per simulation run) and answers with
all of them, shortest remaining work first (ties: earlier arrival), skipping those that do not
fit. Python's grpcio and protobuf come from Debian (python3-grpcio, python3-protobuf); the
stubs from `make build` (build/python). docs/grpc.md describes the protocol.
"""
import argparse
import concurrent.futures
import signal
import sys
import threading

import grpc

from burnrate.v1 import policy_pb2, policy_pb2_grpc


class ShortestJobFirst(policy_pb2_grpc.ExternalPolicyServicer):
    def __init__(self):
        self._lock = threading.Lock()
        self._sessions = {}  # session -> {job id: (work_s, id)}

    def Schedule(self, request, context):
        with self._lock:
            if request.sequence == 0:
                self._sessions[request.session] = {}
            pending = self._sessions.get(request.session)
            if pending is None:
                context.abort(grpc.StatusCode.FAILED_PRECONDITION,
                              f"unknown session {request.session}: its first call was missed")
            for job_id in request.started:
                pending.pop(job_id, None)
            for job in request.arrived:  # new, or preempted and waiting again
                pending[job.id] = (job.work_s, job.id)
            order = sorted(pending.values())
        # Try every pending job, shortest first; one that does not fit is skipped
        # (stop_at_first_unfit=False), as the built-in sjf does.
        return policy_pb2.ScheduleResponse(
            start=[policy_pb2.StartJob(id=job_id) for _, job_id in order],
            stop_at_first_unfit=False)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=50052,
                        help="port (default 50052; 0 picks a free one, printed on stdout)")
    args = parser.parse_args()
    # Call 0 lists every node of the cluster: accept large requests (gRPC's default is 4 MiB).
    server = grpc.server(concurrent.futures.ThreadPoolExecutor(max_workers=4),
                         options=[("grpc.max_receive_message_length", -1)])
    policy_pb2_grpc.add_ExternalPolicyServicer_to_server(ShortestJobFirst(), server)
    port = server.add_insecure_port(f"{args.host}:{args.port}")
    if port == 0:
        sys.exit(f"sjf_policy.py: cannot listen on {args.host}:{args.port}")
    server.start()
    print(f"sjf_policy.py: listening on {args.host}:{port}", flush=True)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    stop.wait()
    server.stop(grace=1).wait()


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Run a burnrate scenario on a `burnrate serve` server and print the comparison.

A small, complete client of the burnrate.v1.Simulator gRPC service
(proto/burnrate/v1/simulator.proto), meant to be copied and adapted:

  * reads a scenario file and sends its text as RunRequest.scenario_yaml;
  * streams the RunProgress updates to stderr, one line each;
  * prints one row per policy to stdout (bill, GPU utilisation, p95 JCT,
    p95 queueing delay, jobs completed);
  * with --json, writes the final burnrate.v1.Results as JSON with the same
    field names as `burnrate run --json` (proto field names, defaults included).

Usage (from the repository root, after `make build`, which generates the Python
stubs into build/python):

    build/burnrate serve --listen 127.0.0.1:50051 &
    PYTHONPATH=build/python python3 examples/python/run_scenario.py \\
        examples/quickstart.yaml --policy fifo --policy sjf+best-fit --json out.json

Needs the grpcio and protobuf packages (Debian/Ubuntu: python3-grpcio,
python3-protobuf).

Exit codes: 0 success; 2 invalid scenario, policy or argument
(INVALID_ARGUMENT, or a local file problem); 3 server busy or unreachable
(RESOURCE_EXHAUSTED, UNAVAILABLE); 4 deadline passed or cancelled
(DEADLINE_EXCEEDED, CANCELLED); 130 interrupted by Ctrl-C (143 by SIGTERM; the
run is cancelled on the server); 1 anything else.
"""

import argparse
import datetime
import math
import os
import re
import signal
import sys
import tempfile

PROG = "run_scenario.py"

try:
    import grpc
    from google.protobuf import json_format
    from burnrate.v1 import simulator_pb2
    from burnrate.v1 import simulator_pb2_grpc
except ImportError as e:  # pragma: no cover - depends on the environment
    sys.stderr.write(
        f"{PROG}: cannot import {e.name or e}: install grpcio and protobuf "
        "(Debian/Ubuntu: apt install python3-grpcio python3-protobuf) and put the "
        "generated stubs on the path (`make build` writes them to build/python; "
        "PYTHONPATH=build/python)\n")
    sys.exit(1)

EXIT_OK = 0
EXIT_OTHER = 1
EXIT_INVALID = 2
EXIT_UNAVAILABLE = 3
EXIT_STOPPED = 4
EXIT_INTERRUPTED = 128  # + the signal number: 130 for Ctrl-C (SIGINT), 143 for SIGTERM

EXIT_FOR_STATUS = {
    grpc.StatusCode.INVALID_ARGUMENT: EXIT_INVALID,
    grpc.StatusCode.RESOURCE_EXHAUSTED: EXIT_UNAVAILABLE,
    grpc.StatusCode.UNAVAILABLE: EXIT_UNAVAILABLE,
    grpc.StatusCode.DEADLINE_EXCEEDED: EXIT_STOPPED,
    grpc.StatusCode.CANCELLED: EXIT_STOPPED,
}

# Results hold time series for every run; they can exceed gRPC's default 4 MiB limit.
MAX_MESSAGE_BYTES = 1 << 30


class UsageError(Exception):
    """A problem with the command line or a local file (exit 2)."""


def parse_args(argv):
    parser = argparse.ArgumentParser(
        prog=PROG,
        description="Run a burnrate scenario on a `burnrate serve` server (gRPC), "
                    "show progress on stderr and a table of results on stdout.",
        epilog="The scenario file is read here and sent as text. Relative paths inside it "
               "(traces, empirical samples) are resolved by the server against its "
               "--data-dir (default: the server's working directory), not against this "
               "file's directory. Exit codes: 2 invalid scenario/policy/argument, "
               "3 server busy or unreachable, 4 deadline passed or cancelled, "
               "130 interrupted (Ctrl-C), 1 other errors.")
    parser.add_argument("scenario", metavar="SCENARIO.yaml",
                        help="scenario file (YAML), sent to the server as scenario_yaml")
    parser.add_argument("--server", default="127.0.0.1:50051", metavar="HOST:PORT",
                        help="address of `burnrate serve` (default: %(default)s)")
    parser.add_argument("--policy", action="append", default=[], metavar="P",
                        help='policy "QUEUE[+PLACEMENT]", e.g. fifo-backfill+best-fit; '
                             "repeat for several; default: the scenario's policies")
    parser.add_argument("--seed", type=int, metavar="N",
                        help="seed of the random streams (default: the scenario's; 0 means 1)")
    parser.add_argument("--timeout", type=float, metavar="SECONDS",
                        help="deadline of the whole call; the server stops the run when it "
                             "passes (exit 4)")
    parser.add_argument("--json", metavar="OUT.json",
                        help="write the Results as JSON (field names as `burnrate run --json`)")
    parser.add_argument("--compare", action="store_true",
                        help="call Compare instead of Run (needs at least two policies)")
    parser.add_argument("--progress-interval", type=float, default=0.0, metavar="SECONDS",
                        help="seconds between progress updates, in [0.05, 60] "
                             "(default: the server's, 0.5)")
    parser.add_argument("-q", "--quiet", action="store_true", help="no progress lines")
    args = parser.parse_args(argv)
    if args.seed is not None and not 0 <= args.seed <= 0xFFFFFFFF:
        parser.error(f"--seed {args.seed}: must be in [0, 4294967295]")
    if args.timeout is not None and not (args.timeout > 0 and math.isfinite(args.timeout)):
        parser.error(f"--timeout {args.timeout}: must be a positive number of seconds")
    return args


def read_scenario(path):
    try:
        with open(path, encoding="utf-8") as f:
            return f.read()
    except (OSError, UnicodeDecodeError) as e:
        raise UsageError(f"reading {path}: {e.strerror if isinstance(e, OSError) else e}")


def check_output_path(path):
    """Fails before the run (not after minutes of simulation) if OUT.json cannot be written."""
    directory = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(directory):
        raise UsageError(f"--json {path}: directory {directory} does not exist")
    if os.path.isdir(path):
        raise UsageError(f"--json {path}: is a directory")
    if not os.access(directory, os.W_OK):
        raise UsageError(f"--json {path}: directory {directory} is not writable")


def scenario_start(text):
    """The scenario's calendar start, read from a top-level `start:` line, or None.

    Used only to print simulated dates in progress lines (RunProgress carries seconds since the
    start, not the start itself); with None, progress shows the simulated day instead. A
    scenario without any `start` key starts on burnrate's default, 2023-01-01.
    """
    if not re.search(r"""^start:|\bstart["']?\s*:""", text, re.MULTILINE):
        return datetime.datetime(2023, 1, 1, tzinfo=datetime.timezone.utc)  # burnrate's default
    m = re.search(r'^start:\s*["\']?(\d{4}-\d{2}-\d{2})(T\d{2}:\d{2}:\d{2})?Z?["\']?\s*(#.*)?$',
                  text, re.MULTILINE)
    if not m:
        return None
    try:
        return datetime.datetime.strptime(m.group(1) + (m.group(2) or "T00:00:00"),
                                          "%Y-%m-%dT%H:%M:%S").replace(
                                              tzinfo=datetime.timezone.utc)
    except ValueError:
        return None


def human_rate(rate):
    if rate >= 1e6:
        return f"{rate / 1e6:.1f}M"
    if rate >= 1e3:
        return f"{rate / 1e3:.1f}k"
    return f"{rate:.0f}"


def progress_line(p, start):
    """'fifo+first-fit (1/2): 2023-08-04  45%  3.1M events/s  1,234 jobs completed'."""
    frac = p.simulated_s / p.horizon_s if p.horizon_s > 0 else 0.0
    if start is not None:
        when = (start + datetime.timedelta(seconds=p.simulated_s)).strftime("%Y-%m-%d")
    else:
        when = f"day {p.simulated_s / 86400:.1f}"
    return (f"{p.policy} ({p.run_index + 1}/{p.run_count}): {when} {100 * frac:3.0f}%  "
            f"{human_rate(p.events_per_s)} events/s  {p.jobs_completed:,} jobs completed")


def duration(seconds):
    """Seconds in the unit a reader wants: 45.0 s, 12.5 min, 7.7 h, 2.1 d."""
    if not math.isfinite(seconds):
        return "-"
    if seconds < 60:
        return f"{seconds:.1f} s"
    if seconds < 3600:
        return f"{seconds / 60:.1f} min"
    if seconds < 86400 * 2:
        return f"{seconds / 3600:.1f} h"
    return f"{seconds / 86400:.1f} d"


def results_table(results):
    header = ("policy", "bill", "GPU util", "p95 JCT", "p95 queueing", "jobs completed")
    rows = []
    for run in results.runs:
        s = run.summary
        rows.append((run.policy,
                     f"${s.total_cost_usd:,.0f}",
                     f"{100 * s.gpu_utilization:.1f}%",
                     duration(s.p95_jct_s),
                     duration(s.p95_queue_delay_s),
                     f"{s.jobs_completed:,} / {s.jobs_submitted:,}"))
    widths = [max(len(r[i]) for r in rows + [header]) for i in range(len(header))]

    def fmt(row):
        # Policy left-aligned, numbers right-aligned.
        cells = [row[0].ljust(widths[0])] + [c.rjust(w) for c, w in zip(row[1:], widths[1:])]
        return "  ".join(cells).rstrip()

    lines = [f"Scenario {results.scenario}, start {results.start}, "
             f"horizon {results.horizon_s / 86400:g} days", "", fmt(header),
             "  ".join("-" * w for w in widths)]
    lines += [fmt(r) for r in rows]
    return "\n".join(lines) + "\n"


def results_json(results):
    """The Results as JSON with `burnrate run --json`'s field names and defaults.

    Parsed, the values equal the C++ CLI's (64-bit integers are strings in both, per the proto3
    JSON mapping). The text differs: indentation, key order (Python follows field numbers, C++
    the declaration order) and the spelling of doubles (Python writes the shortest form that
    reads back exactly, 0.6904402616656203 and 21504.0; C++ writes 17 significant digits,
    0.69044026166562034 and 21504). Compare parsed values, not bytes.
    """
    try:
        text = json_format.MessageToJson(results, preserving_proto_field_name=True,
                                         including_default_value_fields=True)
    except TypeError:  # protobuf >= 5.26 renamed the option
        text = json_format.MessageToJson(results, preserving_proto_field_name=True,
                                         always_print_fields_with_no_presence=True)
    return text + "\n"


def write_atomically(path, text):
    """Writes through a temporary file beside `path`: a failure leaves no partial file."""
    target = os.path.realpath(path)  # a symlink is written through, not replaced
    try:
        mode = os.stat(target).st_mode & 0o7777
    except FileNotFoundError:
        umask = os.umask(0)
        os.umask(umask)
        mode = 0o666 & ~umask
    fd, temp = tempfile.mkstemp(prefix=os.path.basename(target) + ".tmp-",
                                dir=os.path.dirname(target))
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
        os.chmod(temp, mode)
        os.replace(temp, target)
    except BaseException:
        try:
            os.unlink(temp)
        except OSError:
            pass
        raise


def run(args):
    text = read_scenario(args.scenario)
    if args.json:
        check_output_path(args.json)
    start = scenario_start(text)

    request = simulator_pb2.RunRequest(scenario_yaml=text, policies=args.policy,
                                       progress_interval_s=args.progress_interval)
    if args.seed is not None:
        request.seed = args.seed

    options = [("grpc.max_receive_message_length", MAX_MESSAGE_BYTES),
               ("grpc.max_send_message_length", MAX_MESSAGE_BYTES)]
    with grpc.insecure_channel(args.server, options=options) as channel:
        stub = simulator_pb2_grpc.SimulatorStub(channel)
        method = stub.Compare if args.compare else stub.Run
        # wait_for_ready=False: an unreachable server fails at once with UNAVAILABLE.
        call = method(request, timeout=args.timeout)
        results = None
        try:
            for update in call:
                if update.HasField("progress"):
                    if not args.quiet:
                        print(progress_line(update.progress, start), file=sys.stderr, flush=True)
                elif update.HasField("results"):
                    results = update.results
        except KeyboardInterrupt:
            # Cancelling the call makes the server stop the run at its next event.
            call.cancel()
            print(f"{PROG}: interrupted; the run was cancelled", file=sys.stderr)
            return EXIT_INTERRUPTED + _stop_signal

    if results is None:
        print(f"{PROG}: the server ended the stream without results", file=sys.stderr)
        return EXIT_OTHER
    if args.json:
        try:
            write_atomically(args.json, results_json(results))
        except OSError as e:
            raise UsageError(f"writing {args.json}: {e.strerror}")
    sys.stdout.write(results_table(results))
    return EXIT_OK


_stop_signal = signal.SIGINT


def _on_sigterm(signum, frame):
    global _stop_signal
    _stop_signal = signum
    raise KeyboardInterrupt


def main(argv=None):
    args = parse_args(sys.argv[1:] if argv is None else argv)
    # SIGTERM behaves like Ctrl-C: cancel the run on the server, then exit.
    signal.signal(signal.SIGTERM, _on_sigterm)
    try:
        return run(args)
    except UsageError as e:
        print(f"{PROG}: {e}", file=sys.stderr)
        return EXIT_INVALID
    except grpc.RpcError as e:
        code = e.code()
        print(f"{PROG}: {code.name}: {e.details()}", file=sys.stderr)
        return EXIT_FOR_STATUS.get(code, EXIT_OTHER)
    except KeyboardInterrupt:
        print(f"{PROG}: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED + _stop_signal


if __name__ == "__main__":
    sys.exit(main())

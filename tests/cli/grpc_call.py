#!/usr/bin/env python3
"""Send one request to a `burnrate serve` server and print the status it answers.

Used by tests/cli/bad_inputs_doc_test.sh for the gRPC rows of docs/bad-inputs.md, where a row's
command reads like

    grpc Run scenario_yaml=@tests/fixtures/bad/negative_duration.yaml policies=lifo

and the test runs it as

    /usr/bin/python3 tests/cli/grpc_call.py --server 127.0.0.1:PORT --stubs BUILD/python \\
        Run scenario_yaml=@tests/fixtures/bad/negative_duration.yaml policies=lifo

METHOD is Run, Compare or Validate (burnrate.v1.Simulator, proto/burnrate/v1/simulator.proto).
Each FIELD=VALUE sets one field of the RunRequest / ValidateRequest, by its proto name:

    scenario_yaml=@FILE    the text of FILE (read here, on the client); scenario_yaml=TEXT: TEXT
    scenario=@FILE         FILE in protobuf text format, parsed here into a burnrate.v1.Scenario
    policies=NAME          appended; repeat for several
    seed=N, progress_interval_s=X
    padding_mb=N           (not a field) appends a YAML comment of N MiB to scenario_yaml, to
                           make a request larger than the server's --max-request-mb

Prints on stdout the status code's name on the first line (OK, INVALID_ARGUMENT, ...), then its
details (the server's message) as they are. Exit code: 0 when the server answered (whatever the
status), 2 for a usage error or an unreadable local file, 1 when the stubs cannot be imported.
"""

import os
import sys

PROG = "grpc_call.py"
USAGE = (f"usage: {PROG} --server HOST:PORT [--stubs DIR] [--timeout S] "
         "Run|Compare|Validate FIELD=VALUE...")


def usage_error(message):
    sys.stderr.write(f"{PROG}: {message}\n{USAGE}\n")
    sys.exit(2)


def read_file(path):
    try:
        with open(path, "r", encoding="utf-8") as f:
            return f.read()
    except OSError as e:
        usage_error(f"{path}: cannot read: {e.strerror}")


def main(argv):
    server, stubs, timeout = None, None, 20.0
    rest = []
    i = 0
    while i < len(argv):
        a = argv[i]
        if a in ("--server", "--stubs", "--timeout"):
            if i + 1 >= len(argv):
                usage_error(f"{a} needs a value")
            value = argv[i + 1]
            i += 2
            if a == "--server":
                server = value
            elif a == "--stubs":
                stubs = value
            else:
                timeout = float(value)
            continue
        rest.append(a)
        i += 1
    if server is None:
        server = os.environ.get("BURNRATE_SERVER")
    if server is None:
        usage_error("no --server (or BURNRATE_SERVER)")
    if not rest:
        usage_error("no METHOD")
    method, fields = rest[0], rest[1:]
    if method not in ("Run", "Compare", "Validate"):
        usage_error(f"unknown method {method!r}; Run, Compare or Validate")

    if stubs:
        sys.path.insert(0, stubs)
    try:
        import grpc
        from google.protobuf import text_format
        from burnrate.v1 import scenario_pb2, simulator_pb2, simulator_pb2_grpc
    except ImportError as e:
        sys.stderr.write(f"{PROG}: cannot import {e.name or e}: needs grpcio, protobuf and the "
                         "stubs the build writes to build/python (--stubs DIR)\n")
        sys.exit(1)

    request = (simulator_pb2.ValidateRequest() if method == "Validate"
               else simulator_pb2.RunRequest())
    padding = 0
    for field in fields:
        name, eq, value = field.partition("=")
        if not eq:
            usage_error(f"{field!r}: expected FIELD=VALUE")
        if name == "scenario_yaml":
            request.scenario_yaml = read_file(value[1:]) if value.startswith("@") else value
        elif name == "scenario":
            text = read_file(value[1:]) if value.startswith("@") else value
            scenario = scenario_pb2.Scenario()
            try:
                text_format.Parse(text, scenario)
            except text_format.ParseError as e:
                usage_error(f"{value}: not a burnrate.v1.Scenario in text format: {e}")
            request.scenario.CopyFrom(scenario)
        elif name == "policies":
            request.policies.append(value)
        elif name == "seed" and method != "Validate":
            request.seed = int(value)
        elif name == "progress_interval_s" and method != "Validate":
            request.progress_interval_s = float(value)
        elif name == "padding_mb":
            padding = int(float(value) * 1024 * 1024)
        else:
            usage_error(f"unknown field {name!r} for {method}")
    if padding:
        line = "#" + "x" * 1023 + "\n"
        request.scenario_yaml += "\n" + line * (padding // len(line) + 1)

    channel = grpc.insecure_channel(server, options=[
        ("grpc.max_send_message_length", -1), ("grpc.max_receive_message_length", -1)])
    stub = simulator_pb2_grpc.SimulatorStub(channel)
    try:
        if method == "Validate":
            stub.Validate(request, timeout=timeout)
        else:
            call = stub.Run if method == "Run" else stub.Compare
            for _ in call(request, timeout=timeout):
                pass
        print("OK")
    except grpc.RpcError as e:
        print(e.code().name)
        print(e.details() or "")
    finally:
        channel.close()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

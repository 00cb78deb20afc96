#!/usr/bin/env bash
# docs/bad-inputs.md is the catalogue of bad inputs and what burnrate says about each; this test
# runs it, row by row, so the page cannot drift from the program.
#
# For every table row (name | input | command | exit | message):
#   - a `burnrate ...` command (optionally after VAR=value assignments) runs with `burnrate`
#     replaced by the binary under test, in a scratch directory that links the repository's
#     examples/ and tests/ and holds the page's inline files (fenced blocks whose info string
#     says file=NAME); its exit code must equal the row's, its stdout must be empty, its stderr
#     must contain the row's message exactly, and it must create no file (neither the outputs
#     its flags name nor anything else in the scratch directory);
#   - a `grpc METHOD FIELD=VALUE...` command goes through tests/cli/grpc_call.py to a
#     `burnrate serve` started as the page's ```sh server``` block says; the status code must be
#     the row's and the status details must contain the row's message.
# The page's ```sh setup``` block runs first (e.g. a half-done sweep for the merge rows).
# Fails when the page has fewer than MIN_ROWS rows, a row cannot be parsed, or two rows share a
# name. gRPC rows are skipped (exit 77 if everything else passed) when /usr/bin/python3 cannot
# import grpc or the build wrote no Python stubs.
#
# Usage (from ctest): bash tests/cli/bad_inputs_doc_test.sh <path-to-burnrate> <source-dir>
set -u
set -f  # no globbing here: doc commands are split with eval (`bash -c` runs them with globbing)

BIN_ARG=${1:?usage: bad_inputs_doc_test.sh BURNRATE_BINARY SOURCE_DIR}
SRC_ARG=${2:?usage: bad_inputs_doc_test.sh BURNRATE_BINARY SOURCE_DIR}
BIN="$(cd "$(dirname "$BIN_ARG")" && pwd)/$(basename "$BIN_ARG")"
SRC="$(cd "$SRC_ARG" && pwd)"
DOC="$SRC/docs/bad-inputs.md"
PY=/usr/bin/python3
HELPER="$SRC/tests/cli/grpc_call.py"
STUBS="$(dirname "$BIN")/python"
MIN_ROWS=40
ROW_TIMEOUT=${ROW_TIMEOUT:-20}  # seconds; a row still running then is a hang, and fails
export BURNRATE_BIN="$BIN" PYTHONDONTWRITEBYTECODE=1

started=$(date +%s%N)
failures=0
fail() {
  failures=$((failures + 1))
  printf 'FAIL: %s\n' "$*"
}
die() {
  printf 'FAIL: %s\n' "$*"
  exit 1
}

[ -x "$BIN" ] || die "$BIN is not an executable"
[ -f "$DOC" ] || die "$DOC does not exist"

TMP=$(mktemp -d "${TMPDIR:-/tmp}/burnrate_bad_doc.XXXXXX") || exit 1
WORK="$TMP/work"  # the commands' current directory
mkdir "$WORK"
ln -s "$SRC/examples" "$WORK/examples"
ln -s "$SRC/tests" "$WORK/tests"
SERVER_PID=""
cleanup() {
  if [ -n "$SERVER_PID" ]; then
    kill -TERM "$SERVER_PID" 2>/dev/null
    for _ in $(seq 40); do kill -0 "$SERVER_PID" 2>/dev/null || break; sleep 0.05; done
    kill -KILL "$SERVER_PID" 2>/dev/null
  fi
  rm -rf "$TMP"
}
trap cleanup EXIT

# ---------------------------------------------------------------------------------------------
# Parse the page.

trim() {
  local s=$1
  s=${s#"${s%%[![:space:]]*}"}
  s=${s%"${s##*[![:space:]]}"}
  printf '%s' "$s"
}

# A cell as written: a code span (`code`, ``code with ` inside``, `` `code` ``: CommonMark
# strips one space on each side when both sides have one) or plain text. (\| was turned into |
# by the caller.)
unwrap() {
  local s=$1 ticks=""
  while [[ ${s:${#ticks}:1} == '`' ]]; do ticks+='`'; done
  if [ -n "$ticks" ] && [ ${#s} -ge $((2 * ${#ticks})) ] && [[ $s == *"$ticks" ]]; then
    s=${s:${#ticks}:${#s}-2*${#ticks}}
    if [[ $s == ' '*' ' && $s == *[![:space:]]* ]]; then s=${s:1:${#s}-2}; fi
  fi
  printf '%s' "$s"
}

NAMES=() INPUTS=() COMMANDS=() EXITS=() MESSAGES=() LINES=()
SETUP=()
SERVER_CMD=""
fence=""        # "" outside a fenced block, else its info string
fence_file=""   # file=NAME of the block being read
fence_text=""
in_table=0
lineno=0
parse_errors=0
parse_error() {
  parse_errors=$((parse_errors + 1))
  printf 'FAIL: %s:%d: %s\n' "docs/bad-inputs.md" "$lineno" "$*"
}

while IFS= read -r line || [ -n "$line" ]; do
  lineno=$((lineno + 1))
  if [ -n "$fence" ]; then
    if [[ $line =~ ^\`\`\`[[:space:]]*$ ]]; then
      if [ -n "$fence_file" ]; then
        [ -e "$WORK/$fence_file" ] && parse_error "inline file $fence_file is given twice"
        mkdir -p "$(dirname "$WORK/$fence_file")"
        printf '%s' "$fence_text" >"$WORK/$fence_file"
      fi
      fence="" fence_file="" fence_text=""
      continue
    fi
    if [ -n "$fence_file" ]; then
      fence_text+="$line"$'\n'
    elif [[ $fence =~ ^sh[[:space:]]+setup ]]; then
      [[ $line =~ ^[[:space:]]*(#|$) ]] || SETUP+=("$line")
    elif [[ $fence =~ ^sh[[:space:]]+server ]]; then
      [[ $line =~ ^[[:space:]]*(#|$) ]] || SERVER_CMD=$line
    fi
    continue
  fi
  if [[ $line =~ ^\`\`\`(.*)$ ]]; then
    fence=$(trim "${BASH_REMATCH[1]}")
    [ -z "$fence" ] && fence="-"
    if [[ $fence =~ (^|[[:space:]])file=([^[:space:]]+) ]]; then
      fence_file=${BASH_REMATCH[2]}
      if [[ $fence_file == /* || $fence_file == *..* ]]; then
        parse_error "inline file name $fence_file must be relative, without .."
        fence_file=""
      fi
    fi
    in_table=0
    continue
  fi
  if [[ $line != '|'* ]]; then
    in_table=0
    continue
  fi
  # A table row: split on unescaped |.
  row=${line//\\|/$'\x01'}
  row=$(trim "$row")
  row=${row#|}
  row=${row%|}
  IFS='|' read -r -a cells <<<"$row"
  for i in "${!cells[@]}"; do
    cell=$(trim "${cells[$i]}")
    cells[i]=${cell//$'\x01'/|}
  done
  if [ $in_table -eq 0 ]; then  # the header
    if [ "${#cells[@]}" -ne 5 ] || [ "${cells[0]}" != name ] || [ "${cells[1]}" != input ] ||
       [ "${cells[2]}" != command ] || [ "${cells[3]}" != exit ] || [ "${cells[4]}" != message ]; then
      parse_error "a table's header must be | name | input | command | exit | message |; got: $line"
    fi
    in_table=1
    continue
  fi
  if [[ ${cells[0]} =~ ^:?-+:?$ ]]; then continue; fi  # the separator
  if [ "${#cells[@]}" -ne 5 ]; then
    parse_error "a row needs 5 cells (name | input | command | exit | message), got ${#cells[@]}: $line"
    continue
  fi
  name=$(unwrap "${cells[0]}")
  command=$(unwrap "${cells[2]}")
  code=$(unwrap "${cells[3]}")
  message=$(unwrap "${cells[4]}")
  if [ -z "$name" ]; then parse_error "a row without a name"; continue; fi
  if [[ $command =~ ^grpc[[:space:]]+(Run|Compare|Validate)([[:space:]]|$) ]]; then
    [[ $code =~ ^[A-Z_]+$ ]] || { parse_error "$name: a gRPC row's exit is a status code name, got '$code'"; continue; }
  elif [[ $command =~ ^([A-Za-z_][A-Za-z0-9_]*=[^[:space:]]*[[:space:]]+)*burnrate([[:space:]]|$) ]]; then
    [[ $code =~ ^[0-9]+$ ]] || { parse_error "$name: exit must be a number, got '$code'"; continue; }
  else
    parse_error "$name: the command must start with \`burnrate\` (after VAR=value) or \`grpc Run|Compare|Validate\`; got: $command"
    continue
  fi
  [ -n "$message" ] || { parse_error "$name: no message"; continue; }
  for seen in "${NAMES[@]+"${NAMES[@]}"}"; do
    [ "$seen" = "$name" ] && parse_error "two rows are named $name"
  done
  NAMES+=("$name") INPUTS+=("$(unwrap "${cells[1]}")") COMMANDS+=("$command")
  EXITS+=("$code") MESSAGES+=("$message") LINES+=("$lineno")
done <"$DOC"

[ -n "$fence" ] && parse_error "a fenced block is not closed"
rows=${#NAMES[@]}
[ "$parse_errors" -eq 0 ] || die "$parse_errors problem(s) parsing docs/bad-inputs.md"
[ "$rows" -ge "$MIN_ROWS" ] || die "docs/bad-inputs.md has $rows rows; at least $MIN_ROWS expected"
echo "docs/bad-inputs.md: $rows rows"

# ---------------------------------------------------------------------------------------------
# Running commands.

# `burnrate ...` (after VAR=value words) with the binary in its place.
shell_command() {
  local c=$1
  [[ $c =~ ^(([A-Za-z_][A-Za-z0-9_]*=[^[:space:]]*[[:space:]]+)*)burnrate(([[:space:]].*)?)$ ]] || return 1
  # shellcheck disable=SC2016  # $BURNRATE_BIN is expanded by the `bash -c` that runs this
  printf '%s"$BURNRATE_BIN"%s' "${BASH_REMATCH[1]}" "${BASH_REMATCH[3]}"
}

# The outputs a command's flags name (--json, --report, --csv, --out/-o/--output, --state-dir).
output_paths() {
  local c=$1 words=() i w
  c=${c#*burnrate}
  eval "words=($c)" 2>/dev/null || return 0
  for ((i = 0; i < ${#words[@]}; i++)); do
    w=${words[$i]}
    case $w in
      --json | --report | --csv | --out | -o | --output | --state-dir)
        [ $((i + 1)) -lt ${#words[@]} ] && printf '%s\n' "${words[$((i + 1))]}" ;;
      --json=* | --report=* | --csv=* | --out=* | --output=* | --state-dir=*)
        printf '%s\n' "${w#*=}" ;;
    esac
  done
}

# Every file and directory in the scratch directory (not inside the links: outputs a row names
# under examples/ or tests/ are checked by name, as every named output is).
snapshot() {
  (cd "$WORK" && find . -path ./examples -prune -o -path ./tests -prune -o -print | sort)
}

for ((k = 0; k < ${#SETUP[@]}; k++)); do
  setup=${SETUP[$k]}
  sh_cmd=$(shell_command "$setup") || die "setup line is not a burnrate command: $setup"
  (cd "$WORK" && timeout "$ROW_TIMEOUT" bash -c "$sh_cmd") </dev/null >"$TMP/setup.out" 2>"$TMP/setup.err" ||
    die "setup failed: $setup
$(cat "$TMP/setup.out" "$TMP/setup.err")"
  echo "setup: $setup"
done

# gRPC rows need python3 with grpc, the stubs and a server.
grpc_rows=0
for c in "${COMMANDS[@]}"; do [[ $c == grpc* ]] && grpc_rows=$((grpc_rows + 1)); done
GRPC_SKIP=""
if [ "$grpc_rows" -gt 0 ]; then
  if [ ! -x "$PY" ] || ! "$PY" -c 'import grpc, google.protobuf' 2>/dev/null; then
    GRPC_SKIP="$PY cannot import grpc and google.protobuf (install python3-grpcio python3-protobuf)"
  elif [ ! -f "$STUBS/burnrate/v1/simulator_pb2_grpc.py" ]; then
    GRPC_SKIP="no Python stubs in $STUBS (CMake generates them when grpc_python_plugin is installed)"
  elif [ -z "$SERVER_CMD" ]; then
    die "docs/bad-inputs.md has gRPC rows but no \`\`\`sh server\`\`\` block"
  else
    sh_cmd=$(shell_command "$SERVER_CMD") || die "the server block is not a burnrate command: $SERVER_CMD"
    [[ $SERVER_CMD == *"--listen 127.0.0.1:0"* ]] || die "the server block must listen on 127.0.0.1:0"
    (cd "$WORK" && exec bash -c "exec $sh_cmd") </dev/null >"$TMP/server.out" 2>"$TMP/server.err" &
    SERVER_PID=$!
    PORT=""
    for _ in $(seq 200); do
      PORT=$(sed -n 's/^burnrate serve: listening on 127\.0\.0\.1:\([0-9][0-9]*\) .*/\1/p' "$TMP/server.out")
      [ -n "$PORT" ] && break
      kill -0 "$SERVER_PID" 2>/dev/null || break
      sleep 0.05
    done
    [ -n "$PORT" ] || die "the server did not print its port within 10 s: $(cat "$TMP/server.out" "$TMP/server.err")"
    echo "server: $SERVER_CMD (port $PORT)"
  fi
fi

skipped=0
for ((r = 0; r < rows; r++)); do
  name=${NAMES[$r]} command=${COMMANDS[$r]} want_code=${EXITS[$r]} want=${MESSAGES[$r]}
  where="docs/bad-inputs.md:${LINES[$r]}: $name"
  before=$(snapshot)
  if [[ $command == grpc* ]]; then
    if [ -n "$GRPC_SKIP" ]; then
      skipped=$((skipped + 1))
      continue
    fi
    args=()
    eval "args=(${command#grpc})" 2>/dev/null || { fail "$where: cannot split the command into words"; continue; }
    (cd "$WORK" && timeout "$ROW_TIMEOUT" "$PY" "$HELPER" --server "127.0.0.1:$PORT" --stubs "$STUBS" \
      "${args[@]}") </dev/null >"$TMP/out" 2>"$TMP/err"
    rc=$?
    ok=1
    if [ "$rc" -ne 0 ]; then
      fail "$where: grpc_call.py exited $rc (124: timed out); stderr: $(cat "$TMP/err")"
      continue
    fi
    got_code=$(head -n 1 "$TMP/out")
    details=$(tail -n +2 "$TMP/out")
    if [ "$got_code" != "$want_code" ]; then
      fail "$where: status $got_code, expected $want_code; details: $details"
      ok=0
    fi
    if [[ $details != *"$want"* ]]; then
      fail "$where: the status details do not contain the expected text"
      printf '  - expected: %s\n  + details:  %s\n' "$want" "$details"
      ok=0
    fi
    [ -s "$TMP/err" ] && { fail "$where: grpc_call.py wrote to stderr: $(cat "$TMP/err")"; ok=0; }
  else
    sh_cmd=$(shell_command "$command")
    outputs=()
    while IFS= read -r p; do [ -n "$p" ] && outputs+=("$p"); done < <(output_paths "$command")
    existed=()
    for p in ${outputs[@]+"${outputs[@]}"}; do
      if (cd "$WORK" && [ -e "$p" ]); then existed+=(1); else existed+=(0); fi
    done
    (cd "$WORK" && timeout "$ROW_TIMEOUT" bash -c "$sh_cmd") </dev/null >"$TMP/out" 2>"$TMP/err"
    rc=$?
    ok=1
    if [ "$rc" -eq 124 ]; then
      fail "$where: still running after $ROW_TIMEOUT s (a hang?)"
      ok=0
    elif [ "$rc" -ne "$want_code" ]; then
      fail "$where: exit code $rc, expected $want_code"
      ok=0
    fi
    if [ -s "$TMP/out" ]; then
      fail "$where: stdout must be empty; got: $(head -c 400 "$TMP/out")"
      ok=0
    fi
    if [[ $(cat "$TMP/err") != *"$want"* ]]; then
      fail "$where: stderr does not contain the expected text"
      printf '  - expected: %s\n' "$want"
      sed 's/^/  + stderr:   /' "$TMP/err" | head -20
      ok=0
    fi
    for i in "${!outputs[@]}"; do
      if [ "${existed[$i]}" -eq 0 ] && (cd "$WORK" && [ -e "${outputs[$i]}" ]); then
        fail "$where: the failed command created its output ${outputs[$i]}"
        ok=0
      fi
    done
  fi
  after=$(snapshot)
  if [ "$before" != "$after" ]; then
    fail "$where: the command created or removed files: $(diff <(echo "$before") <(echo "$after") | grep '^[<>]' | head -5 | tr '\n' ' ')"
    ok=0
    # Start the next row from the same state.
    comm -13 <(echo "$before") <(echo "$after") | (cd "$WORK" && xargs -r rm -rf --)
  fi
  [ "$ok" -eq 1 ] && printf 'ok: %s\n' "$name"
done


if [ -n "$SERVER_PID" ] && ! kill -0 "$SERVER_PID" 2>/dev/null; then
  fail "the gRPC server died during the rows; its stderr: $(tail -c 2000 "$TMP/server.err")"
fi

ms=$((($(date +%s%N) - started) / 1000000))
if [ "$failures" -gt 0 ]; then
  echo "$failures failure(s) in $rows rows ($ms ms)"
  exit 1
fi
if [ "$skipped" -gt 0 ]; then
  echo "SKIPPED: $skipped gRPC row(s): $GRPC_SKIP; the other $((rows - skipped)) rows passed ($ms ms)"
  exit 77
fi
echo "all $rows rows of docs/bad-inputs.md passed ($ms ms)"

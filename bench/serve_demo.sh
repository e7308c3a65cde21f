# Shared by bench/soak and bench/http-get (sourced, not run): a Release
# `lumbung serve` on a fresh demo ledger on loopback.
#
# After `serve_demo_prepare`: $lumbung (the binary), $work (a temporary
# folder, removed on exit), $data (the ledger, closed: the CLI can read it),
# $token (an officer token). After `serve_demo_serve PORT` (or
# `serve_demo_start PORT`, both): $server (the server's pid). LUMBUNG_BENCH_BUILD picks the Release build
# folder (default build/release), LUMBUNG_BENCH_IO_THREADS the server's
# I/O threads (default: the server's own default).

serve_demo_build() {
  local build="${LUMBUNG_BENCH_BUILD:-${LUMBUNG_SOAK_BUILD:-build/release}}"
  if [ ! -f "$build/build.ninja" ]; then
    cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DLUMBUNG_BUILD_TESTS=OFF \
      -DLUMBUNG_BUILD_BENCH=OFF >/dev/null
  fi
  cmake --build "$build" --target lumbung -j "$(nproc)"
  lumbung="$build/cli/lumbung"
}

serve_demo_cleanup() {
  if [ -n "${server:-}" ]; then kill "$server" 2>/dev/null || true; fi
  rm -rf "$work"
}

serve_demo_prepare() {
  serve_demo_build
  work="$(mktemp -d "${TMPDIR:-/tmp}/lumbung-bench.XXXXXX")"
  server=""
  trap serve_demo_cleanup EXIT
  data="$work/data"
  "$lumbung" demo --data "$data" >/dev/null
  token="$("$lumbung" token add --data "$data" --role officer 2>/dev/null)"
}

serve_demo_serve() {
  local port="$1"
  "$lumbung" serve --data "$data" --listen "127.0.0.1:$port" \
    ${LUMBUNG_BENCH_IO_THREADS:+--threads "$LUMBUNG_BENCH_IO_THREADS"} 2>"$work/serve.log" &
  server=$!
  for _ in $(seq 100); do
    curl -fs "http://127.0.0.1:$port/healthz" >/dev/null && return 0
    sleep 0.1
  done
  echo "the server did not start: $(tail -3 "$work/serve.log")" >&2
  return 1
}

serve_demo_start() {
  serve_demo_prepare
  serve_demo_serve "$1"
}

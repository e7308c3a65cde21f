-- wrk script for bench/http-get: GET requests cycling through the paths
-- listed in the file $BENCH_PATHS (one per line), with $BENCH_TOKEN as the
-- bearer token. Prints one machine-readable result line at the end.

local token = os.getenv("BENCH_TOKEN")
local paths = {}
for line in io.lines(os.getenv("BENCH_PATHS")) do
  paths[#paths + 1] = line
end
local requests_built = {}
local next_request = 0

-- The requests are formatted once, so the client spends its time on the
-- wire, not in Lua (it shares the machine with the server).
function init(args)
  wrk.headers["Authorization"] = "Bearer " .. token
  for i, path in ipairs(paths) do
    requests_built[i] = wrk.format("GET", path)
  end
end

function request()
  next_request = next_request % #requests_built + 1
  return requests_built[next_request]
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("result req_s=%.0f p50_us=%d p99_us=%d errors=%d\n",
    summary.requests / (summary.duration / 1e6), latency:percentile(50),
    latency:percentile(99), e.connect + e.read + e.write + e.status + e.timeout))
end

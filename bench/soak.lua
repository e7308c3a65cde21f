-- wrk script for bench/soak: mixed reads and batched writes against
-- `lumbung serve`. Every 10th request is a POST of a batch of events; the
-- rest read balances, programmes and checkpoints. Event ids are unique per
-- thread and request, so each acknowledged batch adds exactly BATCH events.
-- Status counts per thread are printed at the end for the script to check.

local token = os.getenv("SOAK_TOKEN")
local batch_events = tonumber(os.getenv("SOAK_BATCH") or "100")
local threads = {}
local counter = 0

function setup(thread)
  counter = counter + 1
  thread:set("id", counter)
  table.insert(threads, thread)
end

function init(args)
  requests = 0
  ok_posts = 0
  busy = 0
  other = 0
  reads = 0
  wrk.headers["Authorization"] = "Bearer " .. token
  wrk.headers["Content-Type"] = "application/json"
end

local paths = {
  "/v1/accounts/program:pkh-2026",
  "/v1/accounts/program:blt-dd-2026",
  "/v1/programs/pkh-2026",
  "/v1/checkpoint",
  "/v1/accounts/program:kube-2026",
  "/v1/entries?from=1000&limit=20",
}

function request()
  requests = requests + 1
  if requests % 10 == 0 then
    local events = {}
    for i = 1, batch_events do
      events[i] = string.format(
        '{"type":"FundsAllocated","event_id":"soak-%d-%d-%d","effective_date":"2026-12-31",' ..
        '"program_id":"kube-2026","funder":"soak","amount":1,"reference":"soak"}',
        id, requests, i)
    end
    return wrk.format("POST", "/v1/events", nil, "[" .. table.concat(events, ",") .. "]")
  end
  return wrk.format("GET", paths[(requests % #paths) + 1])
end

function response(status, headers, body)
  if status == 200 or status == 201 then
    if string.sub(body, 1, 1) == "[" or string.find(body, '"receipt"', 1, true) then
      if string.find(body, '"seq"', 1, true) and string.find(body, 'soak-', 1, true) then
        ok_posts = ok_posts + 1
      else
        reads = reads + 1
      end
    else
      reads = reads + 1
    end
  elseif status == 503 then
    busy = busy + 1
  else
    other = other + 1
    if other <= 3 then io.stderr:write("soak: status " .. status .. ": " .. body .. "\n") end
  end
end

function done(summary, latency, requests)
  local posts, b, o, r = 0, 0, 0, 0
  for _, t in ipairs(threads) do
    posts = posts + t:get("ok_posts")
    b = b + t:get("busy")
    o = o + t:get("other")
    r = r + t:get("reads")
  end
  io.write(string.format("SOAK acked_posts=%d busy=%d other=%d reads=%d\n", posts, b, o, r))
  io.write(string.format("SOAK latency_p50_ms=%.2f p99_ms=%.2f\n",
                         latency:percentile(50) / 1000, latency:percentile(99) / 1000))
end

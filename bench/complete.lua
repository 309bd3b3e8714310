-- wrk script for "mark step complete": POSTs, each to a different (learner, step) pair.
--
-- wrk 4.1 always runs for its whole -d (thread:stop() ends the requests, not the clock),
-- so this script reports its own "seconds" (first request sent to last answer received);
-- requests/s is answered / seconds.
--
-- wrk ... -s complete.lua URL -- PAIRS_FILE FIRST LAST SECONDS USER_AGENT
--
-- PAIRS_FILE holds one "path<TAB>cookie<TAB>csrf-token" line per not-yet-done step of a
-- signed-in learner. Lines FIRST..LAST are posted in order, each once. After SECONDS (or
-- when the list runs out) no new request is sent, the requests in flight are answered,
-- then the thread stops: so every request counted was answered, and the rows the server
-- wrote can be compared exactly with the successes counted here.
local ffi = require("ffi")
ffi.cdef [[
typedef struct { long tv_sec; long tv_nsec; } lms_bench_timespec;
int clock_gettime(int clk_id, lms_bench_timespec *tp);
]]
local ts = ffi.new("lms_bench_timespec")
local function now()
  ffi.C.clock_gettime(1, ts) -- CLOCK_MONOTONIC
  return tonumber(ts.tv_sec) + tonumber(ts.tv_nsec) * 1e-9
end

-- globals, so that done() can read them with thread:get()
requests = {}
available, next_index, issued, answered, ok, failed = 0, 0, 0, 0, 0, 0
statuses = {}
seconds, deadline, draining = 10, nil, false
first_sent, last_answer = nil, nil

function init(args)
  local path, first, last = args[1], tonumber(args[2]), tonumber(args[3])
  seconds = tonumber(args[4])
  local agent = args[5]
  local n = 0
  for line in io.lines(path) do
    n = n + 1
    if n >= first and n <= last then
      local url, cookie, token = line:match("^([^\t]+)\t([^\t]+)\t([^\t]+)$")
      requests[#requests + 1] = wrk.format("POST", url, {
        ["Cookie"] = cookie,
        ["User-Agent"] = agent,
        ["Content-Type"] = "application/x-www-form-urlencoded",
      }, "csrf_token=" .. token)
    end
  end
  available = #requests
end

local function finish_if_drained()
  if draining and answered >= issued then
    wrk.thread:stop()
  end
end

function delay()
  if deadline == nil then
    deadline = now() + seconds
  end
  if next_index >= #requests or now() >= deadline then
    draining = true
    finish_if_drained()
    return 3600 * 1000 -- send nothing more; the thread stops once the last answer is in
  end
  return 0
end

function request()
  if deadline == nil then
    -- wrk calls request() once at start-up to check it; nothing is sent then
    return requests[1]
  end
  next_index = next_index + 1
  issued = issued + 1
  if first_sent == nil then
    first_sent = now()
  end
  return requests[next_index]
end

function response(status, headers, body)
  answered = answered + 1
  last_answer = now()
  statuses[status] = (statuses[status] or 0) + 1
  if status >= 200 and status < 400 then
    ok = ok + 1
  else
    failed = failed + 1
  end
  finish_if_drained()
end

local threads = {}
function setup(thread)
  table.insert(threads, thread)
end

function done(summary, latency, requests_)
  for _, thread in ipairs(threads) do
    local codes = {}
    for code, count in pairs(thread:get("statuses")) do
      table.insert(codes, string.format('"%d": %d', code, count))
    end
    io.write(string.format(
      'BENCH_JSON {"issued": %d, "answered": %d, "ok": %d, "failed": %d, "available": %d, ' ..
      '"seconds": %.4f, ' ..
      '"exhausted": %s, "statuses": {%s}}\n',
      thread:get("issued"), thread:get("answered"), thread:get("ok"), thread:get("failed"),
      thread:get("available"),
      (thread:get("last_answer") or 0) - (thread:get("first_sent") or 0),
      tostring(thread:get("next_index") >= thread:get("available")),
      table.concat(codes, ", ")))
  end
end

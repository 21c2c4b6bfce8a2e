-- wrk script for bench/run.py.
--
-- Usage: wrk -s bench/load.lua ... -- <requests file> <mode>
--   requests file: one request per line, "METHOD<TAB>PATH<TAB>BODY" (BODY optional, JSON);
--                  BENCH_TOKEN in the environment becomes the Bearer token.
--   mode: "cycle"  requests are sent round-robin for the whole duration;
--         "once"   each request is sent at most once (cache-cold runs, payments on distinct
--                  invoices): a thread stops when its share of the list is used up.
-- Lines are split between threads (line i goes to thread i mod threads), so two threads never
-- send the same "once" request. done() prints one line "BENCHJSON {...}" for run.py to parse.

local ffi = require("ffi")
ffi.cdef [[
  typedef struct { long tv_sec; long tv_usec; } bench_timeval;
  int gettimeofday(bench_timeval *tv, void *tz);
]]
local tv = ffi.new("bench_timeval")
local function now_us()
  ffi.C.gettimeofday(tv, nil)
  return tonumber(tv.tv_sec) * 1000000 + tonumber(tv.tv_usec)
end

local threads = {}
local thread_count = 0

function setup(thread)
  thread_count = thread_count + 1
  thread:set("tid", thread_count)
  table.insert(threads, thread)
end

function init(args)
  local path, nthreads = args[1], tonumber(args[3])
  once = args[2] == "once"
  local token = os.getenv("BENCH_TOKEN")
  local base = {}
  if token and token ~= "" then base["Authorization"] = "Bearer " .. token end
  reqs = {}
  local i = 0
  for line in io.lines(path) do
    if line ~= "" then
      if i % nthreads == tid - 1 then
        local method, p, body = line:match("^([^\t]+)\t([^\t]+)\t?(.*)$")
        local headers = {}
        for k, v in pairs(base) do headers[k] = v end
        if body == "" then
          body = nil
        else
          headers["Content-Type"] = "application/json"
        end
        table.insert(reqs, wrk.format(method, p, headers, body))
      end
      i = i + 1
    end
  end
  nreqs = #reqs
  idx = 0
  responses = 0
  statuses = {}
  queries_sum = 0
  queries_n = 0
  queries_max = 0
  t_start = now_us()
  t_last = t_start
end

function request()
  if #reqs == 0 then
    wrk.thread:stop()
    return wrk.format("GET", "/health")
  end
  idx = idx % #reqs + 1
  return reqs[idx]
end

function response(status, headers, body)
  t_last = now_us()
  responses = responses + 1
  local key = tostring(status)
  statuses[key] = (statuses[key] or 0) + 1
  local q = headers["X-DB-Queries"] or headers["x-db-queries"]
  if q then
    q = tonumber(q)
    queries_sum = queries_sum + q
    queries_n = queries_n + 1
    if q > queries_max then queries_max = q end
  end
  if once and responses >= #reqs then
    wrk.thread:stop()
  end
end

function done(summary, latency, requests)
  local agg = {}
  local t0, t1 = nil, 0
  local qsum, qn, qmax, nresp, listed = 0, 0, 0, 0, 0
  for _, thread in ipairs(threads) do
    local st = thread:get("statuses") or {}
    for k, v in pairs(st) do agg[k] = (agg[k] or 0) + v end
    local s, l = thread:get("t_start"), thread:get("t_last")
    if s and (t0 == nil or s < t0) then t0 = s end
    if l and l > t1 then t1 = l end
    qsum = qsum + (thread:get("queries_sum") or 0)
    qn = qn + (thread:get("queries_n") or 0)
    qmax = math.max(qmax, thread:get("queries_max") or 0)
    nresp = nresp + (thread:get("responses") or 0)
    listed = listed + (thread:get("nreqs") or 0)
  end
  local parts = {}
  for k, v in pairs(agg) do table.insert(parts, string.format('"%s": %d', k, v)) end
  local e = summary.errors
  io.write(string.format(
    'BENCHJSON {"requests": %d, "responses": %d, "listed": %d, "duration_us": %d, "active_us": %d, '
      .. '"errors": {"connect": %d, "read": %d, "write": %d, "status": %d, "timeout": %d}, '
      .. '"statuses": {%s}, "queries_sum": %d, "queries_n": %d, "queries_max": %d, '
      .. '"latency_us": {"min": %d, "mean": %.1f, "max": %d, "p50": %d, "p90": %d, "p95": %d, "p99": %d}}\n',
    summary.requests, nresp, listed, summary.duration, (t1 - (t0 or t1)),
    e.connect, e.read, e.write, e.status, e.timeout,
    table.concat(parts, ", "), qsum, qn, qmax,
    latency.min, latency.mean, latency.max, latency:percentile(50), latency:percentile(90),
    latency:percentile(95), latency:percentile(99)))
end

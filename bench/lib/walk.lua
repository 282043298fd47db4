-- wrk script of the scan benchmarks: each thread walks its own share of the paths in
-- $PATHS ($THREADS threads; wrk numbers them in `setup`), so no path is requested twice
-- until a thread has walked its share; prints the requests made and $COUNT. $ENCODING, when
-- set, is sent as Accept-Encoding.
local threads = 0
function setup(thread)
  thread:set("id", threads)
  threads = threads + 1
end
function init(args)
  paths = {}
  for line in io.lines(os.getenv("PATHS")) do paths[#paths + 1] = line end
  span = math.floor(#paths / tonumber(os.getenv("THREADS")))
  first, i = id * span, 0
  headers = { ["Accept"] = "text/html" }
  local encoding = os.getenv("ENCODING")
  if encoding and encoding ~= "" then headers["Accept-Encoding"] = encoding end
end
function request()
  local p = paths[first + (i % span) + 1]
  i = i + 1
  return wrk.format("GET", p, headers)
end
function done(summary, latency, requests)
  io.write(string.format("requests: %d (stamps: %s)\n", summary.requests, os.getenv("COUNT")))
end

-- wrk script for casegraph: each line of $BODYFILE is "TOKEN<TAB>JSON BODY"; requests cycle
-- through the lines, each with its own bearer token. Prints one SUMMARY line like the anchor's.
local path = os.getenv("BODYFILE")
local reqs, idx = {}, 0

function init(args)
  for line in io.lines(path) do
    local tok, body = line:match("^([^\t]+)\t(.+)$")
    if tok then
      reqs[#reqs + 1] = wrk.format("POST", nil, {
        ["Content-Type"] = "application/json", ["Accept"] = "application/json",
        ["Authorization"] = "Bearer " .. tok }, body)
    end
  end
  math.randomseed(os.time() + tonumber(tostring({}):sub(8), 16) % 100000)
  idx = math.random(#reqs) - 1
end

function request()
  idx = idx % #reqs + 1
  return reqs[idx]
end

function done(summary, latency, requests)
  local secs = summary.duration / 1e6
  local e = summary.errors
  io.write(string.format(
    "SUMMARY rps=%.0f p50_ms=%.2f p99_ms=%.2f requests=%d non2xx=%d sock_errors=%d\n",
    summary.requests / secs, latency:percentile(50) / 1000, latency:percentile(99) / 1000,
    summary.requests, e.status, e.connect + e.read + e.write + e.timeout))
end

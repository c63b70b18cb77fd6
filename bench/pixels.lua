-- wrk script: each request asks for one of 1000 counters, so batching is measured, not one hot key.
local counters = 1000
local prefix = os.getenv("PIXEL_PREFIX") or "/p/bench/c"
math.randomseed(os.time())
-- PIXEL_DNT=1 sends "DNT: 1" with every pixel (bench/uniques-cost: a privacy signal keeps the visitor out of uniques).
local headers = os.getenv("PIXEL_DNT") == "1" and { ["DNT"] = "1" } or nil
request = function()
  return wrk.format("GET", prefix .. math.random(0, counters - 1), headers)
end

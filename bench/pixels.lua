-- wrk script: each request asks for one of 1000 counters, so batching is measured, not one hot key.
local counters = 1000
local prefix = os.getenv("PIXEL_PREFIX") or "/p/bench/c"
math.randomseed(os.time())
request = function()
  return wrk.format("GET", prefix .. math.random(0, counters - 1))
end

-- GET a random one of the preloaded keys
local keys = tonumber(os.getenv("BENCH_KEYS") or "1000")
local auth = "Bearer " .. os.getenv("BENCH_KEY")
math.randomseed(os.time())
request = function()
  return wrk.format("GET", "/api/v1/cache/bench:" .. math.random(1, keys), { ["Authorization"] = auth })
end

-- GET a random one of the preloaded keys (API_KEY and KEYS come from bench/cache/run.sh)
local keys = tonumber(os.getenv("KEYS") or "1000")
local auth = "Bearer " .. os.getenv("API_KEY")
math.randomseed(os.time())
request = function()
  return wrk.format("GET", "/api/v1/cache/bench:" .. math.random(1, keys), { ["Authorization"] = auth })
end

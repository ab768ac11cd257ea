-- GET <TARGET><a random number from 1 to KEYS> with the API key (API_KEY, KEYS and TARGET come from bench/cache/run.sh):
-- by default a random one of the preloaded keys; TARGET=/api/v1/cache/miss: asks for keys that do not exist, and
-- TARGET=/bench/floor? for the route that does no work (the same request, headers and all).
local keys = tonumber(os.getenv("KEYS") or "1000")
local target = os.getenv("TARGET")
if target == nil or target == "" then target = "/api/v1/cache/bench:" end
local auth = "Bearer " .. os.getenv("API_KEY")
math.randomseed(os.time())
request = function()
  return wrk.format("GET", target .. math.random(1, keys), { ["Authorization"] = auth })
end

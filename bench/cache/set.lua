-- SET a random one of the keys to a 100-byte value (API_KEY and KEYS come from bench/cache/run.sh)
local keys = tonumber(os.getenv("KEYS") or "1000")
local auth = "Bearer " .. os.getenv("API_KEY")
local body = string.rep("x", 100)
math.randomseed(os.time() + 1)
request = function()
  return wrk.format("PUT", "/api/v1/cache/bench:" .. math.random(1, keys),
    { ["Authorization"] = auth, ["Content-Type"] = "application/octet-stream" }, body)
end

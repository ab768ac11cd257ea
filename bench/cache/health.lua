-- GET /q/health/live (no database) with the same API key header as a cache GET (API_KEY comes from bench/cache/run.sh)
local auth = "Bearer " .. os.getenv("API_KEY")
request = function()
  return wrk.format("GET", "/q/health/live", { ["Authorization"] = auth })
end

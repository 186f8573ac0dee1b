-- wrk script for bench/run.sh: PUT of a billing profile with `If-Match: *`.
-- The body is read from the file named by BENCH_PUT_BODY (the real profile as partnerd's
-- GET returned it); the Authorization header comes from wrk's -H option.
local path = os.getenv("BENCH_PUT_BODY")
assert(path, "BENCH_PUT_BODY must name the file holding the PUT body")
local file = assert(io.open(path, "rb"))
local body = file:read("*a")
file:close()

wrk.method = "PUT"
wrk.body = body
wrk.headers["If-Match"] = "*"
wrk.headers["Content-Type"] = "application/json"

-- BENCH_PACE_MS: a steady load below saturation (see pace.lua).
local pace = tonumber(os.getenv("BENCH_PACE_MS") or "0")
if pace > 0 then
    function delay() return pace end
end

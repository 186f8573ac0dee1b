-- wrk script for bench/run.sh's GET cases: with BENCH_PACE_MS set, each connection waits that
-- many milliseconds between requests (put.lua and create.lua do the same).
local pace = tonumber(os.getenv("BENCH_PACE_MS") or "0")
if pace > 0 then
    function delay() return pace end
end

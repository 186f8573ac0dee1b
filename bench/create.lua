-- wrk script for bench/run.sh: creates customers, each request with its own MS-RequestId
-- (so each one writes an idempotency record with its customer) and its own domain.
local counter = 0
local prefix = string.format("%08x", math.random(0, 0x7fffffff) + os.time())

wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"

request = function()
    counter = counter + 1
    local tag = string.format("%s%07d", prefix, counter)
    local body = '{"companyProfile":{"domain":"b' .. tag .. '.onmicrosoft.com"},' ..
        '"billingProfile":{"firstName":"Ada","lastName":"Lovelace","email":"ada@contoso.com",' ..
        '"culture":"en-US","language":"en","companyName":"Bench ' .. tag .. '",' ..
        '"defaultAddress":{"country":"US","city":"Redmond","state":"WA",' ..
        '"addressLine1":"One Microsoft Way","postalCode":"98052","phoneNumber":"4255550100"}}}'
    -- A headers table given to wrk.format replaces wrk.headers (which holds -H's
    -- Authorization), so copy them in.
    local headers = {}
    for name, value in pairs(wrk.headers) do
        headers[name] = value
    end
    headers["MS-RequestId"] = "bench-" .. tag
    return wrk.format(nil, "/v1/customers", headers, body)
end

-- BENCH_PACE_MS: a steady load below saturation (see pace.lua).
local pace = tonumber(os.getenv("BENCH_PACE_MS") or "0")
if pace > 0 then
    function delay() return pace end
end

-- wrk: POST /api/book for random users and seats of one event (BENCH_EVENT, BENCH_SEATS).
local event = os.getenv("BENCH_EVENT") or "bench"
local seats = tonumber(os.getenv("BENCH_SEATS") or "100000")
local counter = 0

request = function()
    counter = counter + 1
    local body = string.format('{"userId":"wrk-%d-%d","eventId":"%s","seatId":"%d"}',
        math.random(1, 1000000000), counter, event, math.random(1, seats))
    return wrk.format("POST", nil, { ["Content-Type"] = "application/json" }, body)
end

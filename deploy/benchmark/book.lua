-- wrk: POST /api/book of random seats of one event (BENCH_EVENT, BENCH_SEATS), each request by one of the
-- synthetic users whose access tokens BENCH_TOKENS holds, one per line (`seatline tokens`).
local event = os.getenv("BENCH_EVENT") or "bench"
local seats = tonumber(os.getenv("BENCH_SEATS") or "100000")
local tokens = {}
local file = os.getenv("BENCH_TOKENS")
if file then
    for line in io.lines(file) do tokens[#tokens + 1] = line end
end

request = function()
    local headers = { ["Content-Type"] = "application/json" }
    if #tokens > 0 then headers["Authorization"] = "Bearer " .. tokens[math.random(1, #tokens)] end
    local body = string.format('{"eventId":"%s","seatId":"%d"}', event, math.random(1, seats))
    return wrk.format("POST", nil, headers, body)
end

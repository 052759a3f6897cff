-- wrk script for `bench/bench.py`: one GraphQL workload per run, chosen by the first script
-- argument. Arguments (after `--`): workload, bearer token ("-" for none), room type ids
-- (comma separated global IDs), terms version, seed. Every thread counts outcomes from the
-- response bodies; `done` prints one JSON line that bench.py parses.
--
--   wrk -t2 -c32 -d10s -s bench/wrk/graphql.lua http://127.0.0.1:8000/graphql -- \
--       availability <token> <id1,id2> <terms> 1

local threads = {}
local counter = 0

function setup(thread)
  counter = counter + 1
  thread:set("thread_no", counter)
  table.insert(threads, thread)
end

local TYPENAME = '{"query":"{ __typename }"}'
local AVAILABILITY = 'query($a: Date!, $b: Date!) { availability(checkIn: $a, checkOut: $b) '
  .. '{ available totalAmount roomType { code } } }'
local BOOKINGS = '{ bookings(first: 50) { totalCount edges { node { id number status checkIn '
  .. 'checkOut totalAmount roomType { code name } guest { fullName } member { memberNumber } } } } }'
local CREATE = 'mutation($i: CreateBookingInput!) { createBooking(input: $i) '
  .. '{ booking { id number } errors { code field } } }'
local CANCEL = 'mutation($id: ID!) { cancelBooking(input: {bookingId: $id, reason: \\"bench\\"}) '
  .. '{ booking { status } errors { code } } }'
local LOGIN = 'mutation($e: String!, $p: String!) { login(input: {email: $e, password: $p}) '
  .. '{ accessToken errors { code } } }'

function init(args)
  workload = args[1]
  token = args[2]
  room_types = {}
  for id in string.gmatch(args[3] or "", "[^,]+") do table.insert(room_types, id) end
  terms = args[4] or ""
  math.randomseed((tonumber(args[5]) or 1) * 7919 + thread_no)
  local t = os.date("!*t")
  today = os.time({year = t.year, month = t.month, day = t.day, hour = 12})
  headers = {["Content-Type"] = "application/json"}
  if token and token ~= "-" then headers["Authorization"] = "Bearer " .. token end
  created = {}  -- booking ids this thread created, for cancellations
  sequence = 0
  ok, unavailable, refused, gql_errors, s5xx, non200 = 0, 0, 0, 0, 0, 0
  reads, creates, cancels, created_ok, cancelled_ok = 0, 0, 0, 0, 0
end

local function day(offset)
  return os.date("!%Y-%m-%d", today + offset * 86400)
end

local function post(body, extra)
  local h = headers
  if extra then
    h = {}
    for k, v in pairs(headers) do h[k] = v end
    for k, v in pairs(extra) do h[k] = v end
  end
  return wrk.format("POST", nil, h, body)
end

local function availability()
  local start = math.random(2, 330)
  local nights = math.random(1, 14)
  return post(string.format('{"query":"%s","variables":{"a":"%s","b":"%s"}}',
    AVAILABILITY, day(start), day(start + nights)))
end

local function bookings()
  return post(string.format('{"query":"%s"}', BOOKINGS))
end

local function create()
  sequence = sequence + 1
  local start = math.random(2, 330)
  local nights = math.random(1, 3)
  local room = room_types[math.random(1, #room_types)]
  local input = string.format(
    '{"channel":"PHONE","roomTypeId":"%s","checkIn":"%s","checkOut":"%s","guests":1,'
      .. '"acceptedTermsVersion":"%s","guest":{"fullName":"Bench Guest %d-%d",'
      .. '"phone":"+86139%02d%06d"}}',
    room, day(start), day(start + nights), terms, thread_no, sequence,
    thread_no % 100, sequence % 1000000)
  return post(string.format('{"query":"%s","variables":{"i":%s}}', CREATE, input))
end

local function cancel()
  local id = table.remove(created)
  if not id then return create() end
  return post(string.format('{"query":"%s","variables":{"id":"%s"}}', CANCEL, id))
end

local function login()
  -- A burst of log-ins from many clients: each request comes "from" its own address (uvicorn
  -- trusts X-Forwarded-For from loopback), so the per-address throttle does not serialise it.
  sequence = sequence + 1
  local address = string.format("10.%d.%d.%d", thread_no % 250, math.floor(sequence / 250) % 250,
    sequence % 250 + 1)
  return post(string.format('{"query":"%s","variables":{"e":"agent@demo.hotel","p":"%s"}}',
    LOGIN, terms), {["X-Forwarded-For"] = address})
end

function request()
  if workload == "typename" then return post(TYPENAME)
  elseif workload == "availability" then return availability()
  elseif workload == "bookings" then return bookings()
  elseif workload == "create" then return create()
  elseif workload == "login" then return login()
  elseif workload == "mixed" then
    local r = math.random(1, 100)
    if r <= 35 then return availability()
    elseif r <= 70 then return bookings()
    elseif r <= 95 then return create()
    else return cancel() end
  end
end

function response(status, headers, body)
  if status >= 500 then s5xx = s5xx + 1 end
  if status ~= 200 then non200 = non200 + 1 return end
  if string.find(body, '"message"', 1, true) then gql_errors = gql_errors + 1 return end
  if string.find(body, '"createBooking"', 1, true) then
    creates = creates + 1
    local id = string.match(body, '"booking":{"id":"([^"]+)"')
    if id then
      ok = ok + 1
      created_ok = created_ok + 1
      if #created < 1000 then table.insert(created, id) end
    elseif string.find(body, "ROOM_UNAVAILABLE", 1, true) then unavailable = unavailable + 1
    else refused = refused + 1 end
  elseif string.find(body, '"cancelBooking"', 1, true) then
    cancels = cancels + 1
    if string.find(body, '"status":"CANCELLED"', 1, true) then
      ok = ok + 1
      cancelled_ok = cancelled_ok + 1
    else refused = refused + 1 end
  elseif string.find(body, '"login"', 1, true) then
    if string.find(body, '"accessToken":"', 1, true) then ok = ok + 1
    else refused = refused + 1 end
  else
    reads = reads + 1
    ok = ok + 1
  end
end

function done(summary, latency, requests)
  local totals = {ok = 0, unavailable = 0, refused = 0, gql_errors = 0, s5xx = 0, non200 = 0,
                  reads = 0, creates = 0, cancels = 0, created_ok = 0, cancelled_ok = 0}
  for _, thread in ipairs(threads) do
    for name, _ in pairs(totals) do
      totals[name] = totals[name] + (thread:get(name) or 0)
    end
  end
  local e = summary.errors
  io.write(string.format(
    'WRK_JSON {"requests":%d,"duration_us":%d,"p50_us":%d,"p95_us":%d,"p99_us":%d,'
      .. '"max_us":%d,"connect_errors":%d,"read_errors":%d,"write_errors":%d,"timeouts":%d,'
      .. '"status_errors":%d,"ok":%d,"unavailable":%d,"refused":%d,"gql_errors":%d,'
      .. '"s5xx":%d,"non200":%d,"reads":%d,"creates":%d,"cancels":%d,"created_ok":%d,'
      .. '"cancelled_ok":%d}\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(95),
    latency:percentile(99), latency.max, e.connect, e.read, e.write, e.timeout, e.status,
    totals.ok, totals.unavailable, totals.refused, totals.gql_errors, totals.s5xx,
    totals.non200, totals.reads, totals.creates, totals.cancels, totals.created_ok,
    totals.cancelled_ok))
end

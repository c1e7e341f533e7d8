-- wrk script: each connection applies online for a birth registration again and again, four
-- requests per dossier (create the draft, save the form, upload the birth notice, submit), as
-- scripts/walkthrough.sh does. Run with as many threads as connections (-tN -cN): wrk keeps one
-- Lua state per thread, so each thread then walks its one connection through the steps.
--
--   wrk -t8 -c8 -d10s -s bench/complete-dossier.lua http://127.0.0.1:8080 -- TOKEN FORM.json FILE.pdf
--
-- Prints "complete dossiers: N in S s (R/s), failed steps: F".

local threads = {}
local next_id = 0

function setup(thread)
  thread:set("id", next_id)
  next_id = next_id + 1
  table.insert(threads, thread)
end

local function slurp(path)
  local f = assert(io.open(path, "rb"))
  local s = f:read("*a")
  f:close()
  return s
end

function init(args)
  token = args[1]
  form = slurp(args[2])
  local pdf = slurp(args[3])
  boundary = "motcua-bench-" .. id
  upload = "--" .. boundary .. "\r\n"
    .. "Content-Disposition: form-data; name=\"component\"\r\n\r\ngiay_chung_sinh\r\n"
    .. "--" .. boundary .. "\r\n"
    .. "Content-Disposition: form-data; name=\"file\"; filename=\"sample.pdf\"\r\n"
    .. "Content-Type: application/pdf\r\n\r\n" .. pdf .. "\r\n"
    .. "--" .. boundary .. "--\r\n"
  step, draft, completed, failed = 0, nil, 0, 0
end

function request()
  local h = { ["Authorization"] = "Bearer " .. token }
  if step == 0 then
    h["Content-Type"] = "application/json"
    return wrk.format("POST", "/api/v1/dossiers", h, '{"procedure":"1.001193"}')
  elseif step == 1 then
    h["Content-Type"] = "application/json"
    return wrk.format("PUT", "/api/v1/dossiers/" .. draft .. "/form", h, form)
  elseif step == 2 then
    h["Content-Type"] = "multipart/form-data; boundary=" .. boundary
    return wrk.format("POST", "/api/v1/dossiers/" .. draft .. "/attachments", h, upload)
  else
    return wrk.format("POST", "/api/v1/dossiers/" .. draft .. "/submit", h)
  end
end

function response(status, headers, body)
  if status < 200 or status > 299 then
    failed = failed + 1
    step = 0
    return
  end
  if step == 0 then
    draft = body:match('"code"%s*:%s*"([^"]+)"')
    step = draft and 1 or 0
  elseif step == 3 then
    completed = completed + 1
    step = 0
  else
    step = step + 1
  end
end

function done(summary, latency, requests)
  local total, bad = 0, 0
  for _, t in ipairs(threads) do
    total = total + t:get("completed")
    bad = bad + t:get("failed")
  end
  local seconds = summary.duration / 1e6
  io.write(string.format("complete dossiers: %d in %.1f s (%.1f/s), failed steps: %d\n",
    total, seconds, total / seconds, bad))
end

-- wrk script: public tracking of many dossiers, each request a code drawn at random from a file
-- of codes (one per line), so the server's one-second answers are hit as a real public would
-- hit them, not one hot code.
--
--   wrk -t2 -c500 -d10s -s bench/track-many.lua http://127.0.0.1:8080 -- codes.txt

local codes = {}

function init(args)
  for line in io.lines(args[1]) do
    if #line > 0 then
      table.insert(codes, line)
    end
  end
  math.randomseed(os.time() + #codes)
end

function request()
  return wrk.format("GET", "/api/v1/track/" .. codes[math.random(#codes)])
end

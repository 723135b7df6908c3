-- wrk script for bench/boot-ipxe.sh: every request asks /boot.ipxe for a random host among the
-- inventory the benchmark created (h0001..hNNNN, MAC 02:00:00:00:XX:XX of 1000+i), so each request
-- is a real per-machine decision rather than one cached answer.
--
--   wrk -t2 -c64 -d20s --latency -s bench/wrk-boot.lua http://127.0.0.1:18481 [-- HOSTS]
--
-- HOSTS defaults to 1000. The reported ip is 127.0.0.1, which is the TCP source when wrk runs on
-- the same machine, so the decider takes its normal path (not "source does not match").
-- nginx ignores the query string, so the same script drives the static-file baseline.

local paths = {}
local count = 0
local threads = {}
local next_id = 0

-- Runs once per thread in the main Lua state: give each thread its own id (for its random seed).
function setup(thread)
   next_id = next_id + 1
   thread:set("id", next_id)
   table.insert(threads, thread)
end

-- Runs in each thread's own Lua state.
function init(args)
   local hosts = tonumber(args[1] or "") or 1000
   for i = 1, hosts do
      local n = 1000 + i
      local mac = string.format("02-00-00-00-%02x-%02x", math.floor(n / 256) % 256, n % 256)
      paths[i] = "/boot.ipxe?mac=" .. mac .. "&ip=127.0.0.1&uuid=&arch=x86_64&platform=pcbios"
   end
   count = hosts
   math.randomseed(os.time() * 1000 + (id or 0) * 7919)
end

function request()
   return wrk.format("GET", paths[math.random(count)])
end

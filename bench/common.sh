# Sourced by bench/run and bench/profile, so both measure the same app under the same load.

# start_redis PORT STATE_DIR: a throwaway Redis on loopback, no persistence.
start_redis() {
  redis-server --port "$1" --bind 127.0.0.1 --save "" --appendonly no --daemonize yes \
    --pidfile "$2/redis-$1.pid" --logfile "$2/redis-$1.log"
}

# start_app HTTP_PORT REDIS_PORT STATE_DIR: the jar as bin/counter runs it, with the defaults a user gets, counting in that
# Redis; sets app_pid. All load comes from one address, which the default per-client limit (10/s)
# would answer with 429s; the seed stack measured beside it has no limit either: RATE_LIMIT=0.
start_app() {
  RATE_LIMIT=0 REDIS_HOST=127.0.0.1 REDIS_PORT="$2" LOG_DIR="$3/logs" HTTP_PORT="$1" BIND_ADDRESS=127.0.0.1 \
    API_KEY=bench-api-key bin/counter > "$3/app.out" 2>&1 &
  app_pid=$!
}

# pixel_load BASE_URL SECONDS [wrk options...]: 1 thread, 32 connections, pixels over 1,000 counters.
pixel_load() {
  local url=$1 secs=$2
  shift 2
  PIXEL_PREFIX=/p/bench/c wrk -t1 -c32 -d"${secs}s" "$@" -s bench/pixels.lua "$url"
}

# Sourced by the benchmarks that compare with nginx: `start_nginx WORK PORT` serves
# $WORK/www on 127.0.0.1:PORT (all workers, no access log, files as octet-stream unless
# named otherwise) and leaves $WORK/nginx.pid for `stop_nginx WORK`. With BENCH_SERVER_CPUS set
# (a taskset CPU list), nginx runs on those CPUs only; NGINX_HTTP_EXTRA adds directives to its
# http block.
start_nginx() {
  chmod -R a+rX "$1"
  cat >"$1/nginx.conf" <<NGINX
user root;
worker_processes auto;
pid $1/nginx.pid;
error_log $1/nginx-error.log;
events { worker_connections 1024; }
http {
  access_log off;
  include /etc/nginx/mime.types;
  default_type application/octet-stream;
  ${NGINX_HTTP_EXTRA:-}
  server { listen 127.0.0.1:$2; root $1/www; }
}
NGINX
  ${BENCH_SERVER_CPUS:+taskset -c "$BENCH_SERVER_CPUS"} nginx -c "$1/nginx.conf" -p "$1"
  sleep 0.5
}
stop_nginx() {
  [ -f "$1/nginx.pid" ] && kill "$(cat "$1/nginx.pid")" 2>/dev/null || true
}

# write_nginx_upstream DIR: writes DIR/upstream.sh, which runs nginx in the foreground on $PORT answering `200 ok`
# (the settings of ../shared/peer-bench/upstreams.sh), for Berth to supervise as a service with a fixed base port.
write_nginx_upstream() {
    cat >"$1/upstream.sh" <<'UPSTREAM'
#!/bin/sh
d="$1/$PORT"; mkdir -p "$d/tmp"
cat >"$d/nginx.conf" <<CONF
worker_processes 1;
daemon off;
pid $d/nginx.pid;
error_log $d/error.log warn;
events { worker_connections 4096; }
http {
    access_log off; keepalive_requests 1000000; keepalive_timeout 60s;
    client_body_temp_path $d/tmp/body; proxy_temp_path $d/tmp/proxy; fastcgi_temp_path $d/tmp/fcgi;
    uwsgi_temp_path $d/tmp/uwsgi; scgi_temp_path $d/tmp/scgi;
    server { listen 127.0.0.1:$PORT; default_type text/plain; location / { return 200 "ok\n"; } }
}
CONF
exec nginx -c "$d/nginx.conf"
UPSTREAM
    chmod +x "$1/upstream.sh"
}

# write_h2c_manifest DIR NAME LISTEN_PORT UPSTREAM_PORT: the upstream above spoken to over h2c (prior knowledge, as
# bench/h2.sh's), and DIR/berth.yaml: a project NAME whose gateway listens on LISTEN_PORT (access log off, as the
# peers run) and routes / to two such replicas on UPSTREAM_PORT and the next port (bench/h2-profile.sh,
# bench/h2-syscalls.sh, bench/h2-pinned.sh).
write_h2c_manifest() {
    write_nginx_upstream "$1"
    sed -i 's/listen 127.0.0.1:$PORT;/listen 127.0.0.1:$PORT http2;/' "$1/upstream.sh"
    grep -q 'http2;' "$1/upstream.sh" || { echo "could not make the upstream speak h2c" >&2; return 1; }
    cat >"$1/berth.yaml" <<MANIFEST
name: $2
gateway:
  listen: 127.0.0.1:$3
  access_log: false
  routes:
    - { path: /, service: upstream }
services:
  upstream:
    command: ["$1/upstream.sh", "$1"]
    replicas: 2
    port: $4
    protocol: h2c
    stop: { signal: SIGQUIT, timeout: 5s }
MANIFEST
}

# write_haproxy_h2 FILE LISTEN_PORT UPSTREAM_PORT: HAProxy as ../shared/peer-bench/h2-compare.sh runs it (`proto h2`
# both sides, one thread, http-reuse always), in front of UPSTREAM_PORT and the next port.
write_haproxy_h2() {
    cat >"$1" <<CONFIG
global
  nbthread 1
  maxconn 4096
defaults
  mode http
  timeout connect 5s
  timeout client 30s
  timeout server 30s
frontend fe
  bind 127.0.0.1:$2 proto h2
  default_backend be
backend be
  balance roundrobin
  http-reuse always
  server u0 127.0.0.1:$3 proto h2
  server u1 127.0.0.1:$(($3 + 1)) proto h2
CONFIG
}

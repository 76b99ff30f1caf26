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

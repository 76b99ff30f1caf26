#!/bin/sh
# Runs RabbitMQ (Debian's rabbitmq-server) in the foreground for the shop, as a Berth service: its node name,
# ports, data and logs are the shop's own, so that it neither touches nor needs the system's broker.
#
#   SHOP_DATA_DIR     the shop's data folder (default data); the broker keeps everything in $SHOP_DATA_DIR/rabbitmq
#   PORT              the AMQP port (Berth sets it from the service's `port:`), on 127.0.0.1
#   SHOP_EPMD_PORT    the port of the shop's own epmd (a service of its own: this broker never starts one)
#   SHOP_AMQP_NODE    the Erlang node name (default shop@localhost)
#   SHOP_EPMD_START   1: start epmd here first (in a container only: under Berth it would outlive the broker)
#
# The broker's distribution port is PORT + 20000 on 127.0.0.1 only. Logs go to standard output (Berth's log).
# It execs Debian's start script, which turns SIGTERM into a clean broker stop.
set -eu

# Debian's start script (not /usr/sbin/rabbitmq-server, which switches user through su and stays in between);
# in RabbitMQ's official image, the one on PATH.
server=/usr/lib/rabbitmq/bin/rabbitmq-server
[ -x "$server" ] || server="$(command -v rabbitmq-server || true)"
if [ -z "$server" ]; then
    echo "rabbitmq-server is not installed (apt-get install rabbitmq-server; the shop's README says how)" >&2
    exit 2
fi
: "${PORT:?PORT is not set: give the service a port}"
: "${SHOP_EPMD_PORT:?SHOP_EPMD_PORT is not set: the port of the shop epmd service}"

data="${SHOP_DATA_DIR:-data}"
# The data folder is the shop's alone (0700, as ShopDatabase makes it): the first of its creators makes it so.
(umask 077 && mkdir -p "$data/rabbitmq")
base="$(cd "$data/rabbitmq" && pwd)"
mkdir -p "$base/home" "$base/mnesia" "$base/log" "$base/plugins-expand"
[ -f "$base/enabled_plugins" ] || echo '[].' > "$base/enabled_plugins"

export HOME="$base/home"
export RABBITMQ_NODENAME="${SHOP_AMQP_NODE:-shop@localhost}"
export RABBITMQ_NODE_IP_ADDRESS=127.0.0.1
export RABBITMQ_NODE_PORT="$PORT"
export RABBITMQ_DIST_PORT=$((PORT + 20000))
export ERL_EPMD_PORT="$SHOP_EPMD_PORT"
export ERL_EPMD_ADDRESS=127.0.0.1
export RABBITMQ_MNESIA_BASE="$base/mnesia"
export RABBITMQ_LOG_BASE="$base/log"
export RABBITMQ_LOGS=-
export RABBITMQ_ENABLED_PLUGINS_FILE="$base/enabled_plugins"
export RABBITMQ_PLUGINS_EXPAND_DIR="$base/plugins-expand"
export RABBITMQ_CONF_ENV_FILE="$base/rabbitmq-env.conf"
export RABBITMQ_CONFIG_FILE="$base/rabbitmq"
# In a container (SHOP_EPMD_START=1, set by rabbitmq/Containerfile) epmd is started here: it ends with the pod.
if [ "${SHOP_EPMD_START:-0}" = 1 ]; then
    epmd -daemon -port "$SHOP_EPMD_PORT" -address 127.0.0.1
fi
# Never start an epmd of its own (it would outlive the broker); bind the distribution port to loopback only.
export RABBITMQ_SERVER_START_ARGS="-start_epmd false"
export RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS="-kernel inet_dist_use_interface {127,0,0,1}"
exec "$server"

# The Swift services (user, inventory, order, payment, their gRPC sides and their migrate/seed jobs): one multi-stage build,
# parametrised by the service, from the shop's folder:
#   podman build -f Containerfile.swift --build-arg SERVICE=order \
#       -t ${SHOP_REGISTRY:-localhost/shop}/order:${SHOP_IMAGE_TAG:-latest} .
# The binary sits where the manifest's command looks for it (.build/release/SERVICE; .build/debug links to it), so
# the exported command runs whatever SHOP_BUILD the export was made with.
ARG SERVICE

FROM docker.io/library/swift:6.3-bookworm AS build
ARG SERVICE
WORKDIR /src
COPY Package.swift ./
COPY ShopKit ShopKit
COPY ShopAMQP ShopAMQP
COPY ShopRPC ShopRPC
COPY user user
COPY inventory inventory
COPY order order
COPY payment payment
# Without dynamic exclusivity checks in any module, as build.sh's release build (berth.yaml's build: step).
RUN test -n "$SERVICE" && mkdir -p ShopAMQPTests user/Tests inventory/Tests order/Tests payment/Tests \
    && swift build -c release --static-swift-stdlib -Xswiftc -enforce-exclusivity=unchecked --product "$SERVICE"

FROM docker.io/library/debian:bookworm-slim
ARG SERVICE
RUN apt-get update && apt-get install -y --no-install-recommends ca-certificates \
    && rm -rf /var/lib/apt/lists/* && useradd --system --uid 10001 --home-dir /app shop
WORKDIR /app
COPY --from=build /src/.build/release/${SERVICE} .build/release/${SERVICE}
# `service` names the binary for CMD, which cannot expand a build argument in its exec form.
RUN ln -s release .build/debug && ln -s ".build/release/${SERVICE}" service && mkdir -p data && chown shop data
USER 10001
ENV SHOP_DATA_DIR=/app/data
VOLUME /app/data
STOPSIGNAL SIGTERM
EXPOSE 8080
CMD ["./service", "serve"]

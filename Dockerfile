# Production image: a static-ish Debian runtime with the release binary.
FROM rust:1.95-bookworm AS build
WORKDIR /src
COPY . .
RUN cargo build --release --locked

FROM debian:bookworm-slim
RUN apt-get update && apt-get install -y --no-install-recommends ca-certificates curl \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --home /data --create-home ocop \
    && install -d -o ocop /journal
COPY --from=build /src/target/release/ocop-trace /usr/local/bin/ocop-trace
USER ocop
WORKDIR /data
ENV OCOP_LISTEN=0.0.0.0:8080 \
    OCOP_DATA_DIR=/data \
    OCOP_LOG_FORMAT=json
EXPOSE 8080
HEALTHCHECK --interval=10s --timeout=3s --retries=5 CMD curl -fsS http://127.0.0.1:8080/readyz || exit 1
ENTRYPOINT ["ocop-trace"]
CMD ["serve"]

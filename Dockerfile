# partnerd in a `scratch` image: one static binary, nothing else, so nothing has to be pulled
# and the image builds offline. The binary is built on the host first:
#
#   deploy/image/build.sh            # static build + `docker build -t partnerd .`
#
# or by hand:
#
#   RUSTFLAGS="-C target-feature=+crt-static" cargo build --release --locked \
#       --target x86_64-unknown-linux-gnu -p partnerd-cli
#   docker build -t partnerd .
#
# Run:  docker run -p 8080:8080 -v partnerd-data:/data partnerd
# Then: docker exec CONTAINER partnerd partner create --name X --json  (same database)
FROM scratch

ARG BINARY=target/x86_64-unknown-linux-gnu/release/partnerd
COPY ${BINARY} /usr/local/bin/partnerd
# /data owned by the unprivileged user the server runs as; a named volume mounted there
# takes this ownership when Docker first fills it.
COPY --chown=65532:65532 deploy/image/data/ /data/

USER 65532:65532
WORKDIR /data
ENV PARTNERD_LISTEN=0.0.0.0:8080 \
    PARTNERD_DATABASE=sqlite:///data/partnerd.db \
    PATH=/usr/local/bin
EXPOSE 8080
VOLUME ["/data"]
HEALTHCHECK --interval=5s --timeout=4s --start-period=5s --retries=3 \
    CMD ["partnerd", "healthcheck"]
STOPSIGNAL SIGTERM
ENTRYPOINT ["partnerd"]
CMD ["serve"]

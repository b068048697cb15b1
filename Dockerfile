# Build: docker build -t roms .
# Run:   docker run -d --name roms -p 8001:8001 -v roms-data:/data \
#          -e ROMS_HTTP_TOKEN=$(openssl rand -hex 24) -e ROMS_DISCORD_TOKEN=... roms
# A container listens beyond loopback, so it needs ROMS_HTTP_TOKEN (or, when only this
# machine can reach the port, ROMS_HTTP_ALLOW_PUBLIC_WITHOUT_TOKEN=true).

FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ARG VERSION=dev
RUN CGO_ENABLED=0 go build -trimpath -ldflags "-s -w -X main.version=${VERSION}" -o /out/bot ./cmd/bot \
    && mkdir -p /out/data

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/bot /bot
COPY --from=build --chown=65532:65532 /out/data /data
ENV ROMS_HTTP_ADDR=0.0.0.0:8001 \
    ROMS_STORAGE_PATH=/data/roms.db
VOLUME /data
EXPOSE 8001
USER 65532:65532
HEALTHCHECK --interval=30s --timeout=6s --start-period=10s --retries=3 CMD ["/bot", "healthcheck"]
ENTRYPOINT ["/bot"]
CMD ["serve"]

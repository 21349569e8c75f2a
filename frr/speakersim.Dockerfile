# speakersim image for compose.yaml: built from this repository on node:20.
FROM node:20-bookworm-slim
# iproute2: the entrypoint adds the other simulated nodes' addresses to eth0.
RUN apt-get update \
 && apt-get install -y --no-install-recommends iproute2 \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund --ignore-scripts
COPY . .
RUN npm run build
ENTRYPOINT ["/app/frr/speakersim-entrypoint.sh"]

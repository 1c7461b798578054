# The atlas-restore image: runs the worker by default, and the Atlas simulator or the CLI with another command
# (docker-compose.yml uses all three). Build: docker build -t atlas-restore .
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY . .
# Compiles to dist/ and prebuilds the workflow bundle (dist/workflow-bundle.js), so workers start without webpack.
RUN npm run build

FROM node:20-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force
COPY --from=build /app/dist ./dist
ENV WORKFLOW_BUNDLE_PATH=/app/dist/workflow-bundle.js
USER node
# Prometheus /metrics of the worker when METRICS_BIND_ADDRESS=0.0.0.0:9464. No HEALTHCHECK: the same image runs the
# simulator and the one-shot CLI, which serve no such endpoint.
EXPOSE 9464
CMD ["node", "dist/worker/main.js"]

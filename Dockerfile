FROM python:3.12-slim
WORKDIR /app
COPY pyproject.toml README.md ./
COPY bot ./bot
COPY recommender ./recommender
COPY db ./db
RUN pip install --no-cache-dir .
RUN useradd --create-home reelbot
# The catalog snapshots every service shares (a volume in docker-compose.yml), owned by the bot.
RUN mkdir -p /var/cache/reelbot && chown reelbot /var/cache/reelbot
ENV REELBOT_CACHE_DIR=/var/cache/reelbot
USER reelbot
ENTRYPOINT ["reelbot"]
CMD ["chat"]

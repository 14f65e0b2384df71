FROM python:3.12-slim
WORKDIR /app
COPY pyproject.toml README.md ./
COPY bot ./bot
COPY recommender ./recommender
COPY db ./db
RUN pip install --no-cache-dir .
RUN useradd --create-home reelbot
USER reelbot
ENTRYPOINT ["reelbot"]
CMD ["chat"]

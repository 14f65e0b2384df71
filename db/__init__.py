"""Storage: SQLAlchemy 2.x async models, repositories, unit of work and Alembic migrations."""

"""Each crawl run's log file: `crawl_runs.log_path`.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-01

The daemon and `warta crawl` write every crawl's full Scrapy log to a file of its own (under
WARTA_LOG_DIR); the run row keeps where, so `warta runs` readers can open it. Nullable: older
runs and bare `scrapy crawl` runs have none.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


# Plain ALTER TABLE ADD/DROP COLUMN (SQLite >= 3.35 has both), never a batch table copy: views
# read crawl_runs, and a copy-and-rename would have to rebuild them.
def upgrade() -> None:
    op.add_column("crawl_runs", sa.Column("log_path", sa.String(length=1000), nullable=True))


def downgrade() -> None:
    op.execute("ALTER TABLE crawl_runs DROP COLUMN log_path")

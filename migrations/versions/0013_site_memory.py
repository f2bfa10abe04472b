"""What crawls remember per site: discovered sources and how to crawl the site cheaply.

Revision ID: 0013
Revises: 0003
Create Date: 2026-12-01

`site_sources`: each sitemap, feed, listing and WordPress REST API a crawl found on a site, and
each guessed one that does not exist, with when it was last checked (issue 11: a night reads
only sources that exist; missing guesses are re-probed on a slower cycle).
`site_crawl_state`: whether the site's ETag/Last-Modified can be trusted, when the last deep
pass paged every listing, when the last finished crawl began.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
UTC_TIME = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "site_sources",
        sa.Column("id", Id, nullable=False),
        sa.Column("site_id", Id, nullable=False),
        sa.Column("url", sa.String(length=2000), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("first_checked_at", UTC_TIME, nullable=False),
        sa.Column("last_checked_at", UTC_TIME, nullable=False),
        sa.Column("last_found_at", UTC_TIME, nullable=True),
        sa.ForeignKeyConstraint(
            ["site_id"], ["sites.id"], name=op.f("fk_site_sources_site_id_sites")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_site_sources")),
        sa.UniqueConstraint("site_id", "url", name=op.f("uq_site_sources_site_id")),
    )
    with op.batch_alter_table("site_sources", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_site_sources_site_id"), ["site_id"], unique=False)
    op.create_table(
        "site_crawl_state",
        sa.Column("site_id", Id, nullable=False),
        sa.Column("validators_trusted", sa.Boolean(), nullable=True),
        sa.Column("validators_checked_at", UTC_TIME, nullable=True),
        sa.Column("noisy_validator_pages", sa.Integer(), nullable=False),
        sa.Column("not_modified_pages", sa.Integer(), nullable=False),
        sa.Column("last_deep_pass_at", UTC_TIME, nullable=True),
        sa.Column("last_complete_crawl_at", UTC_TIME, nullable=True),
        sa.ForeignKeyConstraint(
            ["site_id"], ["sites.id"], name=op.f("fk_site_crawl_state_site_id_sites")
        ),
        sa.PrimaryKeyConstraint("site_id", name=op.f("pk_site_crawl_state")),
    )


def downgrade() -> None:
    op.drop_table("site_crawl_state")
    with op.batch_alter_table("site_sources", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_site_sources_site_id"))
    op.drop_table("site_sources")

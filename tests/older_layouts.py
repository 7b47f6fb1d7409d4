"""Indexes as older versions wrote them, for the tests that an ingest brings them up to date."""

import sqlite3

# Version -> the passage columns it lacks and what its FTS table searched.
_LAYOUTS = {1: (("context", "title"), "text"), 2: (("context",), "title, text")}


def rewrite_in_layout(db_path, version: int) -> None:
    """Rewrite a database in the layout of schema ``version`` (1: no titles or speakers
    searched; 2: titles but no speakers)."""
    dropped, searched = _LAYOUTS[version]
    conn = sqlite3.connect(db_path)
    conn.executescript(
        "DROP TRIGGER passages_ai; DROP TRIGGER passages_ad; DROP TRIGGER passages_au;"
        "DROP TABLE passages_fts;"
        + "".join(f"ALTER TABLE passages DROP COLUMN {column};" for column in dropped)
        + ("DELETE FROM meta WHERE key = 'schema';" if version == 1
           else f"UPDATE meta SET value = '{version}' WHERE key = 'schema';")
        + f"""CREATE VIRTUAL TABLE passages_fts USING fts5({searched}, content='passages',
            content_rowid='row_id', tokenize='porter unicode61 remove_diacritics 2');
        INSERT INTO passages_fts(passages_fts) VALUES ('rebuild');""")
    conn.commit()
    conn.close()
